import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventOwner, EventSink, EventType } from '../../../../src/services/events/event-sink';
import { FreshnessService } from '../../../../src/services/freshness/freshness-service';
import { SqliteStore } from '../../../../src/store/sqlite/sqlite-store';
import type { Scope } from '../../../../src/store/types';
import { createValidator } from '../../../../src/validation';

/**
 * The freshness service over a real SQLite file, with two service instances on two connections
 * (what two API workers are): however their sweeps interleave, each transition to stale or
 * silent is emitted exactly once, through the EventSink the service was given.
 */
describe('FreshnessService: job.stale and client.silent once per transition (two workers)', () => {
  let dir: string;
  let stores: SqliteStore[];
  let services: FreshnessService[];
  let heard: Array<{ owner: EventOwner; type: EventType; data: Record<string, unknown> }>;
  let now: number;
  const scope: Scope = { userId: 'alice', projectId: 'projA' };
  const T0 = 1_750_000_000;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-fresh-'));
    const file = path.join(dir, 'db.sqlite');
    heard = [];
    now = T0;
    const sink: EventSink = { emit: async (owner, type, data) => void heard.push({ owner, type, data }) };
    const validator = createValidator();
    stores = [];
    services = [];
    for (let i = 0; i < 2; i++) {
      const store = new SqliteStore({ file, synchronous: 'NORMAL', cacheMb: 8 });
      await store.start();
      stores.push(store);
      const service = new FreshnessService({ store, validator, clock: () => Math.floor(now), strictFreezerAction: true, events: sink, freshness: { grace_seconds: 60, silent_after: 300 } });
      service.now = () => now;
      services.push(service);
    }
  });
  afterEach(async () => {
    for (const s of stores) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const job = { job_id: 'j1', client_id: 'hostA', description: 'nightly', job_schedule: { schedule_interval: '1 hours' } };
  const sweepBoth = () => Promise.all([services[0].sweepOnce(), services[1].sweepOnce(), services[0].sweepOnce(), services[1].sweepOnce()]);
  const types = () => heard.map((e) => `${e.type}:${String(e.data.job_id ?? e.data.client_id)}`);

  it('a job goes stale once however many sweeps race, again once after a success and a silence', async () => {
    await services[0].jobWritten(scope, 'j1', null, job);
    now = T0 + 3600 + 59;
    await sweepBoth();
    assert.equal(heard.length, 0, 'not due yet (grace)');
    now = T0 + 3600 + 61;
    await sweepBoth();
    await sweepBoth();
    assert.deepEqual(types(), ['job.stale:j1']);
    assert.deepEqual(heard[0].owner, { userId: 'alice', projectId: 'projA' });
    assert.equal(heard[0].data.stale_since, T0 + 3660);
    assert.equal(heard[0].data.description, 'nightly');
    // A success (run.succeeded, as the runs service emits it) makes it fresh; no event for that.
    await services[1].emit({ userId: 'alice', projectId: 'projA' }, 'run.succeeded', { run_id: 'r1', job_id: 'j1', status: 'success', ended_at: now, reason: null });
    assert.deepEqual((await stores[0].freshness().getJob('j1'))?.stale, false);
    now += 3600 + 61;
    await sweepBoth();
    assert.deepEqual(types(), ['job.stale:j1', 'job.stale:j1']);
  });

  it('the status PATCHes of each run change no record; a schedule change does', async () => {
    await services[0].jobWritten(scope, 'j1', null, job);
    const before = await stores[0].freshness().getJob('j1');
    now += 10;
    const running = { ...job, job_schedule: { ...job.job_schedule, status: 'running', result: '' } };
    await services[0].jobWritten(scope, 'j1', job, running);
    assert.deepEqual(await stores[0].freshness().getJob('j1'), before);
    await services[0].jobWritten(scope, 'j1', running, { ...running, job_schedule: { schedule_interval: '2 hours' } });
    assert.equal((await stores[0].freshness().getJob('j1'))?.expected_interval, 7200);
  });

  it('a run of a job freshness never saw (created before it) creates its record from the job', async () => {
    await stores[0].repo('jobs').insert(scope, { id: 'old', key: 'old', doc: { ...job, job_id: 'old', user_id: 'alice', project_id: 'projA' } });
    await services[0].emit({ userId: 'alice', projectId: 'projA' }, 'run.failed', { run_id: 'r9', job_id: 'old', status: 'fail', ended_at: now, reason: 'exit 1' });
    const record = await stores[0].freshness().getJob('old');
    assert.deepEqual(record?.last_run, { run_id: 'r9', status: 'fail', ended_at: now, reason: 'exit 1' });
    assert.equal(record?.description, 'nightly');
  });

  it('a client falls silent once, and again once after it polled', async () => {
    await stores[0].repo('clients').insert(scope, { id: 'c-uuid', key: 'hostA', doc: { client: { client_id: 'hostA', hostname: 'a.example' }, user_id: 'alice' } });
    await services[0].recordSeen(scope, 'hostA', now);
    now += 299;
    await sweepBoth();
    assert.equal(heard.length, 0);
    now += 2;
    await sweepBoth();
    await sweepBoth();
    assert.deepEqual(types(), ['client.silent:hostA']);
    assert.deepEqual(heard[0].data, { client_id: 'hostA', hostname: 'a.example', last_seen_at: T0, silent: true, silent_since: T0 + 300 });
    await services[1].recordSeen(scope, 'hostA', now);
    assert.equal((await stores[1].freshness().getClient({ userId: 'alice', projectId: 'projA' }, 'hostA'))?.silent, false);
    now += 301;
    await sweepBoth();
    assert.deepEqual(types(), ['client.silent:hostA', 'client.silent:hostA']);
  });

  it('backfills, once per database, the jobs stored before freshness existed (a stock success counts)', async () => {
    const jobs = stores[0].repo('jobs');
    await jobs.insert(scope, { id: 'ok', key: 'ok', doc: { ...job, job_id: 'ok', job_schedule: { schedule_interval: '1 hours', result: 'success', time_ended: T0 - 7200 } } });
    await jobs.insert({ userId: 'bob', projectId: null }, { id: 'v1', key: 'v1', doc: { ...job, job_id: 'v1', job_schedule: {} } });
    await services[1].jobWritten(scope, 'known', null, { ...job, job_id: 'known' });
    const known = await stores[0].freshness().getJob('known');
    await jobs.insert(scope, { id: 'known', key: 'known', doc: { ...job, job_id: 'known', description: 'changed without telling' } });
    assert.equal(await services[0].backfill(), 2);
    const ok = await stores[0].freshness().getJob('ok');
    assert.equal(ok?.last_success_at, T0 - 7200);
    assert.equal(ok?.stale_at, T0 - 7200 + 3600 + 60, 'overdue since its last stock success');
    assert.deepEqual([(await stores[0].freshness().getJob('v1'))?.user_id, (await stores[0].freshness().getJob('v1'))?.project_id], ['bob', null]);
    assert.deepEqual(await stores[0].freshness().getJob('known'), known, 'a record already there is kept');
    assert.equal(await services[1].backfill(), 0, 'done once per database');
    await services[0].sweepOnce();
    assert.deepEqual(types(), ['job.stale:ok']);
  });

  it('an event the sink could not store is emitted again by the next pass (the transition is undone)', async () => {
    let down = true;
    const flaky = new FreshnessService({
      store: stores[0], validator: createValidator(), clock: () => 0, strictFreezerAction: true, freshness: { grace_seconds: 60 },
      events: { emit: async (owner, type, data) => (down ? Promise.reject(new Error('events store down')) : void heard.push({ owner, type, data })) },
    });
    flaky.now = () => now;
    await flaky.jobWritten(scope, 'j1', null, job);
    now = T0 + 3600 + 61;
    await assert.rejects(flaky.sweepOnce(), /events store down/);
    assert.equal((await stores[0].freshness().getJob('j1'))?.stale, false);
    down = false;
    assert.deepEqual((await flaky.sweepOnce()).stale, ['j1']);
    assert.deepEqual(types(), ['job.stale:j1']);
    assert.equal((await stores[0].freshness().getJob('j1'))?.stale_since, T0 + 3660);
  });

  it('start() sweeps on its timer and stop() ends it', async () => {
    const fast = new FreshnessService({ store: stores[0], validator: createValidator(), clock: () => 0, strictFreezerAction: true, freshness: { sweep_seconds: 1 } });
    let passes = 0;
    let firstPass = () => {};
    const swept = new Promise<void>((resolve) => (firstPass = resolve));
    fast.sweepOnce = async () => {
      passes++;
      firstPass();
      return { stale: [], silent: [] };
    };
    const started = Date.now();
    fast.start();
    await swept;
    assert.ok(Date.now() - started >= 900, 'the first pass waits for sweep_seconds');
    await fast.stop();
    // A window in which a timer left running would sweep again (it fires every second): nothing may happen.
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(passes, 1);
  });
});
