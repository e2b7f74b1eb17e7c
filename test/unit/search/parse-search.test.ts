import assert from 'node:assert/strict';
import { BadRequestError } from '../../../src/errors';
import { parseSearch } from '../../../src/search';

describe('parseSearch (spec A.5.2 step 1-2)', () => {
  describe('no filter', () => {
    it('for a missing body, {} and empty or absent lists', () => {
      for (const body of [undefined, null, {}, { match: [] }, { match_not: [] }, { match: [], match_not: [] }, { other: 1 }]) {
        assert.equal(parseSearch(body), null, JSON.stringify(body));
      }
    });

    it('for what Python reads as empty (the reference answers those without a filter, not 500)', () => {
      for (const body of [false, 0, '', [], { match: null }, { match: {} }, { match: '' }, { match: false, match_not: 0 }]) {
        assert.equal(parseSearch(body), null, JSON.stringify(body));
      }
    });

    it('when every element is {} (an empty element is no condition)', () => {
      assert.equal(parseSearch({ match: [{}], match_not: [{}, {}] }), null);
    });
  });

  describe('conditions', () => {
    it('keeps match and match_not in order', () => {
      assert.deepEqual(parseSearch({ match: [{ client_id: 'projA_host1' }, { description: 'd' }], match_not: [{ status: 'completed' }] }), {
        match: [
          { key: 'client_id', value: 'projA_host1' },
          { key: 'description', value: 'd' },
        ],
        matchNot: [{ key: 'status', value: 'completed' }],
      });
    });

    it('reads each key of an element as one condition, and skips {}', () => {
      assert.deepEqual(parseSearch({ match: [{ a: 1, b: 'x' }, {}, { c: null }] }), {
        match: [
          { key: 'a', value: 1 },
          { key: 'b', value: 'x' },
          { key: 'c', value: null },
        ],
        matchNot: [],
      });
    });

    it('takes match_not alone, or match with an empty match_not', () => {
      assert.deepEqual(parseSearch({ match_not: [{ status: 'completed' }] }), {
        match: [],
        matchNot: [{ key: 'status', value: 'completed' }],
      });
      assert.deepEqual(parseSearch({ match: [{ a: 1 }], match_not: null }), { match: [{ key: 'a', value: 1 }], matchNot: [] });
    });

    it('keeps any JSON value, objects and arrays included, and reads Infinity (JSON 1e400) as null', () => {
      const body = JSON.parse('{"match":[{"o":{"x":[1,{"y":null}]}},{"big":1e400}]}') as unknown;
      assert.deepEqual(parseSearch(body)?.match, [
        { key: 'o', value: { x: [1, { y: null }] } },
        { key: 'big', value: null },
      ]);
    });

    it('takes dotted keys literally', () => {
      assert.deepEqual(parseSearch({ match: [{ 'job_schedule.status': 'completed' }] })?.match, [
        { key: 'job_schedule.status', value: 'completed' },
      ]);
    });
  });

  describe('_all', () => {
    it('replaces the whole search with the JSON list in its string, dropping other match entries and match_not', () => {
      const body = {
        match: [{ _all: '[{"description": "list-2"}, {"a": 1, "b": 2}]' }, { client_id: 'projA_host1' }],
        match_not: [{ status: 'completed' }],
      };
      assert.deepEqual(parseSearch(body), {
        match: [
          { key: 'description', value: 'list-2' },
          { key: 'a', value: 1 },
          { key: 'b', value: 2 },
        ],
        matchNot: [],
      });
    });

    it('does not check what it discards (the reference never reads it)', () => {
      assert.deepEqual(parseSearch({ match: [{ _all: '[{"a": 1}]' }, 'junk'], match_not: 'junk' })?.match, [{ key: 'a', value: 1 }]);
    });

    it('means no filter at all when the string is not JSON, not a list, or is an empty list', () => {
      for (const all of ['list-2', '{"description": "list-2"}', '"list-2"', '42', 'null', '[', '[]', '[{}]']) {
        assert.equal(parseSearch({ match: [{ _all: all }, { client_id: 'x' }], match_not: [{ s: 1 }] }), null, all);
      }
    });

    it('means no filter at all when the value is not a string', () => {
      for (const all of [null, 42, true, [{ description: 'list-2' }], { description: 'list-2' }]) {
        assert.equal(parseSearch({ match: [{ _all: all }, { client_id: 'x' }] }), null, JSON.stringify(all));
      }
    });

    it('counts only in the first element of match', () => {
      assert.deepEqual(parseSearch({ match: [{ a: 1 }, { _all: '[{"b": 2}]' }] })?.match, [
        { key: 'a', value: 1 },
        { key: '_all', value: '[{"b": 2}]' },
      ]);
      assert.deepEqual(parseSearch({ match_not: [{ _all: '[{"b": 2}]' }] })?.matchNot, [{ key: '_all', value: '[{"b": 2}]' }]);
    });

    it('also applies when the first element has more keys than _all', () => {
      assert.deepEqual(parseSearch({ match: [{ x: 1, _all: '[{"b": 2}]' }] })?.match, [{ key: 'b', value: 2 }]);
    });

    it('rejects a list whose elements are not objects (the reference fails with 500)', () => {
      assert.throws(() => parseSearch({ match: [{ _all: '["list-2"]' }] }), BadRequestError);
      assert.throws(() => parseSearch({ match: [{ _all: '[{"a": 1}, [1]]' }] }), /"_all"/);
    });
  });

  describe('shape errors are 400 Bad request format (the reference answers 500)', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ['a non-empty list body', [1], /search body must be a JSON object/],
      ['a string body', 'str', /search body must be a JSON object/],
      ['a number body', 42, /search body must be a JSON object/],
      ['true as the body', true, /search body must be a JSON object/],
      ['match as an object', { match: { description: 'x' } }, /"match" must be a list/],
      ['match as a string', { match: 'x' }, /"match" must be a list/],
      ['match as a number', { match: 3 }, /"match" must be a list/],
      ['match_not as a string', { match_not: 'x' }, /"match_not" must be a list/],
      ['match_not as an object', { match: [{ a: 1 }], match_not: { a: 1 } }, /"match_not" must be a list/],
      ['a string element', { match: ['x'] }, /element of "match" must be an object/],
      ['a null element', { match: [{ a: 1 }, null] }, /element of "match" must be an object/],
      ['a list element', { match_not: [[{ a: 1 }]] }, /element of "match_not" must be an object/],
    ];
    for (const [name, body, message] of bad) {
      it(name, () => {
        assert.throws(
          () => parseSearch(body),
          (err: unknown) =>
            err instanceof BadRequestError && err.status === 400 && err.title === 'Bad request format' && message.test(err.message),
        );
      });
    }
  });
});
