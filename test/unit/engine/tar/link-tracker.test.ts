import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LinkTracker, memberPath } from '../../../../src/engine/tar';

describe('LinkTracker (engine/tar/link-tracker.ts)', () => {
  it('normalises member names', () => {
    assert.equal(memberPath('./a//b/./c/'), 'a/b/c');
    assert.equal(memberPath('a'), 'a');
  });

  it('refuses paths below a recorded symlink, not the symlink itself or its siblings', () => {
    const t = new LinkTracker();
    t.record('./evil', '2');
    assert.throws(() => t.check('./evil/x', './evil/x', 'its name'), /lies below the symlink "evil"/);
    assert.throws(() => t.check('h', 'evil/deep/x', 'its hard link target'), /hard link target/);
    t.check('./evil', './evil', 'its name');
    t.check('./evil2/x', './evil2/x', 'its name');
  });

  it('forgets a symlink replaced by a directory or file of the same name', () => {
    const t = new LinkTracker();
    t.record('d', '2');
    t.record('./d/', 'D');
    t.check('d/x', 'd/x', 'its name');
    t.record('f', '2');
    t.record('f', '0');
    assert.equal(t.size, 0);
  });

  it('carries symlinks along with a renamed directory, and keeps them at the old name (tar may fail the rename)', () => {
    const t = new LinkTracker();
    t.record('a/link', '2');
    t.record('a2/other', '2');
    t.rename('./a', './b');
    assert.throws(() => t.check('b/link/x', 'b/link/x', 'its name'), /below the symlink "b\/link"/);
    assert.throws(() => t.check('a/link/x', 'a/link/x', 'its name'), /below the symlink "a\/link"/);
    assert.equal(t.has('b/other'), false);
    assert.equal(t.size, 3);
    // A member that replaces the old name clears it.
    t.record('a/link', '5');
    t.check('a/link/x', 'a/link/x', 'its name');
  });

  it('trust 1: a hard link to a symlink, or to a hard link to one, is a symlink too', () => {
    const t = new LinkTracker();
    t.record('s', '2');
    t.record('h', '1', './s');
    t.record('h2', '1', 'h');
    t.record('plain', '1', 'file');
    assert.throws(() => t.check('h/x', 'h/x', 'its name'), /below the symlink "h"/);
    assert.throws(() => t.check('h2/x', './h2//x', 'its name'), /below the symlink "h2"/);
    t.check('plain/x', 'plain/x', 'its name');
    t.record('h', '0');
    t.check('h/x', 'h/x', 'its name');
  });

  it('trust 1: reads the symlinks of a target from disk, byte-exact, without following them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-links-'));
    try {
      fs.mkdirSync(path.join(dir, 'a/b'), { recursive: true });
      fs.symlinkSync('/', path.join(dir, 'a/b/root'));
      fs.symlinkSync('a', path.join(dir, 'to-a'));
      fs.symlinkSync('/tmp', path.join(dir, 'ünï'));
      const t = await LinkTracker.fromDisk(dir);
      assert.equal(t.size, 3);
      assert.throws(() => t.check('x', 'a/b/root/etc', 'its name'), /below the symlink "a\/b\/root"/);
      const utf8Bytes = Buffer.from('ünï/x', 'utf8').toString('latin1');
      assert.throws(() => t.check('x', utf8Bytes, 'its name'), /below the symlink "ünï"/);
      t.check('x', 'to-a', 'its name');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
