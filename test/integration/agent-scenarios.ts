import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import type { Api } from '../helpers/http';
import { exitOf, logLineOrExit } from '../helpers/log-line';

/** drain_timeout_s of the agent in the SIGTERM test: long enough to be told from an immediate stop. */
const DRAIN_S = 5;

/** An API the agent runs against, and an owner who creates jobs there and reads them back. */
export interface AgentTarget {
  owner: Api;
  /** Settings of the agent process (API URL, credentials, project). */
  agentEnv: Record<string, string>;
  clientId: string;
  stop(): Promise<void>;
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The agent's job protocol (spec B.2-B.7), step by step, against a real API process: the same
 * scenarios run against Permafrost and against the stock Freezer API.
 */
export function agentScenarios(title: string, setup: (ctx: Mocha.Context) => Promise<AgentTarget>): void {
  describe(title, function () {
    this.timeout(120000);
    let target: AgentTarget;
    let agent: RunningAgent;
    let work: string;

    before(async function () {
      target = await setup(this);
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-agent-work-'));
      agent = startAgent({ ...target.agentEnv, PERMAFROST_AGENT_INTERVAL: '0.3', PERMAFROST_AGENT_CLIENT_ID: target.clientId, PERMAFROST_AGENT_DRAIN_TIMEOUT_S: '1' });
      await waitFor('the agent to register its client', 20000, async () => (await target.owner.get(`/clients/${target.clientId}`)).status === 200);
    });
    after(async () => {
      if (this.ctx.currentTest?.state === 'failed' || process.env.AGENT_TEST_LOGS) console.log(agent?.logs().slice(-4000));
      await agent?.stop();
      await target?.stop();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    const exec = (command: string, extra: Doc = {}) => ({ freezer_action: { action: 'exec', command, ...extra }, max_retries: 0, max_retries_interval: 1, ...extra.jobAction });
    const shell = (command: string, jobAction: Doc = {}) => ({ freezer_action: { action: 'exec', command, shell: true }, max_retries: 0, max_retries_interval: 1, ...jobAction });
    const createJob = async (description: string, schedule: Doc, actions: Doc[], extra: Doc = {}): Promise<string> => {
      const res = await target.owner.post('/jobs', { client_id: target.clientId, description, job_schedule: schedule, job_actions: actions, ...extra });
      assert.equal(res.status, 201, res.text);
      return res.json.job_id as string;
    };
    const job = async (id: string): Promise<Doc> => (await target.owner.get(`/jobs/${id}`)).json as Doc;
    const schedule = async (id: string): Promise<Doc> => (await job(id)).job_schedule as Doc;
    const until = (id: string, what: string, ms: number, test: (s: Doc) => boolean) =>
      waitFor(`job ${id}: ${what}`, ms, async () => {
        const s = await schedule(id);
        return test(s) ? s : null;
      });
    const event = async (id: string, name: string) => assert.equal((await target.owner.post(`/jobs/${id}/event`, { [name]: null })).status, 202);
    const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

    it('one-shot exec: scheduled, then running, then completed/success with times and the agent pid', async () => {
      const marker = path.join(work, 'oneshot');
      const id = await createJob('one-shot', {}, [shell(`sleep 1; echo done > ${marker}`)]);
      const scheduled = await until(id, 'scheduled', 10000, (s) => s.status === 'scheduled');
      assert.equal(scheduled.event, '');
      const running = await until(id, 'running', 10000, (s) => s.status === 'running');
      assert.equal(running.result, '');
      assert.equal(running.time_ended, -1);
      assert.ok(running.time_started > 0);
      const done = await until(id, 'completed', 15000, (s) => s.status === 'completed');
      assert.equal(done.result, 'success');
      assert.ok(done.time_ended >= done.time_started);
      assert.equal(done.current_pid, agent.proc.pid);
      assert.equal(done.event, '');
      assert.equal(fs.readFileSync(marker, 'utf8'), 'done\n');
    });

    it('interval job: runs every interval until a stop event; then status stop and no more runs', async () => {
      const marker = path.join(work, 'interval');
      const id = await createJob('interval', { schedule_interval: '1 seconds' }, [shell(`echo run >> ${marker}`)]);
      await waitFor('two runs', 15000, async () => lines(marker) >= 2);
      await until(id, 'scheduled between runs', 5000, (s) => s.status === 'scheduled' && s.result === 'success');
      await event(id, 'stop');
      // A stop that lands during a run ends it "completed" (spec B.6); between runs it is "stop".
      const stopped = await until(id, 'stopped', 10000, (s) => (s.status === 'stop' || s.status === 'completed') && s.event === '');
      const runs = lines(marker);
      await new Promise((r) => setTimeout(r, 2500)); // nothing-happens window: two intervals without a run
      assert.equal(lines(marker), runs, `no run after the stop (status ${stopped.status})`);
    });

    it('cron fields: schedule_second */2 runs on even seconds', async () => {
      const marker = path.join(work, 'cron');
      const id = await createJob('cron', { schedule_second: '*/2' }, [shell(`echo run >> ${marker}`)]);
      await waitFor('two cron runs', 15000, async () => lines(marker) >= 2);
      await event(id, 'stop');
      await until(id, 'stopped', 10000, (s) => s.event === '' && (s.status === 'stop' || s.status === 'completed'));
      // The due time the agent logged for each run, not the wall clock of the action (a busy
      // machine starts the shell late): one per run, each on an even second, none started early.
      const runs = await waitFor('a logged due time for each run', 5000, async () => {
        const found = scheduledRuns(agent.logs(), id);
        return found.length === lines(marker) ? found : null;
      });
      const shown = JSON.stringify(runs);
      assert.ok(runs.every((r) => r.due.getUTCSeconds() % 2 === 0 && r.due.getUTCMilliseconds() === 0), `due at ${shown}`);
      assert.ok(runs.every((r, i) => i === 0 || r.due > runs[i - 1].due), `one run per due time: ${shown}`);
      // Timers may fire a millisecond or so early; load only makes them later.
      assert.ok(runs.every((r) => r.lateMs > -50), `started before its due time: ${shown}`);
    });

    it('session job: start and end actions; the session completes with success', async () => {
      const session = await target.owner.post('/sessions', { description: 'agent session', hold_off: 1, schedule: {} });
      assert.equal(session.status, 201, session.text);
      const sid = session.json.session_id as string;
      const id = await createJob('session job', { status: 'stop' }, [exec('/bin/true')]);
      assert.equal((await target.owner.put(`/sessions/${sid}/jobs/${id}`)).status, 204);
      await event(id, 'start');
      await until(id, 'completed', 15000, (s) => s.status === 'completed' && s.result === 'success');
      const s = (await target.owner.get(`/sessions/${sid}`)).json as Doc;
      assert.equal(s.status, 'completed');
      assert.equal(s.result, 'success');
      assert.equal(s.session_tag, 1);
      assert.equal(s.jobs[id].result, 'success');
    });

    it('a job created stopped does not run until a start event', async () => {
      const marker = path.join(work, 'stopped');
      const id = await createJob('stopped', { status: 'stop' }, [shell(`echo ran > ${marker}`)]);
      await new Promise((r) => setTimeout(r, 3500)); // nothing-happens window: the agent polls every 0.3 s and must not run it
      assert.equal(fs.existsSync(marker), false);
      assert.equal((await schedule(id)).status, 'stop');
      await event(id, 'start');
      await until(id, 'completed', 15000, (s) => s.status === 'completed' && s.result === 'success');
      assert.equal(fs.existsSync(marker), true);
    });

    it('failing actions: retried max_retries times, then fail; a mandatory action still runs, others are skipped', async () => {
      const tries = path.join(work, 'tries');
      const after = path.join(work, 'after');
      const mandatory = path.join(work, 'mandatory');
      const id = await createJob('failing', {}, [
        shell(`echo try >> ${tries}; exit 3`, { max_retries: 2, max_retries_interval: 0 }),
        shell(`echo skipped > ${after}`),
        shell(`echo ran > ${mandatory}`, { mandatory: true }),
      ]);
      const done = await until(id, 'completed', 20000, (s) => s.status === 'completed');
      assert.equal(done.result, 'fail');
      assert.equal(lines(tries), 3);
      assert.equal(fs.existsSync(after), false);
      assert.equal(fs.existsSync(mandatory), true);
    });

    it('a schedule that cannot be computed completes the job without running it; the agent goes on', async () => {
      const marker = path.join(work, 'unschedulable');
      const id = await createJob('bad schedule', { schedule_day_of_week: 'funday' }, [shell(`echo ran > ${marker}`)]);
      const s = await until(id, 'completed', 10000, (x) => x.status === 'completed');
      assert.notEqual(s.result, 'success');
      const ok = await createJob('after the bad one', {}, [exec('/bin/true')]);
      await until(ok, 'completed', 15000, (x) => x.status === 'completed' && x.result === 'success');
      assert.equal(fs.existsSync(marker), false, 'the unschedulable job never ran');
    });

    it('abort of a running `sleep 600`: the child is gone within 5 s and the job ends aborted', async () => {
      const pidFile = path.join(work, 'sleep.pid');
      const id = await createJob('abort me', {}, [shell(`echo $$ > ${pidFile}; exec sleep 600`)]);
      await until(id, 'running', 15000, (s) => s.status === 'running');
      const pid = await waitFor('the child pid', 5000, async () => Number(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim()));
      assert.equal(isAlive(pid), true);
      const start = Date.now();
      await event(id, 'abort');
      await waitFor('the child to die', 5000, async () => !isAlive(pid));
      const s = await until(id, 'aborted', 10000, (x) => x.result === 'aborted' && x.status === 'completed');
      assert.ok(Date.now() - start < 10000);
      assert.equal(s.event, '');
    });

    it('backup then restore jobs: both succeed, the result document reaches /backups, the tree comes back', async () => {
      const src = path.join(work, 'bk-src');
      fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(src, 'sub', 'file.txt'), 'backed up by the agent\n');
      fs.symlinkSync('sub/file.txt', path.join(src, 'link'));
      // No `hostname` option: the agent's own host name, the one its client registered (an agent
      // token may post backup metadata for that host only).
      const store = { storage: 'local', container: path.join(work, 'bk-store'), backup_name: 'scenario', compression: 'gzip' };
      const action = (freezerAction: Doc) => ({ freezer_action: freezerAction, max_retries: 0, max_retries_interval: 1 });
      const backupId = await createJob('backup', {}, [action({ action: 'backup', ...store, path_to_backup: src })]);
      const backedUp = await until(backupId, 'completed', 30000, (s) => s.status === 'completed');
      assert.equal(backedUp.result, 'success');
      const docs = ((await target.owner.get('/backups')).json.backups ?? []) as Doc[];
      const posted = docs.map((d) => (d.backup_metadata ?? d) as Doc).find((m) => m.job_id === backupId);
      assert.ok(posted, 'the backup metadata was posted with the job id');
      assert.equal(posted.curr_backup_level, 0);
      assert.equal(posted.backup_name, 'scenario');
      const restoreTo = path.join(work, 'bk-restored');
      const restoreId = await createJob('restore', {}, [action({ action: 'restore', ...store, restore_abs_path: restoreTo })]);
      assert.equal((await until(restoreId, 'completed', 30000, (s) => s.status === 'completed')).result, 'success');
      assert.equal(fs.readFileSync(path.join(restoreTo, 'sub', 'file.txt'), 'utf8'), 'backed up by the agent\n');
      assert.equal(fs.readlinkSync(path.join(restoreTo, 'link')), 'sub/file.txt');
    });

    it('SIGTERM drains: an action ending within drain_timeout_s succeeds; one outliving it is aborted at its end and reported; the agent exits 0', async () => {
      // The agent of this suite drains for 1 s and runs one job at a time: this test needs its own.
      assert.equal(await agent.stop(), 0);
      agent = startAgent({ ...target.agentEnv, PERMAFROST_AGENT_INTERVAL: '0.3', PERMAFROST_AGENT_CLIENT_ID: target.clientId, PERMAFROST_AGENT_DRAIN_TIMEOUT_S: String(DRAIN_S), PERMAFROST_AGENT_CONCURRENT_JOBS: '2' });
      // The short action waits on a FIFO the test writes to only after the agent has taken
      // SIGTERM: it surely runs across the signal and ends within the drain. Holding the FIFO open
      // read-write here lets the action open it at any time and never blocks the test's write.
      const gate = path.join(work, 'drain.gate');
      assert.equal(spawnSync('mkfifo', [gate]).status, 0);
      const gateFd = fs.openSync(gate, fs.constants.O_RDWR);
      try {
        const longPid = path.join(work, 'drain-long.pid');
        const shortPid = path.join(work, 'drain-short.pid');
        const long = await createJob('drain: outlives it', {}, [shell(`echo $$ > ${longPid}; exec sleep 600`)]);
        const short = await createJob('drain: ends within it', {}, [shell(`echo $$ > ${shortPid}; read line < ${gate}`)]);
        await until(long, 'running', 20000, (s) => s.status === 'running');
        await until(short, 'running', 20000, (s) => s.status === 'running');
        const pid = await waitFor('the child pids', 10000, async () => (fs.existsSync(shortPid) && fs.existsSync(longPid) ? Number(fs.readFileSync(longPid, 'utf8').trim()) : 0));
        const stopping = logLineOrExit(agent.proc, /"msg":"stopping"/);
        const exited = exitOf(agent.proc);
        const signalled = Date.now();
        agent.proc.kill('SIGTERM');
        await stopping;
        fs.writeSync(gateFd, 'go\n');
        const exit = await exited;
        const elapsed = Date.now() - signalled;
        assert.deepEqual(exit, { code: 0, signal: null });
        assert.equal((await schedule(short)).result, 'success', 'the action that ended within the drain');
        assert.equal((await schedule(long)).result, 'aborted', 'the action that outlived the drain');
        assert.equal(isAlive(pid), false);
        assert.ok(elapsed >= DRAIN_S * 1000, `exited ${elapsed} ms after SIGTERM, before the ${DRAIN_S} s drain was over`);
      } finally {
        fs.closeSync(gateFd);
      }
    });
  });
}

/** The scheduled runs of one job as the agent logged them ('scheduled run starting'): due time and lateness. */
function scheduledRuns(logs: string, jobId: string): Array<{ due: Date; lateMs: number }> {
  const runs: Array<{ due: Date; lateMs: number }> = [];
  for (const line of logs.split('\n')) {
    let entry: { jobId?: string; msg?: string; due?: string; lateMs?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // not a log line, or one still being written
    }
    if (entry?.jobId === jobId && entry.msg === 'scheduled run starting') runs.push({ due: new Date(String(entry.due)), lateMs: Number(entry.lateMs) });
  }
  return runs;
}
