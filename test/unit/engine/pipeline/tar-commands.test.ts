import assert from 'node:assert/strict';
import { checkpointBytes, tarCreateArgs, tarExtractArgs, tarListArgs } from '../../../../src/engine/pipeline/tar-commands';

describe('tar commands (engine/pipeline/tar-commands.ts)', () => {
  const base = { snapshotFile: '/tmp/snap', target: '.', exclude: null, dereference: null, checkpointRecords: 100 } as const;

  it('creates with the stock agent flags (spec C.5), the snapshot file and the target last', () => {
    const args = tarCreateArgs(base);
    for (const flag of ['--create', '--warning=none', '--no-check-device', '--one-file-system', '--preserve-permissions', '--same-owner', '--ignore-failed-read', '--listed-incremental=/tmp/snap', '--file=-']) {
      assert.ok(args.includes(flag), flag);
    }
    assert.deepEqual(args.slice(-2), ['--', '.']);
    assert.ok(!args.some((a) => a.startsWith('--exclude') || a.includes('dereference')));
  });

  it('maps dereference_symlink and exclude as the stock agent does', () => {
    assert.ok(tarCreateArgs({ ...base, dereference: 'soft' }).includes('--dereference'));
    assert.ok(tarCreateArgs({ ...base, dereference: 'hard' }).includes('--hard-dereference'));
    const all = tarCreateArgs({ ...base, dereference: 'all' });
    assert.ok(all.includes('--dereference') && all.includes('--hard-dereference'));
    assert.ok(tarCreateArgs({ ...base, exclude: '*.tmp' }).includes('--exclude=*.tmp'));
  });

  it('extracts incrementally into the directory, lists for a dry run', () => {
    assert.deepEqual(tarExtractArgs('/r'), ['--incremental', '--extract', '--ignore-zeros', '--warning=none', '--overwrite', '--directory=/r', '--file=-']);
    assert.ok(tarListArgs().includes('--list') && !tarListArgs().includes('--extract'));
  });

  it('reads bytes from checkpoint and totals lines only', () => {
    assert.equal(checkpointBytes('tar: #progress 1013760 (990KiB, 5.1GiB/s)'), 1013760);
    assert.equal(checkpointBytes('Total bytes written: 10240 (10KiB, 43MiB/s)'), 10240);
    assert.equal(checkpointBytes('tar: Total bytes written: 20480 (20KiB)'), 20480);
    // --verbose member names share stderr: a file named like a checkpoint is not one.
    assert.equal(checkpointBytes('./data/#progress 12'), null);
    assert.equal(checkpointBytes('tar: ./x: file changed as we read it'), null);
    assert.equal(checkpointBytes('./some/file'), null);
  });
});
