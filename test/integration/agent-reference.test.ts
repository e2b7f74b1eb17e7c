import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Api } from '../helpers/http';
import { freePort } from '../helpers/server';
import { compatDir } from '../helpers/shared-dir';
import { agentScenarios } from './agent-scenarios';

const COMPAT = compatDir();

/**
 * The same scenarios with the agent pointed at the stock Freezer API (Debian freezer-api 13,
 * started by shared/compat/start-reference.sh in noauth mode). Skipped, visibly, when shared/ or
 * the Debian packages are not available.
 */
agentScenarios('permafrost agent against the stock Freezer API (shared/compat/start-reference.sh)', async (ctx) => {
  const start = path.join(COMPAT, 'start-reference.sh');
  if (!fs.existsSync(start)) {
    console.log(`      SKIPPED: ${start} not found (set PERMAFROST_SHARED)`);
    ctx.skip();
  }
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-ref-'));
  const port = await freePort();
  const env = { ...process.env, FREEZER_REF_STATE: state, FREEZER_REF_PORT: String(port), FREEZER_REF_V1_PORT: '', FREEZER_REF_KS_PORT: '', FREEZER_REF_PROCESSES: '2' };
  const run = spawnSync('bash', [start], { env, encoding: 'utf8', timeout: 600000 });
  if (run.status !== 0) {
    console.log(`      SKIPPED: the stock Freezer API did not start: ${`${run.stdout}${run.stderr}`.trim().slice(-400)}`);
    fs.rmSync(state, { recursive: true, force: true });
    ctx.skip();
  }
  const url = `http://127.0.0.1:${port}`;
  const project = `agentref${Date.now()}`;
  // The reference's noauth filter maps X-Auth-Token-only requests to its default user.
  const owner = new Api(url, `/v2/${project}`, { 'X-Auth-Token': 'agent-test' });
  return {
    owner,
    clientId: `${project}_host`,
    agentEnv: { PERMAFROST_AGENT_API_URL: url, OS_TOKEN: 'agent-test', OS_PROJECT_ID: project },
    async stop() {
      spawnSync('bash', [path.join(COMPAT, 'stop-reference.sh')], { env, encoding: 'utf8', timeout: 60000 });
      fs.rmSync(state, { recursive: true, force: true });
    },
  };
});
