import assert from 'node:assert/strict';
import { EventsService, type EventDocument } from '../../../src/services/events/events-service';
import { SqliteEventStore } from '../../../src/store/events/sqlite-event-store';

describe('EventsService (on an in-memory SQLite events store)', () => {
  let store: SqliteEventStore;
  let service: EventsService;
  let stored = 0;
  const settings = { keep_days: 30, max_per_project: 3, poll_ms: 60_000, keepalive_s: 15, prune_interval_s: 3600 };
  const alice = { userId: 'alice', projectId: 'pA' };

  beforeEach(async () => {
    store = new SqliteEventStore({ file: ':memory:', synchronous: 'NORMAL' });
    await store.start();
    service = new EventsService(store, settings, () => 5_000_000, { webhooksFor: async () => [], stored: () => stored++ }, (w, e) => assert.fail(`${w}: ${String(e)}`));
    await service.start();
  });
  afterEach(async () => {
    await service.stop();
    await store.stop();
  });

  const listen = () => {
    const got: EventDocument[] = [];
    let closed = false;
    return { got, closed: () => closed, listener: { event: (e: EventDocument) => got.push(e), close: () => (closed = true) } };
  };
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };

  it('streams from now on without a cursor, replays after one, each event once and in order', async () => {
    await service.emit(alice, 'run.started', { n: 1 });
    const live = listen();
    await service.subscribe(alice, null, null, live.listener);
    await service.emit(alice, 'run.failed', { n: 2 });
    await service.emit({ userId: 'bob', projectId: 'pA' }, 'run.failed', { n: 'bob' });
    await settle();
    assert.deepEqual(live.got.map((e) => e.data.n), [2]);
    const replay = listen();
    await service.subscribe(alice, ['run.started', 'run.succeeded'], 0, replay.listener);
    await service.emit(alice, 'run.succeeded', { n: 3 });
    await settle();
    assert.deepEqual(replay.got.map((e) => e.data.n), [1, 3]);
    assert.deepEqual(live.got.map((e) => e.data.n), [2, 3]);
    assert.equal(live.got[0].time, 5000, 'epoch seconds');
    assert.ok(stored >= 4, 'the delivery worker is told after each store');
    service.closeStreams();
    assert.ok(live.closed() && replay.closed());
    assert.equal(service.streams, 0);
  });

  it('prunes the oldest beyond max_per_project (per project and user)', async () => {
    for (let i = 0; i < 5; i++) await service.emit(alice, 'run.started', { i });
    assert.equal(await service.prune(), 2);
    assert.deepEqual((await service.list(alice, { since: 0, limit: 10, types: null })).map((e) => e.data.i), [2, 3, 4]);
  });
});
