import assert from 'node:assert/strict';
import { ChangeFeed, changeKeys, waitKey } from '../../../src/services/changes/change-feed';

describe('ChangeFeed: who is woken by a job write (services/changes/change-feed.ts)', () => {
  it('keys a change by owner, project and client; v1 waiters (any project) hear every project of their user', () => {
    const keys = changeKeys({ userId: 'u', projectId: 'p', clientId: 'h' });
    assert.ok(keys.includes(waitKey({ userId: 'u', projectId: 'p' }, 'h')));
    assert.ok(keys.includes(waitKey({ userId: 'u', projectId: null }, 'h')), 'a v1 waiter');
    assert.ok(!keys.includes(waitKey({ userId: 'u', projectId: 'q' }, 'h')), 'another project');
    assert.ok(!keys.includes(waitKey({ userId: 'v', projectId: 'p' }, 'h')), 'another user');
    assert.ok(!keys.includes(waitKey({ userId: 'u', projectId: 'p' }, 'h2')), 'another client');
    // A v1 document (no project) wakes v1 waiters, not a v2 waiter of any project.
    const v1 = changeKeys({ userId: 'u', projectId: null, clientId: 'h' });
    assert.ok(v1.includes(waitKey({ userId: 'u', projectId: null }, 'h')));
    assert.ok(!v1.includes(waitKey({ userId: 'u', projectId: 'p' }, 'h')));
  });

  it('wakes the listeners of the written keys once, relays its own writes, and stops waking removed listeners', () => {
    const feed = new ChangeFeed();
    const relayed: string[][] = [];
    feed.connect((keys) => relayed.push(keys));
    let a = 0;
    let b = 0;
    const offA = feed.listen(waitKey({ userId: 'u', projectId: 'p' }, 'h'), () => a++);
    feed.listen(waitKey({ userId: 'u', projectId: 'p' }, 'other'), () => b++);
    assert.equal(feed.waiting, 2);
    // Before and after of one write name the same client twice: one wake.
    feed.publish([
      { userId: 'u', projectId: 'p', clientId: 'h' },
      { userId: 'u', projectId: 'p', clientId: 'h' },
    ]);
    assert.deepEqual([a, b], [1, 0]);
    assert.equal(relayed.length, 1);
    feed.wake(relayed[0]);
    assert.equal(a, 2, 'a change relayed from another worker wakes it too');
    offA();
    feed.publish([{ userId: 'u', projectId: 'p', clientId: 'h' }]);
    assert.equal(a, 2);
    assert.equal(feed.waiting, 1);
  });

  it('close() answers every waiter', () => {
    const feed = new ChangeFeed();
    let woken = 0;
    feed.listen('k1', () => woken++);
    feed.listen('k2', () => woken++);
    feed.close();
    assert.equal(woken, 2);
    assert.ok(feed.isClosed);
  });
});
