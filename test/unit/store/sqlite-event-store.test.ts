import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../../src/store/events/sqlite-event-store';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { eventStoreContract } from '../../store/event-store-contract';

describe('SqliteEventStore', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-events-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  eventStoreContract('sqlite', async () => {
    // As in a server: the document store creates the file (and sqlite_sequence), then the events store opens it.
    const file = path.join(dir, `contract-${n++}.db`);
    const docs = new SqliteStore({ file, synchronous: 'NORMAL', cacheMb: 8 });
    await docs.start();
    await docs.stop();
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    await store.start();
    return store;
  });
});
