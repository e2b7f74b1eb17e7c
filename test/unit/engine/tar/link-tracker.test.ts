import assert from 'node:assert/strict';
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

  it('moves symlinks along with a renamed directory', () => {
    const t = new LinkTracker();
    t.record('a/link', '2');
    t.rename('./a', './b');
    assert.throws(() => t.check('b/link/x', 'b/link/x', 'its name'), /below the symlink "b\/link"/);
    t.check('a/link/x', 'a/link/x', 'its name');
  });
});
