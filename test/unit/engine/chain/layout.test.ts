import assert from 'node:assert/strict';
import {
  chainsRootPath, dataPath, engineMetadataPath, hbnOf, metadataPath, parseBackupDir, parseChainDir,
} from '../../../../src/engine/chain';

describe('chain layout (engine/chain/layout.ts)', () => {
  it('builds the C.9 paths', () => {
    assert.equal(hbnOf('vm', 'bench'), 'vm_bench');
    assert.equal(metadataPath('/srv/b', 'tar', 'vm', 'bench', 100, 1, 150), '/srv/b/metadata/tar/vm_bench/100/1_150/metadata');
    assert.equal(dataPath('/srv/b/', 'tar', 'vm', 'bench', 100, 0, 100), '/srv/b/data/tar/vm_bench/100/0_100/data');
    assert.equal(engineMetadataPath('bucket/pfx', 'tar', 'vm', 'bench', 100, 2, 300),
      'bucket/pfx/data/tar/vm_bench/100/2_300/engine_metadata');
    assert.equal(chainsRootPath('/', 'metadata', 'nova', 'h', 'b/inst-1'), '/metadata/nova/h_b/inst-1');
    assert.equal(chainsRootPath('', 'data', 'tar', 'h', 'b'), 'data/tar/h_b');
  });

  it('parses chain directories and rejects junk', () => {
    assert.equal(parseChainDir('1795354225'), 1795354225);
    assert.equal(parseChainDir('0'), 0);
    assert.equal(parseChainDir('1795354225/'), 1795354225);
    for (const junk of ['', 'tmp', '.DS_Store', '12a', '-5', '+5', '0123', ' 12', '1.5', '1_2', '99999999999999999999']) {
      assert.equal(parseChainDir(junk), null, junk);
    }
  });

  it('parses backup directories and rejects junk', () => {
    assert.deepEqual(parseBackupDir('0_1795354225'), { level: 0, ts: 1795354225 });
    assert.deepEqual(parseBackupDir('12_7/'), { level: 12, ts: 7 });
    for (const junk of ['', '1', '1_', '_1', '1_2_3', 'a_1', '1_b', '01_5', '1_05', 'segments', '1-2', '1_2.part']) {
      assert.equal(parseBackupDir(junk), null, junk);
    }
  });
});
