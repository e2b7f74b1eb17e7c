import assert from 'node:assert/strict';
import pino from 'pino';
import type { ActionOutcome, ActionRunner } from '../../../src/agent/action-types';
import { AgentJob } from '../../../src/agent/agent-job';
import { ApiError, type FreezerApi, type JobDoc } from '../../../src/agent/freezer-api';
import { Limiter } from '../../../src/agent/limiter';

type Patch = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Records every call the job makes, as the API would receive them. */
class RecordingApi implements FreezerApi {
  patches: Patch[] = [];
  backups: Patch[] = [];
  sessions: Patch[] = [];
  async registerClient() {}
  async pollJobs() {
    return null;
  }
  async patchJob(_id: string, patch: Patch) {
    this.patches.push(patch);
  }
  async postBackup(doc: Patch) {
    this.backups.push(doc);
  }
  async sessionAction(_sid: string, body: Patch) {
    this.sessions.push(body);
    return { result: 'success', session_tag: 7 };
  }
  async projectId() {
    return 'p';
  }
}

/** An action that ends when the test says so (or when aborted). */
class HeldAction implements ActionRunner {
  started = 0;
  private release: ((o: ActionOutcome) => void) | null = null;
  run(_fa: Record<string, unknown>, ctx: { signal: AbortSignal }): Promise<ActionOutcome> {
    this.started++;
    return new Promise((resolve) => {
      this.release = resolve;
      ctx.signal.addEventListener('abort', () => resolve({ result: 'aborted' }), { once: true });
    });
  }
  finish(outcome: ActionOutcome): void {
    this.release?.(outcome);
  }
}

/** A window in which something must NOT happen (nothing to wait for): keep these few and short. */
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Waits for `check` to hold, turn by turn of the event loop; fails after `ms` (generous: loaded machines). */
async function until(what: string, check: () => boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const lastStatus = (api: RecordingApi) => api.patches.at(-1)?.job_schedule?.status as string | undefined;

describe('AgentJob: the per-job state machine (spec B.4) and runs (B.6)', () => {
  let api: RecordingApi;
  let action: HeldAction;
  const make = (doc: JobDoc) =>
    new AgentJob(doc, { api, runners: new Map([['exec', action]]), limiter: new Limiter(1), log: pino({ level: 'silent' }), disableExec: false, now: Date.now });
  const doc = (schedule: Patch = {}, extra: Patch = {}): JobDoc => ({
    job_id: 'j1',
    client_id: 'h',
    description: 'd',
    job_schedule: schedule,
    job_actions: [{ freezer_action: { action: 'exec', command: 'x' }, max_retries: 0 }],
    ...extra,
  });
  /** A one-shot due now: it fires on the next turn of the event loop. */
  const dueNow = () => ({ schedule_date: new Date(Date.now() - 1000).toISOString() });

  beforeEach(() => {
    api = new RecordingApi();
    action = new HeldAction();
  });

  it('autostarts a new job: one PATCH of the whole document, event cleared, status scheduled', async () => {
    const d = doc({ schedule_interval: '1 days' });
    const job = make(d);
    await job.handle(d, AgentJob.firstEvent(d));
    assert.equal(job.state, 'scheduled');
    assert.equal(api.patches.length, 1);
    assert.equal(api.patches[0].description, 'd');
    assert.deepEqual(api.patches[0].job_schedule, { schedule_interval: '1 days', event: '', status: 'scheduled' });
    job.remove();
  });

  it('a job first seen stopped is patched stop and never runs', async () => {
    const d = doc({ status: 'stop', schedule_date: new Date().toISOString() });
    const job = make(d);
    await job.handle(d, AgentJob.firstEvent(d));
    await tick(50);
    assert.equal(job.state, 'stop');
    assert.deepEqual(api.patches.map((p) => [p.job_schedule.status, p.job_schedule.event]), [['stop', '']]);
    assert.equal(action.started, 0);
  });

  it('on the wait-for-change channel, a job first seen stopped with no event is not patched (the no-op PATCH would race its creator)', async () => {
    const d = doc({ status: 'stop' });
    const job = new AgentJob(d, {
      api, runners: new Map([['exec', action]]), limiter: new Limiter(1), log: pino({ level: 'silent' }), disableExec: false, now: Date.now, onChangeChannel: () => true,
    });
    await job.handle(d, AgentJob.firstEvent(d));
    assert.equal(job.state, 'stop');
    assert.deepEqual(api.patches, []);
    // A pending stop event is still answered.
    await job.handle(doc({ status: 'stop', event: 'stop' }));
    assert.deepEqual((api.patches as Patch[]).map((p) => [p.job_schedule.status, p.job_schedule.event]), [['stop', '']]);
  });

  it('scheduled + stop: two whole-document PATCHes with status stop (as the stock scheduler); abort and remove act as stop', async () => {
    for (const event of ['stop', 'abort', 'remove']) {
      api.patches = [];
      const d = doc({ schedule_interval: '1 days' });
      const job = make(d);
      await job.handle(d, 'start');
      await job.handle(doc({ schedule_interval: '1 days', event }));
      assert.equal(job.state, 'stop', event);
      assert.deepEqual(api.patches.slice(1).map((p) => [p.job_schedule.status, p.job_schedule.event]), [['stop', ''], ['stop', '']], event);
    }
  });

  it('a run: PATCH {job_schedule} running, the whole document with current_pid, session start/end, then completed/success', async () => {
    const d = doc(dueNow(), { session_id: 's1', session_tag: 3 });
    const job = make(d);
    await job.handle(d, 'start');
    await until('the action to start', () => action.started === 1);
    assert.equal(job.state, 'running');
    action.finish({ result: 'success', metadata: { backup_name: 'b' } });
    await until('the job to stop', () => job.state === 'stop' && lastStatus(api) === 'completed');
    const [scheduled, running, withPid, completed] = api.patches;
    assert.equal(scheduled.job_schedule.status, 'scheduled');
    assert.deepEqual(Object.keys(running), ['job_schedule']);
    assert.equal(running.job_schedule.status, 'running');
    assert.equal(running.job_schedule.result, '');
    assert.equal(running.job_schedule.time_ended, -1);
    assert.equal(withPid.job_schedule.current_pid, process.pid);
    assert.equal(withPid.description, 'd');
    assert.equal(completed.job_schedule.status, 'completed');
    assert.equal(completed.job_schedule.result, 'success');
    assert.ok(completed.job_schedule.time_ended >= completed.job_schedule.time_started);
    assert.equal(api.patches.length, 4);
    assert.deepEqual(api.sessions, [{ start: { job_id: 'j1', current_tag: 3 } }, { end: { job_id: 'j1', current_tag: 7, result: 'success' } }]);
    assert.deepEqual(api.backups, [{ backup_name: 'b', job_id: 'j1' }]);
  });

  it('running + stop: nothing sent until the run ends, which then ends completed', async () => {
    const d = doc(dueNow());
    const job = make(d);
    await job.handle(d, 'start');
    await until('the action to start', () => action.started === 1);
    const before = api.patches.length;
    await job.handle(doc({ event: 'stop' }));
    assert.equal(api.patches.length, before);
    action.finish({ result: 'success' });
    await until('the closing PATCH', () => lastStatus(api) === 'completed');
    const last = api.patches[api.patches.length - 1];
    assert.deepEqual([last.job_schedule.status, last.job_schedule.event, last.job_schedule.result], ['completed', '', 'success']);
  });

  it('running + abort: PATCHes event abort, aborts the action, ends completed/aborted, in that order', async () => {
    const d = doc(dueNow());
    const job = make(d);
    await job.handle(d, 'start');
    await until('the action to start', () => action.started === 1);
    await job.handle(doc({ event: 'abort' }));
    await until('the closing PATCH', () => lastStatus(api) === 'completed');
    const tail = api.patches.slice(-2).map((p) => [p.job_schedule.event, p.job_schedule.status, p.job_schedule.result]);
    assert.deepEqual(tail, [['abort', 'running', ''], ['', 'completed', 'aborted']]);
    assert.equal(job.state, 'stop');
  });

  it('removed from the list while running: the run finishes and nothing more is sent', async () => {
    const d = doc(dueNow());
    const job = make(d);
    await job.handle(d, 'start');
    await until('the action to start', () => action.started === 1);
    job.remove();
    const before = api.patches.length;
    action.finish({ result: 'success' });
    await tick();
    assert.equal(job.state, 'removed');
    assert.equal(api.patches.length, before);
  });

  it('an interval job goes back to scheduled after a run, with a PATCH of {job_schedule} only', async () => {
    const d = doc({ schedule_interval: '1 seconds' });
    const job = make(d);
    await job.handle(d, 'start');
    await until('the first run (1 s interval)', () => action.started === 1);
    action.finish({ result: 'fail' });
    await until('the PATCH back to scheduled', () => lastStatus(api) === 'scheduled' && api.patches.at(-1)?.job_schedule.result === 'fail');
    const last = api.patches[api.patches.length - 1];
    assert.deepEqual(Object.keys(last), ['job_schedule']);
    assert.deepEqual([last.job_schedule.status, last.job_schedule.result], ['scheduled', 'fail']);
    assert.equal(job.state, 'scheduled');
    await job.halt(0);
  });
});

describe('AgentJob: progress reports (job_schedule.progress)', () => {
  const snapshot = (bytes: number, eta: number | null) => ({
    phase: 'backup' as const, bytes_done: bytes, files_done: 1, bytes_total: 100, files_total: 1, bytes_per_s: 10, eta_s: eta, stored_bytes: bytes, started_at: 0, updated_at: 0,
  });
  /** An action that reports three snapshots, 2.5 s apart on the job's clock, then succeeds. */
  const reporting = (clock: { now: number }): ActionRunner => ({
    async run(_fa, ctx) {
      for (const [bytes, eta] of [[10, 9], [50, 5], [100, 0]] as const) {
        ctx.progress?.(snapshot(bytes, eta));
        clock.now += 2500;
      }
      return { result: 'success' };
    },
  });
  const run = async (api: RecordingApi, clock: { now: number }, seen: string[] = []) => {
    const d: JobDoc = { job_id: 'p1', client_id: 'h', description: 'd', job_schedule: { schedule_date: new Date(clock.now - 1000).toISOString() }, job_actions: [{ freezer_action: { action: 'backup' } }] };
    const job = new AgentJob(d, {
      api, runners: new Map([['backup', reporting(clock)]]), limiter: new Limiter(1), log: pino({ level: 'silent' }), disableExec: false,
      now: () => clock.now, onProgress: (id, s) => seen.push(`${id}:${s.bytes_done}`),
    });
    await job.handle(d, 'start');
    await until('the closing PATCH', () => api.patches.at(-1)?.job_schedule?.result === 'success');
    return job;
  };

  it('PATCHes the schedule with progress while running, and keeps the last snapshot in the closing PATCH', async () => {
    const api = new RecordingApi();
    const seen: string[] = [];
    await run(api, { now: Date.now() }, seen);
    const withProgress = api.patches.filter((p) => p.job_schedule?.progress);
    assert.deepEqual(withProgress.slice(0, 3).map((p) => [p.job_schedule.status, p.job_schedule.progress.bytes_done]), [['running', 10], ['running', 50], ['running', 100]]);
    const closing = api.patches.at(-1)!;
    assert.equal(closing.job_schedule.status, 'completed');
    assert.equal(closing.job_schedule.progress.eta_s, 0);
    assert.deepEqual(seen, ['p1:10', 'p1:50', 'p1:100']);
  });

  it('stops sending progress after a 400 (the stock API), and no state PATCH carries it', async () => {
    const api = new (class extends RecordingApi {
      refused = 0;
      override async patchJob(id: string, patch: Patch) {
        if (patch.job_schedule?.progress) {
          this.refused++;
          throw new ApiError(400, "Additional properties are not allowed ('progress' was unexpected)");
        }
        await super.patchJob(id, patch);
      }
    })();
    await run(api, { now: Date.now() });
    assert.equal(api.refused, 1, 'one refused attempt, then none');
    assert.ok(api.patches.length >= 2);
    assert.ok(api.patches.every((p) => !p.job_schedule?.progress));
    assert.equal(api.patches.at(-1)!.job_schedule.result, 'success');
  });
});
