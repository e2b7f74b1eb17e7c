import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { MongoStore } from '../../../src/store/mongo/mongo-store';
import { storeContract } from '../../store/contract';
import { freshnessContract } from '../../store/freshness-contract';

const URL = process.env.FREEZER_TEST_MONGODB_URL;

/** The connection string with its database replaced by `name` (hosts and options kept). */
function withDatabase(url: string, name: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/[^?]*)?(\?.*)?$/s.exec(url);
  if (!m) throw new Error('FREEZER_TEST_MONGODB_URL is not a mongodb:// connection string');
  return `${m[1]}/${name}${m[2] ?? ''}`;
}

if (URL) {
  describe('MongoStore', () => {
    let admin: Connection;
    const created: string[] = [];
    before(async () => {
      admin = await mongoose.createConnection(URL, { bufferCommands: false, serverSelectionTimeoutMS: 5000 }).asPromise();
    });
    // Runs after the contract's own afterEach has stopped the store: each test's database goes.
    afterEach(async () => {
      for (const name of created.splice(0)) await admin.useDb(name).dropDatabase();
    });
    after(() => admin.close());

    const makeStore = async () => {
      const name = `permafrost_test_${randomBytes(6).toString('hex')}`;
      created.push(name);
      const store = new MongoStore({ url: withDatabase(URL, name) });
      await store.start();
      return store;
    };
    storeContract('mongodb', makeStore);
    freshnessContract('mongodb', makeStore);
  });
} else {
  // The same tests, each skipped with the reason, so the summary counts every contract test that did not run.
  describe('MongoStore (skipped: set FREEZER_TEST_MONGODB_URL)', () => {
    before(() => console.log('      SKIPPED: store contract against MongoDB, each test pending (set FREEZER_TEST_MONGODB_URL)'));
    beforeEach(function () {
      this.skip();
    });
    const notRun = (): never => {
      throw new Error('not run without FREEZER_TEST_MONGODB_URL');
    };
    storeContract('mongodb', notRun);
    freshnessContract('mongodb', notRun);
  });
}
