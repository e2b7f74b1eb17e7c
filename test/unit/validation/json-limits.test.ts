import assert from 'node:assert/strict';
import type { DocumentLimits } from '../../../src/config/config';
import { measureValue, scanJsonText } from '../../../src/validation/json-limits';

const LIMITS: DocumentLimits = { max_keys: 5, max_depth: 4, max_string_length: 10, max_array_items: 4 };

describe('trust 9: scanJsonText and measureValue (document limits before and after parsing)', () => {
  it('trust 9: counts keys at every level, containers as depth, array items, string lengths', () => {
    assert.equal(scanJsonText('{"a":1,"b":{"c":2,"d":[{"e":3}]}}', LIMITS), null);
    assert.equal(scanJsonText('{"a":1,"b":{"c":2,"d":[{"e":3,"f":4}]}}', LIMITS), 'max_keys');
    assert.equal(scanJsonText('[[[[1]]]]', LIMITS), null);
    assert.equal(scanJsonText('[[[[[1]]]]]', LIMITS), 'max_depth');
    assert.equal(scanJsonText('[1,2,3,4]', LIMITS), null);
    assert.equal(scanJsonText('[1,2,3,4,5]', LIMITS), 'max_array_items');
    assert.equal(scanJsonText('{"a":[1,2],"b":[3,4],"c":[5,6]}', LIMITS), null, 'items are counted per array');
    assert.equal(scanJsonText('"0123456789"', LIMITS), null);
    assert.equal(scanJsonText('"0123456789x"', LIMITS), 'max_string_length');
    assert.equal(scanJsonText('{"0123456789x":1}', LIMITS), 'max_string_length', 'keys are strings');
  });

  it('trust 9: what is inside strings does not count, escaped quotes and backslashes included', () => {
    assert.equal(scanJsonText('{"a":"{[:,]}"}', LIMITS), null);
    assert.equal(scanJsonText('["\\"[[[[[", "\\\\"]', LIMITS), null);
    assert.equal(scanJsonText('["\\\\", "[[[[[:::::"]', LIMITS), null, 'a string ending in an escaped backslash ends there');
    assert.equal(scanJsonText('["\\\\", [[[[[1]]]]]]', LIMITS), 'max_depth', 'and what follows it counts again');
    assert.equal(scanJsonText('["x\\\\\\"[["]', LIMITS), null);
    assert.equal(scanJsonText('"unterminated [[[[[[', LIMITS), 'max_string_length', 'an unterminated string runs to the end');
    assert.equal(scanJsonText('"\\u00e9\\u00e9"', LIMITS), 'max_string_length', 'escapes count as sent');
  });

  it('trust 9: measureValue applies the same limits to a parsed value, iteratively', () => {
    assert.equal(measureValue({ a: 1, b: { c: 2, d: [{ e: 3 }] } }, LIMITS), null);
    assert.equal(measureValue({ a: 1, b: { c: 2, d: [{ e: 3, f: 4 }] } }, LIMITS), 'max_keys');
    assert.equal(measureValue([[[[1]]]], LIMITS), null);
    assert.equal(measureValue([[[[[1]]]]], LIMITS), 'max_depth');
    assert.equal(measureValue([1, 2, 3, 4, 5], LIMITS), 'max_array_items');
    assert.equal(measureValue({ s: '0123456789x' }, LIMITS), 'max_string_length');
    assert.equal(measureValue(JSON.parse('{"__proto__":{"x":1}}'), LIMITS), null, 'own __proto__ keys are counted like any other');
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.equal(measureValue(deep, { ...LIMITS, max_depth: 1_000_000 }), null, 'no recursion: no stack overflow');
  });
});
