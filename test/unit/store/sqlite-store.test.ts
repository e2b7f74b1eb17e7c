import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { storeContract } from '../../store/contract';
import { freshnessContract } from '../../store/freshness-contract';

describe('SqliteStore', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-store-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  const makeStore = async () => {
    const store = new SqliteStore({ file: path.join(dir, `contract-${n++}.db`), synchronous: 'NORMAL', cacheMb: 8 });
    await store.start();
    return store;
  };
  storeContract('sqlite', makeStore);
  freshnessContract('sqlite', makeStore);
});
