import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import { backup, ensureEngineTools, restore, tempDir } from '../helpers/engine';
import { Api } from '../helpers/http';
import { killTree, pollUntil, waitGone } from '../helpers/processes';
import { startServer, type RunningServer } from '../helpers/server';
import { makeBigTree, manifest, manifestDiff } from '../helpers/tree';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The staging directories (one per run) under a store. */
function stagings(store: string): string[] {
  const root = path.join(store, '.permafrost-partial', 'h_ak');
  return fs.existsSync(root) ? fs.readdirSync(root).map((d) => path.join(root, d)) : [];
}

function sizeOf(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

/** Bytes of the data files under a store. */
function storedBytes(store: string): number {
  return (fs.readdirSync(store, { recursive: true }) as string[]).filter((f) => f.endsWith('/data')).reduce((sum, f) => sum + sizeOf(path.join(store, f)), 0);
}

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

    // How much a whole run stores: the same backup made directly on another container.
    await backup({ ...common, container: path.join(work, 'probe'), path_to_backup: src, compression: 'gzip', compression_level: 9, no_incremental: true });
    const fullBytes = storedBytes(path.join(work, 'probe'));
    assert.ok(fullBytes > 0);
    const rounds = 4;
    let landed = 0;
    for (let round = 0; round < rounds; round++) {
      const before = new Set(stagings(common.container));
      const own = () => stagings(common.container).find((d) => !before.has(d));
      agent = startAgent(env());
      const pid = agent.proc.pid;
      await waitFor('a backup run of this agent to start', 30_000, async () => {
        const s = await schedule();
        return s.status === 'running' && s.current_pid === pid;
      });
      // Somewhere inside the run: once a random share of its data is staged.
      const share = 0.05 + Math.random() * 0.9;
      const running = agent;
      const exited = new Promise((r) => running.proc.once('exit', r));
      await pollUntil(`${Math.round(share * 100)}% of the data staged`, 120_000, () => {
        const dir = own();
        return running.proc.exitCode !== null || (dir !== undefined && sizeOf(path.join(dir, 'data', 'data')) >= share * fullBytes);
      });
      const killed = killTree(pid!);
      await exited;
      agent = null;
      // Mid-run: the agent still ran when the kill came, and a run of it had bytes staged.
      const dir = own();
      if (killed.some((p) => p.pid === pid) && dir !== undefined && sizeOf(path.join(dir, 'data', 'data')) > 0) landed++;
      // Its tar and gzip lead process groups of their own: they must not outlive it.
      await waitGone(killed, 2000, `the agent of round ${round} and its tools after the kill`);
      const target = path.join(work, `restore-${round}`);
      const whole = await restore({ ...common, restore_abs_path: target }).then(() => true, (err: Error) => {
        assert.match(err.message, /No matching backup name "h_ak" found/, `round ${round}`);
        return false;
      });
      if (whole) assert.deepEqual(manifestDiff(expected, manifest(target)), [], `round ${round}`);
    }

    console.log(`      ${rounds} agents killed, ${landed} of them mid-run`);
    // A kill that always came before the data or after the run would prove nothing.
    assert.ok(landed >= rounds - 1, `only ${landed} of ${rounds} kills landed mid-run`);

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
