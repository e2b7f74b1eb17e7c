import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../../src/engine/engine-error';
import { LocalStorage, openStorage } from '../../../../src/engine/storage';
import { describeStorageContract } from './storage-contract';

describe('local storage (engine/storage/local-storage.ts)', () => {
  let root: string;
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-local-storage-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  describeStorageContract('LocalStorage', async () => new LocalStorage(), () => root);

  it('openStorage opens local, and names the supported storages for any other', async () => {
    const storage = await openStorage({ storage: 'local', container: root });
    assert.equal(storage.kind, 'local');
    await storage.close();
    for (const other of ['swift', 's3', 'SSH', '']) {
      await assert.rejects(openStorage({ storage: other, container: root }), (err: unknown) =>
        err instanceof EngineError && err.message === `storage '${other}' is not supported by this agent (local, ssh)`);
    }
    await assert.rejects(openStorage({ storage: 'local', container: ' ' }), /container/);
    await assert.rejects(openStorage({ storage: 'ssh', container: '/b' }), /ssh_host/);
  });
});
