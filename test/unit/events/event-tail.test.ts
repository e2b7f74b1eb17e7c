import assert from 'node:assert/strict';
import { EventTail } from '../../../src/services/events/event-tail';
import type { EventRecord, EventStore } from '../../../src/store/events/event-store';

/** Just what the tail reads: events by id, as a MongoDB store may show them (a lower id late). */
function fakeStore(visible: number[]): { store: EventStore; show(id: number): void } {
  const ids = new Set(visible);
  const record = (id: number): EventRecord => ({ id, type: 'run.failed', project_id: 'p', user_id: 'u', time: id, data: {} });
  const store = {
    lastId: async () => 0,
    after: async (since: number, limit: number) => [...ids].filter((i) => i > since).sort((a, b) => a - b).slice(0, limit).map(record),
  } as unknown as EventStore;
  return { store, show: (id) => ids.add(id) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('EventTail', () => {
  it('hands events on in id order, waiting at a gap for the id that is not visible yet', async () => {
    const { store, show } = fakeStore([1, 3]);
    const tail = new EventTail(store, 60_000, (err) => assert.fail(String(err)));
    const seen: number[] = [];
    tail.listen((e) => seen.push(e.id));
    await tail.start();
    tail.poke();
    await settle();
    assert.deepEqual(seen, [1], '3 waits for 2');
    show(2);
    tail.poke();
    await settle();
    assert.deepEqual(seen, [1, 2, 3]);
    await tail.stop();
  });

  it('stops listening and polling on stop()', async () => {
    const { store, show } = fakeStore([1]);
    const tail = new EventTail(store, 60_000, () => undefined);
    const seen: number[] = [];
    const off = tail.listen((e) => seen.push(e.id));
    await tail.start();
    tail.poke();
    await settle();
    off();
    show(2);
    tail.poke();
    await settle();
    assert.deepEqual(seen, [1]);
    await tail.stop();
    show(3);
    tail.poke();
    await settle();
    assert.deepEqual(seen, [1]);
  });
});
