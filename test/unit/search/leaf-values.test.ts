import assert from 'node:assert/strict';
import { leafValues } from '../../../src/search';
import { allNames, jobDoc, naiveFind, randomDoc, seeded } from './fixtures';

describe('leafValues (spec A.5.2 step 4)', () => {
  it('finds every key of a real Freezer job, backup_name inside job_actions[].freezer_action', () => {
    const job = jobDoc({ jobId: 'j1', clientId: 'projA_host1', description: 'job-one', backupName: 'd1', status: 'scheduled' });
    const found = leafValues(job);
    assert.equal(found.get('backup_name'), 'd1');
    assert.equal(found.get('client_id'), 'projA_host1');
    assert.equal(found.get('status'), 'scheduled');
    assert.equal(found.get('time_started'), -1);
    assert.equal(found.get('max_retries'), 1);
    assert.deepEqual(found.get('job_schedule'), job.job_schedule, 'an object-valued property is found too');
    assert.equal(found.get('job_actions'), job.job_actions);
    assert.equal(found.has('job_schedule.status'), false, 'dotted paths are never found');
  });

  it('lets the last occurrence in document order win (user_id: top level, then inside job_actions)', () => {
    const job = jobDoc({ jobId: 'j1', clientId: 'c', description: 'd' });
    (job.job_actions as Array<Record<string, unknown>>)[0].user_id = 'from-action';
    assert.equal(leafValues(job).get('user_id'), 'from-action');
    const actions = [{ freezer_action: { backup_name: 'first' } }, { freezer_action: { backup_name: 'second' } }];
    assert.equal(leafValues({ backup_name: 'top', job_actions: actions }).get('backup_name'), 'second');
    assert.equal(leafValues({ job_actions: actions, backup_name: 'top' }).get('backup_name'), 'top');
    assert.equal(leafValues({ x: { k: 1 }, k: 2 }).get('k'), 2);
    assert.equal(leafValues({ k: 2, x: { k: 1 } }).get('k'), 1);
  });

  it('descends into the object elements of arrays only, never into arrays of arrays', () => {
    const found = leafValues({ rows: [[{ deep: 1 }]], items: [1, 'two', null, { k: 'in-array' }, [{ k: 'nested' }]] });
    assert.equal(found.has('deep'), false);
    assert.equal(found.get('k'), 'in-array');
    assert.equal(leafValues([{ k: 1 }, [{ k: 2 }], 'x']).get('k'), 1, 'a top-level array is walked like any array');
  });

  it('ignores a key inside a property of the same name (the walk does not descend into it)', () => {
    const found = leafValues({ a: { a: 1, b: 2 } });
    assert.deepEqual(found.get('a'), { a: 1, b: 2 });
    assert.equal(found.get('b'), 2, 'other keys are still found inside it');
    const deeper = leafValues({ a: { x: [{ a: 'inner' }] }, y: { a: 'later' } });
    assert.equal(deeper.get('a'), 'later');
    assert.deepEqual(leafValues({ a: { x: [{ a: 'inner' }] } }).get('a'), { x: [{ a: 'inner' }] });
  });

  it('unblocks a name again after leaving its property', () => {
    assert.equal(leafValues({ a: { b: 1 }, c: { a: 'second' } }).get('a'), 'second');
  });

  it('never finds a dotted path, but does find a property literally named with a dot', () => {
    assert.equal(leafValues({ job_schedule: { status: 'x' } }).has('job_schedule.status'), false);
    assert.equal(leafValues({ 'job_schedule.status': 'literal' }).get('job_schedule.status'), 'literal');
  });

  it('records null values, and treats undefined properties as absent (as JSON would)', () => {
    const found = leafValues({ a: null, b: undefined });
    assert.equal(found.has('a'), true);
    assert.equal(found.get('a'), null);
    assert.equal(found.has('b'), false);
  });

  it('finds nothing in scalars', () => {
    for (const doc of [null, undefined, 1, 'str', true]) assert.equal(leafValues(doc).size, 0);
  });

  it('agrees with a naive walk per key on 3000 random nested documents', () => {
    const next = seeded(20240521);
    let blockedSeen = 0;
    let overwriteSeen = 0;
    let hiddenSeen = 0;
    for (let i = 0; i < 3000; i++) {
      const doc = randomDoc(next, 4);
      const found = leafValues(doc);
      const names = allNames(doc);
      for (const name of [...names, 'never-there']) {
        const naive = naiveFind(doc, name);
        const where = `doc #${i} ${JSON.stringify(doc)}, key ${name}`;
        assert.equal(found.has(name), naive.found, where);
        // Identity, not deep equality: the very same occurrence must win.
        assert.ok(Object.is(found.get(name), naive.value), where);
        if (!naive.found) hiddenSeen++;
      }
      for (const name of found.keys()) assert.ok(names.has(name));
      const text = JSON.stringify(doc);
      if (/"a":\{[^}]*"a":/.test(text)) blockedSeen++;
      if ((text.match(/"b":/g) ?? []).length > 1) overwriteSeen++;
    }
    // The generator must actually produce the cases the walk rules are about.
    assert.ok(blockedSeen > 100, `nested same-name properties: ${blockedSeen}`);
    assert.ok(overwriteSeen > 100, `repeated names: ${overwriteSeen}`);
    assert.ok(hiddenSeen > 50, `names only reachable through arrays of arrays: ${hiddenSeen}`);
  });
});
