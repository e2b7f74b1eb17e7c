import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonical, docTerms, leafValues, matches, MAX_INLINE_BYTES, termOf } from '../../../src/search';
import { jobDoc, pick, randomDoc, randomValue, seeded } from './fixtures';

const same = (a: unknown, b: unknown) => termOf('k', a) === termOf('k', b);

describe('termOf', () => {
  it('is key, NUL, canonical JSON with sorted keys', () => {
    assert.equal(termOf('client_id', 'projA_host1'), 'client_id\u0000"projA_host1"');
    assert.equal(termOf('o', { b: [1, { d: null, c: true }], a: 'x' }), 'o\u0000{"a":"x","b":[1,{"c":true,"d":null}]}');
    assert.equal(termOf('n', 1.0), 'n\u00001');
  });

  it('is the same term iff the values are equal under the search rules', () => {
    assert.ok(same(1, 1.0));
    assert.ok(same(100, 1e2));
    assert.ok(same(0, -0));
    assert.ok(same({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
    assert.ok(same(null, undefined), 'a missing value reads as null');
    assert.ok(same(Infinity, null), 'as JSON text shows it');
    assert.ok(same({ a: 1, gone: undefined }, { a: 1 }));
    for (const [a, b] of [
      ['1', 1],
      [true, 1],
      [false, 0],
      ['', null],
      ['null', null],
      [[], {}],
      [[1, 2], [2, 1]],
      [{ a: 1 }, { a: 1, b: 1 }],
      ['x', 'X'],
      [0.1, 0.10000000000000002],
    ] as const) {
      assert.ok(!same(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  });

  it('differs for different keys, even when keys contain NUL', () => {
    assert.notEqual(termOf('a', 1), termOf('b', 1));
    assert.notEqual(termOf('a\u0000"x"', 1), termOf('a', 'x'));
    assert.notEqual(termOf('a\u00001', 1), termOf('a', 1));
    assert.ok(termOf('status', 'completed').startsWith('status\u0000'), 'all terms of a key share a prefix');
  });

  it('inlines values up to MAX_INLINE_BYTES of canonical UTF-8, and hashes longer ones', () => {
    const fits = 'x'.repeat(MAX_INLINE_BYTES - 2); // plus two quotes
    assert.equal(termOf('k', fits), `k\u0000"${fits}"`);
    const over = 'x'.repeat(MAX_INLINE_BYTES - 1);
    assert.match(termOf('k', over), /^k\u0000#[A-Za-z0-9_-]{43}$/);
    const multibyte = 'é'.repeat(48); // 50 characters of text but 98 bytes
    assert.match(termOf('k', multibyte), /^k\u0000#[A-Za-z0-9_-]{43}$/, 'measured in bytes, not characters');
  });

  it('keeps long values exact: equal long values share a term, any difference changes it', () => {
    const long = { description: 'd'.repeat(500), list: Array.from({ length: 50 }, (_, i) => i) };
    const reordered = { list: [...long.list], description: long.description };
    assert.equal(termOf('v', long), termOf('v', reordered));
    assert.notEqual(termOf('v', long), termOf('v', { ...long, description: `${'d'.repeat(499)}e` }));
    assert.notEqual(termOf('v', long), termOf('v', { ...long, list: [...long.list.slice(0, 49), '49'] }), '"49" is not 49, even hashed');
    assert.notEqual(termOf('v', long), termOf('w', long));
    assert.ok(Buffer.byteLength(termOf('v', long)) < 50, 'index rows stay small');
  });

  it('never confuses an inline value with a digest', () => {
    const digest = termOf('k', 'y'.repeat(200)).slice(2);
    assert.notEqual(termOf('k', digest), termOf('k', 'y'.repeat(200)));
  });

  it('agrees with matches() on 20000 random pairs of values', () => {
    const next = seeded(7);
    const pool = Array.from({ length: 60 }, () => randomValue(next, 3));
    // Re-serialised copies with shuffled keys and the same numbers: equal values, other objects.
    const shuffled = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(shuffled);
      if (typeof v !== 'object' || v === null) return v;
      const entries = Object.entries(v).sort(() => next() - 0.5);
      return Object.fromEntries(entries.map(([k, x]) => [k, shuffled(x)]));
    };
    let equalPairs = 0;
    for (let i = 0; i < 20000; i++) {
      const a = pick(next, pool);
      const b = next() < 0.3 ? shuffled(a) : pick(next, pool);
      const equal = matches({ k: a }, { match: [{ key: 'k', value: b }], matchNot: [] });
      assert.equal(same(a, b), equal, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      if (equal) equalPairs++;
    }
    assert.ok(equalPairs > 3000 && equalPairs < 17000, `both outcomes exercised: ${equalPairs}`);
  });
});

describe('canonical', () => {
  it('writes JSON that parses back to an equal value', () => {
    const value = { z: [1, 'two', null, { y: false, x: 2.5 }], a: { nested: 'é"\n' } };
    assert.deepEqual(JSON.parse(canonical(value)), value);
    assert.equal(canonical('\u0000'), '"\\u0000"', 'control characters are escaped');
  });
});

describe('docTerms', () => {
  it('gives one term per key the walk finds, from the found values', () => {
    const job = jobDoc({ jobId: 'j1', clientId: 'projA_host1', description: 'job-one', backupName: 'd1' });
    const terms = docTerms(job);
    assert.equal(terms.length, leafValues(job).size);
    assert.equal(new Set(terms).size, terms.length);
    assert.ok(terms.includes(termOf('backup_name', 'd1')));
    assert.ok(terms.includes(termOf('client_id', 'projA_host1')));
    assert.ok(terms.includes(termOf('job_schedule', { time_started: -1, time_ended: -1, time_created: 1795353923 })));
    assert.ok(!terms.some((t) => t.startsWith('status\u0000')), 'no term for a key the document lacks');
  });

  it('control: terms are the stored format exactly (sha256 of the whole canonical text), for deep, wide and large documents', () => {
    // The straightforward rendering, as terms were computed before they were built from pieces.
    const naive = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(naive).join(',')}]`;
      if (typeof v === 'object' && v !== null) {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${naive(o[k])}`).join(',')}}`;
      }
      return v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? 'null' : JSON.stringify(v);
    };
    const naiveTerm = (key: string, v: unknown) => {
      const text = naive(v);
      return Buffer.byteLength(text) <= MAX_INLINE_BYTES ? `${key}\u0000${text}` : `${key}\u0000#${createHash('sha256').update(text, 'utf8').digest('base64url')}`;
    };
    const next = seeded(11);
    const big = (n: number) => Array.from({ length: n }, (_, i) => String.fromCodePoint(0x41 + (i % 26), 0x1f600 + (i % 50), 0xe9)).join('');
    const docs: unknown[] = [
      { a: { b: { c: { d: big(40_000), e: [big(20_000), { f: big(5) }] } } } },
      { wide: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i % 3 ? big(3) : { n: i, s: big(9) }])) },
      Array.from({ length: 30 }, () => randomDoc(next, 6)),
    ];
    let deep: unknown = { leaf: big(30_000), lone: '\ud800x' };
    for (let i = 0; i < 40; i++) deep = i % 2 ? { [`l${i % 7}`]: deep, [`m${i}`]: i } : { [`m${i}`]: [i, deep] };
    docs.push(deep);
    for (const doc of docs) {
      const expected = [...leafValues(doc)].map(([k, v]) => naiveTerm(k, v));
      assert.deepEqual(docTerms(doc), expected);
      for (const [k, v] of leafValues(doc)) assert.equal(canonical(v), naive(v), k);
    }
  });

  it('has no term for what the walk cannot see', () => {
    assert.deepEqual(docTerms({ a: { a: 1 }, rows: [[{ hidden: 1 }]] }), [termOf('a', { a: 1 }), termOf('rows', [[{ hidden: 1 }]])]);
    assert.deepEqual(docTerms(null), []);
  });
});
