import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAgent, waitFor } from '../helpers/agent';
import { Api, request } from '../helpers/http';
import { freePort, useServer } from '../helpers/server';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_') && !k.startsWith('OS_')));

describe('permafrost agent: configuration and operation', function () {
  this.timeout(30000);

  it('answers every misconfiguration with a clear line and exit status 2', () => {
    const cases: Array<[Record<string, string>, string[], RegExp]> = [
      [{}, [], /api_url: the Freezer API URL is needed/],
      [{ PERMAFROST_AGENT_API_URL: 'http://127.0.0.1:1' }, [], /auth: give a token/],
      [{ PERMAFROST_AGENT_API_URL: 'http://127.0.0.1:1', OS_USERNAME: 'u' }, [], /auth_url: .*identity URL[\s\S]*password: a user login needs a password/],
      [{ PERMAFROST_AGENT_API_URL: 'ftp://x', OS_TOKEN: 't', OS_PROJECT_ID: 'p' }, [], /api_url \(from PERMAFROST_AGENT_API_URL\): "ftp:\/\/x" is not valid: expected the http:\/\/ or https:\/\/ URL of the Freezer API/],
      [{ PERMAFROST_AGENT_API_URL: 'http://127.0.0.1:1', OS_TOKEN: 't' }, [], /project_id: v2 needs the project/],
      [{ PERMAFROST_AGENT_API_URL: 'http://127.0.0.1:1', OS_TOKEN: 't', OS_PROJECT_ID: 'p' }, ['--interval', 'soon'], /poll_interval_s \(from --interval\): "soon" is not valid: expected seconds between polls, .*, e\.g\. 60/],
      [{ PERMAFROST_AGENT_API_URL: 'http://127.0.0.1:1', OS_TOKEN: 't', OS_PROJECT_ID: 'p' }, ['--api-version', 'v3'], /api_version \(from --api-version\): "v3" is not valid: expected one of v1, v2/],
    ];
    for (const [env, args, message] of cases) {
      const run = spawnSync(process.execPath, [ENTRY, 'agent', ...args], { encoding: 'utf8', env: { ...cleanEnv(), ...env }, timeout: 10000 });
      assert.equal(run.status, 2, `${JSON.stringify(env)} ${args}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /^permafrost agent: invalid configuration/);
    }
  });

  it('keeps running and retrying with backoff while the API is down', async () => {
    const port = await freePort();
    const agent = startAgent({ PERMAFROST_AGENT_API_URL: `http://127.0.0.1:${port}`, OS_TOKEN: 't', OS_PROJECT_ID: 'p', PERMAFROST_AGENT_INTERVAL: '0.2' });
    try {
      await waitFor('two failed registrations', 10000, async () => (agent.logs().match(/cannot register the client; retrying/g) ?? []).length >= 2);
      assert.equal(agent.proc.exitCode, null);
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });

  it('--no-api runs the jobs of <jobs dir>/*.conf and writes nothing back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-noapi-'));
    const marker = path.join(dir, 'ran');
    fs.writeFileSync(
      path.join(dir, 'job_local.conf'),
      JSON.stringify({ job_schedule: {}, job_actions: [{ freezer_action: { action: 'exec', command: `echo ran > ${marker}`, shell: true } }] }),
    );
    const agent = startAgent({ PERMAFROST_AGENT_LOG_LEVEL: 'info' }, ['--no-api', '--jobs-dir', dir]);
    try {
      await waitFor('the file job to run', 10000, async () => fs.existsSync(marker));
      // The marker appears as the command runs; the agent logs the end of the run a moment later.
      await waitFor('the run to be logged as finished', 10000, async () => /"result":"success","msg":"run finished"/.test(agent.logs()));
      assert.match(agent.logs(), /running jobs from files/);
    } finally {
      await agent.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('conditional list requests (what keeps agent polls cheap)', () => {
  const server = useServer();

  it('the agent speaks v1 too (--api-version v1): registers, runs a job, reports it', async function () {
    this.timeout(30000);
    const owner = Api.v1(server().url, 'victor');
    const agent = startAgent({ PERMAFROST_AGENT_API_URL: server().url, PERMAFROST_AGENT_NOAUTH_USER: 'victor', PERMAFROST_AGENT_CLIENT_ID: 'v1host', PERMAFROST_AGENT_INTERVAL: '0.3' }, [
      '--api-version',
      'v1',
    ]);
    try {
      await waitFor('registration', 10000, async () => (await owner.get('/clients/v1host')).status === 200);
      const id = (await owner.post('/jobs', { client_id: 'v1host', job_schedule: {}, job_actions: [{ freezer_action: { action: 'exec', command: '/bin/true' } }] })).json.job_id;
      await waitFor('the job to complete', 15000, async () => {
        const s = (await owner.get(`/jobs/${id}`)).json.job_schedule;
        return s.status === 'completed' && s.result === 'success';
      });
    } finally {
      await agent.stop();
    }
  });

  it('lists carry an ETag; the same request with If-None-Match is a bodiless 304 until the list changes', async () => {
    const api = Api.v2(server().url, 'projE', 'eve');
    await api.post('/jobs', { client_id: 'h', job_actions: [{ freezer_action: { action: 'backup' } }] });
    const url = `${server().url}/v2/projE/jobs?limit=10`;
    const headers = { 'X-User-Id': 'eve' };
    const first = await request(url, { headers });
    const etag = first.headers.etag as string;
    assert.match(etag, /^W\/".+"$/);
    const again = await request(url, { headers: { ...headers, 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    await api.post('/jobs', { client_id: 'h', job_actions: [{ freezer_action: { action: 'backup' } }] });
    const changed = await request(url, { headers: { ...headers, 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.jobs.length, 2);
    assert.notEqual(changed.headers.etag, etag);
  });
});
