import assert from 'node:assert/strict';
import { ConflictError, NotFoundError } from '../../../src/errors';
import { createServices, type Services } from '../../../src/services';
import { systemClock } from '../../../src/services/common';
import type { EventOwner, EventSink, EventType } from '../../../src/services/events/event-sink';
import { ClientLastSeen } from '../../../src/services/runs/client-last-seen';
import { RunsSweeper } from '../../../src/services/runs/runs-sweeper';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Doc, Scope } from '../../../src/store/types';
import { createValidator } from '../../../src/validation';

/** RunsService on an in-memory store: run-now, cancel, waits, derived runs, events, sweeps. */
describe('RunsService', () => {
  let store: SqliteStore;
  let services: Services;
  let events: Array<{ type: EventType; owner: EventOwner; status: unknown }>;
  let clock: number;
  const alice: Scope = { userId: 'alice', projectId: 'projA' };
  const who = { user_id: 'alice', user_name: 'Alice' };
  let jobId = '';

  beforeEach(async () => {
    store = new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 });
    await store.start();
    events = [];
    const sink: EventSink = { emit: async (owner, type, data) => void events.push({ type, owner, status: data.status }) };
    services = createServices({ store, validator: createValidator(), clock: systemClock, strictFreezerAction: true, events: sink, runs: { agent_lost_after: 60, queue_timeout: 600 } });
    clock = 1_000_000;
    services.runs.now = () => clock;
    jobId = (await services.jobs.create(alice, { client_id: 'host1', job_schedule: {}, job_actions: [{ freezer_action: { action: 'info' } }] })).job_id;
  });
  afterEach(() => store.stop());

  const schedule = (job_schedule: Doc) => {
    clock += 1;
    return services.jobs.patch(alice, jobId, { job_schedule });
  };

  it('queues a run-now, flags the job for its agent, and honours an idempotency key', async () => {
    const first = await services.runs.queue(alice, jobId, 'run-now', who, 'key-1');
    assert.equal(first.created, true);
    assert.equal(first.run.status, 'queued');
    assert.deepEqual(first.run.requested_by, who);
    const job = (await store.repo('jobs').get(alice, jobId))?.doc.job_schedule as Doc;
    assert.deepEqual(job.run_now, { run_id: first.run.run_id, requested_at: clock });
    const again = await services.runs.queue(alice, jobId, 'run-now', who, 'key-1');
    assert.equal(again.created, false);
    assert.equal(again.run.run_id, first.run.run_id);
    const other = await services.runs.queue(alice, jobId, 'run-now', who, 'key-2');
    assert.notEqual(other.run.run_id, first.run.run_id);
    clock += 24 * 3600 + 1;
    const late = await services.runs.queue(alice, jobId, 'run-now', who, 'key-1');
    assert.equal(late.created, true, 'past 24 h the key starts a new run');
    await assert.rejects(services.runs.queue({ userId: 'bob', projectId: 'projA' }, jobId, 'run-now', who), NotFoundError);
  });

  it('cancels: a queued run ends aborted at once, a running one asks its job to abort', async () => {
    const queued = (await services.runs.queue(alice, jobId, 'run-now', who)).run;
    const aborted = await services.runs.requestCancel(alice, queued.run_id as string, who);
    assert.equal(aborted.status, 'aborted');
    assert.equal(aborted.reason, 'cancelled by Alice');
    await assert.rejects(services.runs.requestCancel(alice, queued.run_id as string, who), ConflictError);
    const { run_id } = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who);
    const running = await services.runs.requestCancel(alice, run_id, who);
    assert.equal(running.status, 'running');
    assert.deepEqual(running.cancelled_by, who);
    assert.equal(((await store.repo('jobs').get(alice, jobId))?.doc.job_schedule as Doc).event, 'abort');
    const ended = await services.runs.report(alice, run_id, { status: 'aborted' });
    assert.equal(ended.reason, 'cancelled by Alice');
  });

  it('waits for the end of a run, or answers it as it is when the wait is over', async () => {
    const { run_id } = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who);
    assert.equal((await services.runs.waitForEnd(alice, run_id, 0)).status, 'running');
    const waiting = services.runs.waitForEnd(alice, run_id, 30);
    setTimeout(() => void services.runs.report(alice, run_id, { status: 'success' }), 50);
    assert.equal((await waiting).status, 'success');
  });

  it('emits run.started, then run.succeeded / run.failed / run.aborted, with the run as data', async () => {
    const a = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'queued', agent: { host: 'h' } }, who);
    await services.runs.report(alice, a.run_id, { status: 'running' });
    await services.runs.report(alice, a.run_id, { progress: { phase: 'backup' } });
    await services.runs.report(alice, a.run_id, { status: 'fail', reason: 'boom' });
    const b = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who);
    await services.runs.report(alice, b.run_id, { status: 'success' });
    assert.deepEqual(events.map((e) => `${e.type}:${String(e.status)}`), ['run.started:running', 'run.failed:fail', 'run.started:running', 'run.succeeded:success']);
    assert.deepEqual(events[0].owner, { userId: 'alice', projectId: 'projA' });
  });

  it('derives runs from a scheduler\'s PATCHes, and takes over a queued run-now', async () => {
    await schedule({ status: 'running', result: '' });
    await schedule({ status: 'scheduled', result: 'success' });
    await schedule({ status: 'running', result: '' });
    await schedule({ status: 'completed', result: 'fail' });
    clock += 1;
    const queued = (await services.runs.queue(alice, jobId, 'run-now', who)).run;
    await schedule({ status: 'running', result: '' });
    await schedule({ status: 'completed', result: 'aborted' });
    const runs = (await services.runs.list(alice, { jobId, limit: 10, offset: 0 })).map((j) => JSON.parse(j) as Doc);
    assert.deepEqual(runs.map((r) => [r.status, r.trigger, r.derived, r.reason]), [
      ['aborted', 'run-now', true, 'aborted'],
      ['fail', 'schedule', true, 'the scheduler reported fail'],
      ['success', 'schedule', true, null],
    ]);
    assert.equal(runs[0].run_id, queued.run_id);
  });

  it('leaves a run opened by an agent to that agent', async () => {
    const { run_id } = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who);
    await schedule({ status: 'running', result: '' });
    await schedule({ status: 'scheduled', result: 'fail' });
    const runs = (await services.runs.list(alice, { jobId, limit: 10, offset: 0 })).map((j) => JSON.parse(j) as Doc);
    assert.deepEqual(runs.map((r) => [r.run_id, r.status]), [[run_id, 'running']]);
  });

  it('sweeps: agent lost by last report, derived runs by the client\'s last poll, queued runs by timeout', async () => {
    const seen = new ClientLastSeen(() => clock);
    const sweeper = new RunsSweeper(services.runs, seen);
    const { run_id: ours } = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who);
    const job2 = (await services.jobs.create(alice, { client_id: 'host2', job_schedule: {}, job_actions: [{ freezer_action: { action: 'info' } }] })).job_id;
    await services.jobs.patch(alice, job2, { job_schedule: { status: 'running', result: '' } });
    const queued = (await services.runs.queue(alice, jobId, 'run-now', who)).run.run_id as string;
    clock += 59;
    seen.seen('alice', 'host2', 'projA');
    assert.equal((await sweeper.sweepOnce()).closed, 0);
    clock += 2;
    assert.equal((await sweeper.sweepOnce()).closed, 1, 'our agent is lost; the derived run\'s client polled 2 s ago');
    assert.equal((await services.runs.get(alice, ours)).reason, 'agent lost (no report for 60 s)');
    clock += 60;
    assert.equal((await sweeper.sweepOnce()).closed, 1, 'now the derived run\'s client is silent too');
    clock += 600;
    assert.equal((await sweeper.sweepOnce()).closed, 1);
    assert.equal((await services.runs.get(alice, queued)).reason, 'no agent started it within 600 s');
  });

  it('holds progress-only reports in memory between writes, shows them, and writes them at the next flush', async () => {
    const { run_id } = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who);
    await services.runs.report(alice, run_id, { progress: { phase: 'walk' } });
    const stored = async () => (await store.runs().get(alice, run_id)) as Doc;
    clock += 2;
    await services.runs.report(alice, run_id, { progress: { phase: 'backup', bytes_done: 5 } });
    assert.equal(((await stored()).progress as Doc).phase, 'walk', 'not written yet');
    assert.equal(((await services.runs.get(alice, run_id)).progress as Doc).phase, 'backup');
    assert.equal((JSON.parse(await services.runs.getJson(alice, run_id)) as Doc).updated_at, clock);
    assert.equal(((JSON.parse((await services.runs.list(alice, { limit: 10, offset: 0 }))[0]) as Doc).progress as Doc).bytes_done, 5);
    // Another caller's report is not answered from the cache (its scope is checked by the store).
    await assert.rejects(services.runs.report({ userId: 'bob', projectId: 'projA' }, run_id, { progress: { phase: 'x' } }), NotFoundError);
    // The sweep keeps a run with an unwritten report alive, and writes it.
    clock += 59;
    const sweeper = new RunsSweeper(services.runs, new ClientLastSeen(() => clock));
    assert.equal((await sweeper.sweepOnce()).closed, 0);
    assert.equal(((await stored()).progress as Doc).phase, 'backup');
    assert.equal((await stored()).updated_at, clock - 59);
    // A later report with other fields keeps the progress; an end report ends it.
    clock += 1;
    await services.runs.report(alice, run_id, { progress: { phase: 'upload' } });
    await services.runs.report(alice, run_id, { log_tail: ['x'] });
    assert.equal(((await stored()).progress as Doc).phase, 'upload');
    await services.runs.report(alice, run_id, { status: 'success' });
    await assert.rejects(services.runs.report(alice, run_id, { progress: { phase: 'late' } }), ConflictError);
  });

  it('writes the held reports of every run together at the flush, and a report held 20 s by itself', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who)).run_id);
    // The first report is written (it puts the run in the cache), the next ones are held.
    for (const id of ids) await services.runs.report(alice, id, { progress: { phase: 'backup', bytes_done: 0 } });
    clock += 2;
    for (const id of ids) await services.runs.report(alice, id, { progress: { phase: 'backup', bytes_done: 1 } });
    const stored = async (id: string) => (((await store.runs().get(alice, id)) as Doc).progress as Doc).bytes_done;
    assert.deepEqual(await Promise.all(ids.map(stored)), [0, 0, 0, 0, 0], 'held');
    // One store call for all of them (one transaction), and no other write.
    const repo = store.runs();
    const calls: number[] = [];
    const writeProgress = repo.writeProgress.bind(repo);
    repo.writeProgress = (reports) => {
      calls.push(reports.length);
      return writeProgress(reports);
    };
    repo.update = () => Promise.reject(new Error('a flush does not update runs one by one'));
    assert.equal(await services.runs.flushProgress(), 5);
    assert.deepEqual(calls, [5], 'one call');
    assert.deepEqual(await Promise.all(ids.map(stored)), [1, 1, 1, 1, 1]);
    assert.equal(((await store.runs().get(alice, ids[0])) as Doc).updated_at, clock, 'the heartbeat with it');
    assert.equal(await services.runs.flushProgress(), 0, 'nothing held any more');
    delete (repo as Partial<typeof repo>).update;
    // No sweep for 20 s: the next report is written by itself.
    clock += 19;
    await services.runs.report(alice, ids[0], { progress: { phase: 'backup', bytes_done: 2 } });
    assert.equal(await stored(ids[0]), 1, 'held: written 19 s ago');
    clock += 1;
    await services.runs.report(alice, ids[0], { progress: { phase: 'backup', bytes_done: 3 } });
    assert.equal(await stored(ids[0]), 3, 'written through after 20 s');
  });

  it('prunes beyond keep_per_job and older than keep_days', async () => {
    services.runs.settings.keep_per_job = 2;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock += 1;
      const { run_id } = await services.runs.open(alice, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'h' } }, who);
      await services.runs.report(alice, run_id, { status: 'success' });
      ids.push(run_id);
    }
    const sweeper = new RunsSweeper(services.runs, new ClientLastSeen(() => clock));
    assert.equal((await sweeper.sweepOnce()).pruned, 2);
    assert.deepEqual((await services.runs.list(alice, { jobId, limit: 10, offset: 0 })).map((j) => (JSON.parse(j) as Doc).run_id), [ids[3], ids[2]]);
    clock += 91 * 24 * 3600;
    assert.equal((await sweeper.sweepOnce()).pruned, 2);
  });
});
