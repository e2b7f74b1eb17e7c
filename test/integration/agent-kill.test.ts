import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import { ensureEngineTools, restore, tempDir } from '../helpers/engine';
import { Api } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/server';
import { makeBigTree, manifest, manifestDiff } from '../helpers/tree';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The agent itself killed (SIGKILL) at random moments while its backup job runs, then started
 * again: restore only ever sees whole backups, and the job's next run succeeds.
 */
describe('agent killed at random moments during a backup', function () {
  this.timeout(300_000);
  let server: RunningServer;
  let owner: Api;
  let work = '';
  let agent: RunningAgent | null = null;
  const env = () => ({
    PERMAFROST_AGENT_API_URL: server.url, PERMAFROST_AGENT_NOAUTH_USER: 'kim', OS_PROJECT_ID: 'kp',
    PERMAFROST_AGENT_CLIENT_ID: 'killhost', PERMAFROST_AGENT_INTERVAL: '0.3', PERMAFROST_AGENT_LOG_LEVEL: 'info',
  });

  before(async () => {
    ensureEngineTools();
    server = await startServer();
    owner = Api.v2(server.url, 'kp', 'kim');
    work = tempDir('agent-kill');
  });
  after(async () => {
    await agent?.stop();
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('never leaves a backup restore takes as whole, and the next run after a restart succeeds', async () => {
    const src = path.join(work, 'src');
    makeBigTree(src);
    const expected = manifest(src);
    const common = { storage: 'local', container: path.join(work, 'store'), backup_name: 'ak', hostname: 'h' };
    const res = await owner.post('/jobs', {
      client_id: 'killhost', description: 'killed backup', job_schedule: { schedule_interval: '1 seconds' },
      job_actions: [{ freezer_action: { action: 'backup', ...common, path_to_backup: src, compression: 'gzip', compression_level: 9, no_incremental: true }, max_retries: 0 }],
    });
    assert.equal(res.status, 201, res.text);
    const jobId = res.json.job_id as string;
    const schedule = async () => (await owner.get(`/jobs/${jobId}`)).json.job_schedule as Doc;

    for (let round = 0; round < 4; round++) {
      agent = startAgent(env());
      const pid = agent.proc.pid;
      await waitFor('a backup run of this agent to start', 30_000, async () => {
        const s = await schedule();
        return s.status === 'running' && s.current_pid === pid;
      });
      // Somewhere inside the run (a whole run of this tree takes one to two seconds here).
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 2000)));
      agent.proc.kill('SIGKILL');
      await new Promise((r) => agent!.proc.once('exit', r));
      agent = null;
      const target = path.join(work, `restore-${round}`);
      const whole = await restore({ ...common, restore_abs_path: target }).then(() => true, (err: Error) => {
        assert.match(err.message, /No matching backup name "h_ak" found/, `round ${round}`);
        return false;
      });
      if (whole) assert.deepEqual(manifestDiff(expected, manifest(target)), [], `round ${round}`);
    }

    agent = startAgent(env());
    const pid = agent.proc.pid;
    const before = ((await owner.get('/backups')).json.backups as Doc[]).length;
    await waitFor('a run of the restarted agent that succeeds', 60_000, async () => {
      const s = await schedule();
      return s.current_pid === pid && s.status !== 'running' && s.result === 'success';
    });
    await waitFor('its backup metadata', 10_000, async () => ((await owner.get('/backups')).json.backups as Doc[]).length > before);
    const target = path.join(work, 'restore-final');
    await restore({ ...common, restore_abs_path: target });
    assert.deepEqual(manifestDiff(expected, manifest(target)), []);
  });
});
