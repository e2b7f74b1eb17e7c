import assert from 'node:assert/strict';
import { StoreUnavailableError } from '../../../../src/errors';
import { MongoStore } from '../../../../src/store/mongo/mongo-store';

describe('MongoStore (no server)', () => {
  it('is the mongodb engine and refuses use before start', async () => {
    const store = new MongoStore({ url: 'mongodb://127.0.0.1:1/x' });
    assert.equal(store.engine, 'mongodb');
    assert.throws(() => store.repo('jobs'), StoreUnavailableError);
    assert.throws(() => store.registry('users'), StoreUnavailableError);
    await assert.rejects(store.ping(), StoreUnavailableError);
    await store.stop();
  });

  it('fails to start with a message naming the URL without credentials', async function () {
    this.timeout(15000);
    // Port 1: nothing listens, so server selection gives up after serverSelectionTimeoutMS.
    const store = new MongoStore({ url: 'mongodb://admin:s3cret@127.0.0.1:1/permafrost?authSource=admin' });
    await assert.rejects(store.start(), (e: unknown) => {
      assert.ok(e instanceof StoreUnavailableError);
      assert.match(e.message, /mongodb:\/\/127\.0\.0\.1:1\/permafrost/);
      assert.doesNotMatch(e.message, /s3cret|admin:/);
      return true;
    });
    assert.throws(() => store.repo('jobs'), StoreUnavailableError);
  });

  it('refuses a malformed URL with the same kind of error', async () => {
    const store = new MongoStore({ url: 'http://u:pw@nowhere' });
    await assert.rejects(store.start(), (e: unknown) => e instanceof StoreUnavailableError && !e.message.includes('pw'));
  });
});
