import assert from 'node:assert/strict';
import { CLIENT_LIMITED_RULES } from '../../../src/auth/client-limit-rules';
import { DEFAULT_POLICY } from '../../../src/auth/default-policy';

/** Each call an agent makes (spec B.2 to B.7, plus Permafrost's runs and wait-for-change), by rule. */
const AGENT_CALLS: Record<string, string> = {
  'clients:create': 'registers its client (POST /clients)',
  'clients:get': 'reads its own client',
  'clients:get_all': 'lists its own client',
  'clients:changes:get': 'waits for a change of its jobs (GET /clients/{id}/changes)',
  'jobs:get_all': 'polls its jobs',
  'jobs:get': 'reads one of its jobs',
  'jobs:update': 'reports a job status (PATCH /jobs/{id})',
  'jobs:event:create': 'posts a job event',
  'backups:create': 'posts backup metadata',
  'sessions:action:create': 'takes part in a session',
  'runs:get_all': 'asks whether runs are offered (GET /runs?limit=1)',
  'runs:get': 'reads a run it opened',
  'runs:create': 'opens a run (POST /runs)',
  'runs:update': 'reports on a run (PATCH /runs/{id}, the run-report stream)',
};

describe('client-limited (agent) tokens (auth/client-limit-rules.ts)', () => {
  it('may make every call an agent makes', () => {
    for (const [rule, call] of Object.entries(AGENT_CALLS)) assert.ok(CLIENT_LIMITED_RULES.has(rule), `${rule}: an agent ${call}`);
  });

  it('may not do anything else the API offers: create or delete jobs, run now, read backups, webhooks, freshness, identity', () => {
    const others = Object.keys(DEFAULT_POLICY).filter((rule) => !(rule in AGENT_CALLS));
    for (const rule of ['jobs:create', 'jobs:delete', 'jobs:runs:create', 'runs:cancel', 'backups:get_all', 'backups:delete', 'clients:delete', 'freshness:get_all', 'identity:admin']) {
      assert.ok(others.includes(rule), `${rule} is a rule of the default policy`);
    }
    for (const rule of others) assert.equal(CLIENT_LIMITED_RULES.has(rule), false, rule);
    assert.equal(CLIENT_LIMITED_RULES.size, Object.keys(AGENT_CALLS).length, 'no rule the policy does not know');
  });
});
