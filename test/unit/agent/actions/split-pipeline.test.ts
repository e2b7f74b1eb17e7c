import assert from 'node:assert/strict';
import { splitPipeline } from '../../../../src/agent/actions/split-pipeline';

describe('splitPipeline (agent/actions/split-pipeline.ts)', () => {
  it('splits stages on | and words on runs of spaces, quoting nothing', () => {
    assert.deepEqual(splitPipeline('tar -c  /etc | gzip -9|wc -c'), [['tar', '-c', '/etc'], ['gzip', '-9'], ['wc', '-c']]);
    assert.deepEqual(splitPipeline('echo "a b" $X'), [['echo', '"a', 'b"', '$X']]);
  });

  it('leaves empty stages for the caller to reject', () => {
    assert.deepEqual(splitPipeline('a || b |'), [['a'], [], ['b'], []]);
  });
});
