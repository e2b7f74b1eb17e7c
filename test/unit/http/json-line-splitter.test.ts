import assert from 'node:assert/strict';
import { JsonLineSplitter, type JsonLine } from '../../../src/http/middleware/body';

const LIMITS = { max_keys: 10, max_depth: 4, max_string_length: 100, max_array_items: 10 };
const brief = (lines: JsonLine[]) => lines.map((l) => (l.error ? [l.line, l.error.status] : [l.line, l.value]));

describe('JsonLineSplitter (the body of POST /run-reports)', () => {
  it('splits lines across chunks, multi-byte characters included, and takes a last line without a newline', () => {
    const s = new JsonLineSplitter(1000, LIMITS);
    const text = Buffer.from('{"a":"é"}\n\n{"b":2}\n{"c":3}');
    const cut = text.indexOf(0xa9); // inside the two bytes of é
    assert.deepEqual(brief(s.push(text.subarray(0, cut))), []);
    assert.deepEqual(brief(s.push(text.subarray(cut, cut + 13))), [[1, { a: 'é' }], [3, { b: 2 }]], 'the blank line 2 is counted, not answered');
    assert.deepEqual(brief(s.push(text.subarray(cut + 13))), []);
    assert.deepEqual(brief(s.end()), [[4, { c: 3 }]]);
  });

  it('refuses a line over the size limit as it passes the limit, skips it, and goes on', () => {
    const s = new JsonLineSplitter(20, LIMITS);
    assert.deepEqual(brief(s.push(Buffer.from(`{"x":"${'y'.repeat(15)}`))), [[1, 413]]);
    assert.deepEqual(brief(s.push(Buffer.from(`${'y'.repeat(5000)}"}\n{"ok":1}\n`))), [[2, { ok: 1 }]], 'nothing more for line 1');
    assert.deepEqual(brief(s.end()), []);
  });

  it('holds each line to the document limits, and answers a line that is not JSON as a body would be (753)', () => {
    const s = new JsonLineSplitter(1000, LIMITS);
    assert.deepEqual(brief(s.push(Buffer.from('[[[[[1]]]]]\n{"a":\n{"k":[1,2,3,4,5,6,7,8,9,10,11]}\n'))), [[1, 400], [2, 753], [3, 413]]);
  });
});
