import assert from 'node:assert/strict';
import { PayloadTooLargeError } from '../../../../src/errors';
import { docTerms, parseSearch, termOf, type Search } from '../../../../src/search';
import {
  MAX_BSON_BYTES,
  V1_PROJECT,
  assertStorable,
  entryRecord,
  keyFilter,
  ownerOfRecord,
  pageOf,
  registryIdFilter,
  registryListFilter,
  registryNameFilter,
  residualOf,
  scopeFilter,
  searchPlan,
  storedSize,
} from '../../../../src/store/mongo/translate';
import type { Scope } from '../../../../src/store/types';

const v2: Scope = { userId: 'alice', projectId: 'projA' };
const v1: Scope = { userId: 'alice', projectId: null };
const plan = (body: unknown, scope: Scope = v2) => searchPlan(scope, parseSearch(body));

/** Every object key anywhere in a filter: the field names and operators MongoDB will see. */
function keysOf(filter: unknown): string[] {
  if (Array.isArray(filter)) return filter.flatMap(keysOf);
  if (typeof filter !== 'object' || filter === null) return [];
  return Object.entries(filter).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

/** Every string value anywhere in a filter. */
function stringsOf(filter: unknown): string[] {
  if (typeof filter === 'string') return [filter];
  if (Array.isArray(filter)) return filter.flatMap(stringsOf);
  if (typeof filter !== 'object' || filter === null) return [];
  return Object.values(filter).flatMap(stringsOf);
}

const SAFE_KEYS = new Set(['user_id', 'project_id', 'id', 'key', 'terms', '$all', '$nin', 'kind', 'name', 'parent', '$eq', '$type']);

describe('mongo translate: scope and keys', () => {
  it('filters v2 by user and project, v1 by user only', () => {
    assert.deepEqual(scopeFilter(v2), { user_id: 'alice', project_id: 'projA' });
    assert.deepEqual(scopeFilter(v1), { user_id: 'alice' });
    // trust 6: a v1 scope limited by project (v1's own documents have the project '').
    assert.deepEqual(scopeFilter({ ...v1, projects: { read: ['p1', 'p2'], write: [] } }), { user_id: 'alice', project_id: { $in: ['', 'p1', 'p2'] } });
  });

  it('looks documents up by global id, clients by key, always inside the scope', () => {
    assert.deepEqual(keyFilter(v2, 'j1', true), { id: 'j1', user_id: 'alice', project_id: 'projA' });
    assert.deepEqual(keyFilter(v1, 'j1', true), { id: 'j1', user_id: 'alice' });
    assert.deepEqual(keyFilter(v2, 'host1', false), { key: 'host1', user_id: 'alice', project_id: 'projA' });
    assert.deepEqual(keyFilter(v1, 'host1', false), { key: 'host1', user_id: 'alice' });
  });

  it('keeps the scope when the key names a scope field', () => {
    // The scope is spread after the key, so it always wins.
    const f = keyFilter({ userId: 'bob', projectId: 'p' }, 'x', true);
    assert.equal(f.user_id, 'bob');
  });

  it('stores v1 documents with project "" and reports them without a project', () => {
    const r = entryRecord(v1, { id: 'j1', key: 'j1', doc: { a: 1 } }, 7);
    assert.equal(r.project_id, V1_PROJECT);
    assert.deepEqual(ownerOfRecord(r), { userId: 'alice', projectId: null });
    assert.deepEqual(ownerOfRecord(entryRecord(v2, { id: 'j1', key: 'j1', doc: {} }, 1)), { userId: 'alice', projectId: 'projA' });
  });

  it('builds the record: JSON text, terms, seq, version 1, client key apart from id', () => {
    const doc = { client: { uuid: 'u1', client_id: 'host1' }, n: null };
    const r = entryRecord(v2, { id: 'u1', key: 'host1', doc }, 42);
    assert.deepEqual(r, {
      id: 'u1',
      key: 'host1',
      user_id: 'alice',
      project_id: 'projA',
      seq: 42,
      version: 1,
      doc: JSON.stringify(doc),
      terms: docTerms(doc),
    });
  });
});

describe('mongo translate: search', () => {
  it('without a search, lists the scope', () => {
    assert.deepEqual(searchPlan(v2, null), { filter: { user_id: 'alice', project_id: 'projA' }, residual: null });
    assert.deepEqual(searchPlan(v1, null), { filter: { user_id: 'alice' }, residual: null });
  });

  it('match: every term in $all', () => {
    assert.deepEqual(plan({ match: [{ client_id: 'host2' }] }), {
      filter: { user_id: 'alice', project_id: 'projA', terms: { $all: [termOf('client_id', 'host2')] } },
      residual: null,
    });
  });

  it('match_not: every term in $nin, no $all', () => {
    assert.deepEqual(plan({ match_not: [{ status: 'completed' }] }).filter, {
      user_id: 'alice',
      project_id: 'projA',
      terms: { $nin: [termOf('status', 'completed')] },
    });
  });

  it('several conditions, in one element or several, with both lists', () => {
    const expected = {
      user_id: 'alice',
      project_id: 'projA',
      terms: { $all: [termOf('a', 1), termOf('b', 'x')], $nin: [termOf('c', true), termOf('d', { e: [1] })] },
    };
    assert.deepEqual(plan({ match: [{ a: 1, b: 'x' }], match_not: [{ c: true }, { d: { e: [1] } }] }).filter, expected);
    assert.deepEqual(plan({ match: [{ a: 1 }, { b: 'x' }], match_not: [{ c: true, d: { e: [1] } }] }).filter, expected);
  });

  it('repeated conditions give each term once', () => {
    assert.deepEqual(plan({ match: [{ a: 1 }, { a: 1.0 }] }).filter.terms, { $all: [termOf('a', 1)] });
  });

  it('_all: the JSON list replaces the search; match_not is ignored', () => {
    const p = plan({ match: [{ _all: '[{"a": 1}, {"b": "x"}]' }], match_not: [{ c: 1 }] });
    assert.deepEqual(p.filter.terms, { $all: [termOf('a', 1), termOf('b', 'x')] });
    assert.equal(p.residual, null);
    // An unreadable _all means no filter at all.
    assert.deepEqual(plan({ match: [{ _all: 'not json' }] }).filter, { user_id: 'alice', project_id: 'projA' });
  });

  it('null conditions become the residual, the others stay terms', () => {
    const p = plan({ match: [{ client_id: 'host2' }, { status: null }], match_not: [{ x: null }, { y: 2 }] });
    assert.deepEqual(p.filter.terms, { $all: [termOf('client_id', 'host2')], $nin: [termOf('y', 2)] });
    assert.deepEqual(p.residual, { match: [{ key: 'status', value: null }], matchNot: [{ key: 'x', value: null }] });
  });

  it('only null conditions: the scope alone, all in the residual', () => {
    const p = plan({ match: [{ status: null }] });
    assert.deepEqual(p.filter, { user_id: 'alice', project_id: 'projA' });
    assert.deepEqual(p.residual, { match: [{ key: 'status', value: null }], matchNot: [] });
    assert.equal(residualOf(null), null);
    assert.equal(residualOf({ match: [{ key: 'a', value: 1 }], matchNot: [] }), null);
  });

  it('v1 searches by user only', () => {
    assert.deepEqual(plan({ match: [{ a: 1 }] }, v1).filter, { user_id: 'alice', terms: { $all: [termOf('a', 1)] } });
  });

  it('matches documents exactly when their terms hold the filter (the store side of $all/$nin)', () => {
    const doc = { job_id: 'a', job_schedule: { status: 'completed' }, client_id: 'host2' };
    const terms = new Set(docTerms(doc));
    const holds = (search: Search) => {
      const t = searchPlan(v2, search).filter.terms as { $all?: string[]; $nin?: string[] } | undefined;
      return (t?.$all ?? []).every((x) => terms.has(x)) && !(t?.$nin ?? []).some((x) => terms.has(x));
    };
    assert.ok(holds(parseSearch({ match: [{ status: 'completed' }] }) as Search));
    assert.ok(!holds(parseSearch({ match: [{ 'job_schedule.status': 'completed' }] }) as Search), 'dotted keys are literal');
    assert.ok(!holds(parseSearch({ match_not: [{ client_id: 'host2' }] }) as Search));
  });
});

describe('mongo translate: injection attempts stay data', () => {
  const hostile: unknown[] = [
    { match: [{ $where: '1' }] },
    { match: [{ a: { $where: '1' } }] },
    { match: [{ a: '$gt' }] },
    { match: [{ $gt: '' }] },
    { match: [{ 'a.b': 1 }] },
    { match: [{ a: { 'a.b': 1 } }] },
    { match: [{ a: { $ne: null } }] },
    { match_not: [{ $ne: null }, { $expr: { $eq: [1, 1] } }] },
    { match: [{ _all: '[{"$where": "1"}, {"a": {"$ne": null}}, {"$or": [{}]}]' }] },
    JSON.parse('{"match": [{"__proto__": 1, "constructor": {"$gt": 1}}]}'),
  ];

  for (const body of hostile) {
    it(`keeps ${JSON.stringify(body)} inside term strings`, () => {
      const search = parseSearch(body);
      assert.ok(search);
      const { filter } = searchPlan(v2, search);
      for (const k of keysOf(filter)) assert.ok(SAFE_KEYS.has(k), `unexpected field or operator ${k}`);
      const t = filter.terms as { $all?: unknown[]; $nin?: unknown[] };
      for (const x of [...(t.$all ?? []), ...(t.$nin ?? [])]) assert.equal(typeof x, 'string');
      const expected = [...search.match, ...search.matchNot].filter((c) => c.value !== null).map((c) => termOf(c.key, c.value));
      assert.deepEqual(new Set(stringsOf(t)), new Set(expected));
    });
  }

  it('keeps an operator-shaped key or scope a plain string', () => {
    const sneaky = { $gt: '' } as unknown as string;
    const f = keyFilter({ userId: sneaky, projectId: sneaky }, sneaky, true);
    assert.deepEqual(f, { id: '[object Object]', user_id: '[object Object]', project_id: '[object Object]' });
    assert.deepEqual(keyFilter(v2, '$where', false), { key: '$where', user_id: 'alice', project_id: 'projA' });
    for (const filter of [registryIdFilter('users', sneaky), registryNameFilter('users', sneaky), registryListFilter('credentials', sneaky)]) {
      for (const k of keysOf(filter)) assert.ok(SAFE_KEYS.has(k), k);
    }
  });

  it('stores documents with $-keys and dotted keys as JSON text, their keys only inside terms', () => {
    const doc = { $where: '1', 'a.b': { $ne: null }, c: '$gt' };
    const r = entryRecord(v2, { id: 'j', key: 'j', doc }, 1);
    assert.equal(r.doc, JSON.stringify(doc));
    assert.deepEqual(Object.keys(r).sort(), ['doc', 'id', 'key', 'project_id', 'seq', 'terms', 'user_id', 'version']);
    assert.ok(r.terms.every((t) => typeof t === 'string'));
  });
});

describe('mongo translate: paging', () => {
  it('passes offset and limit; null limit is no limit', () => {
    assert.deepEqual(pageOf({ limit: 2, offset: 3 }), { skip: 3, limit: 2 });
    assert.deepEqual(pageOf({ limit: null, offset: 5 }), { skip: 5, limit: undefined });
    assert.deepEqual(pageOf({ limit: 10, offset: 0 }), { skip: 0, limit: 10 });
  });

  it('answers limit 0 itself, as MongoDB reads limit(0) as no limit', () => {
    assert.equal(pageOf({ limit: 0, offset: 0 }), null);
  });

  it('never skips a negative count', () => {
    assert.deepEqual(pageOf({ limit: 1, offset: -4 }), { skip: 0, limit: 1 });
  });
});

describe('mongo translate: registry', () => {
  it('looks up by kind and id, and by kind and name', () => {
    assert.deepEqual(registryIdFilter('users', 'u1'), { kind: 'users', id: 'u1' });
    assert.deepEqual(registryNameFilter('credentials', 'u1/backup'), {
      kind: 'credentials',
      name: { $eq: 'u1/backup' },
    });
  });

  it('lists a whole registry or one parent', () => {
    assert.deepEqual(registryListFilter('credentials'), { kind: 'credentials' });
    assert.deepEqual(registryListFilter('credentials', 'u1'), { kind: 'credentials', parent: 'u1' });
  });
});

describe('mongo translate: size', () => {
  it('counts BSON bytes exactly for strings, arrays and nulls', () => {
    // {_id: ObjectId} alone is 4 + (1 + 4 + 12) + 1 = 22 bytes.
    assert.equal(storedSize({}), 22);
    assert.equal(storedSize({ a: 'xy' }), 22 + 1 + 2 + 4 + 2 + 1);
    assert.equal(storedSize({ a: null }), 22 + 1 + 2);
    assert.equal(storedSize({ a: 1 }), 22 + 1 + 2 + 8);
    assert.equal(storedSize({ t: ['ü'] }), 22 + 1 + 2 + (4 + 1 + (1 + 2 + 4 + 2 + 1)));
  });

  it('refuses a record over 16 MiB with 413, accepts one just under', () => {
    const base = entryRecord(v2, { id: 'j', key: 'j', doc: {} }, 1);
    const room = MAX_BSON_BYTES - storedSize(base);
    const fits = { ...base, doc: base.doc + ' '.repeat(room) };
    assert.equal(storedSize(fits), MAX_BSON_BYTES);
    assert.doesNotThrow(() => assertStorable(fits));
    const over = { ...base, doc: base.doc + ' '.repeat(room + 1) };
    assert.throws(() => assertStorable(over), (err: unknown) => {
      assert.ok(err instanceof PayloadTooLargeError);
      assert.equal(err.status, 413);
      assert.equal(err.description, `The document is too large to store (${MAX_BSON_BYTES + 1} bytes, at most ${MAX_BSON_BYTES}).`);
      return true;
    });
  });

  it('counts the terms too, so a document under 16 MiB can still be too large', () => {
    const doc = { big: 'x'.repeat(9 * 1024 * 1024), again: 'y' };
    const r = entryRecord(v2, { id: 'j', key: 'j', doc }, 1);
    assert.ok(storedSize(r) > r.doc.length);
    assert.doesNotThrow(() => assertStorable(r), 'terms of long values are digests');
    const many = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, 'v'.repeat(40)]));
    assert.throws(() => assertStorable(entryRecord(v2, { id: 'j', key: 'j', doc: many }, 1)), PayloadTooLargeError);
  });
});
