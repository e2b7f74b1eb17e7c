import assert from 'node:assert/strict';
import mongoose, { type Connection } from 'mongoose';
import { StoreUnavailableError } from '../../../../src/errors';
import { parseSearch, termOf } from '../../../../src/search';
import { entryIndexes, registryIndexes } from '../../../../src/store/mongo/indexes';
import { modelsOf, type Models } from '../../../../src/store/mongo/models';
import { MongoRegistry } from '../../../../src/store/mongo/mongo-registry';
import { MongoRepository } from '../../../../src/store/mongo/mongo-repository';
import { registryNameFilter, searchPlan } from '../../../../src/store/mongo/translate';
import { COLLECTIONS, type Scope } from '../../../../src/store/types';

/**
 * The mongoose side without a server: models on a connection that is never opened. Checks the
 * indexes they declare, that mongoose's query casting keeps the translated filters as they are,
 * and that calls while not connected fail at once as "unavailable" (bufferCommands is off).
 */
describe('mongo models (no server)', () => {
  let conn: Connection;
  let models: Models;
  const scope: Scope = { userId: 'alice', projectId: 'projA' };

  before(() => {
    conn = mongoose.createConnection();
    models = modelsOf(conn);
  });
  after(() => conn.close());

  it('declares the indexes of indexes.ts on every collection and the registry', () => {
    // Mongoose adds `background: true` to every index's options.
    const declared = (m: { schema: { indexes(): unknown[] } }) =>
      (m.schema.indexes() as Array<[unknown, Record<string, unknown>]>).map(([fields, { background: _, ...options }]) => [fields, options]);
    for (const c of COLLECTIONS) {
      assert.deepEqual(declared(models.entries.get(c)!), entryIndexes(c).map((s) => [s.fields, s.options]), c);
    }
    assert.deepEqual(declared(models.registry), registryIndexes().map((s) => [s.fields, s.options]));
    assert.deepEqual(
      entryIndexes('clients').map((s) => s.options.name),
      ['id_unique', 'scope_key_unique', 'scope_seq', 'user_seq', 'scope_terms_seq', 'seq_unique'],
    );
    assert.ok(entryIndexes('clients').some((s) => s.options.name === 'scope_key_unique'));
    assert.ok(!entryIndexes('jobs').some((s) => s.options.name === 'scope_key_unique'));
  });

  it('casts a search filter without changing it: operators stay ours, values stay term strings', () => {
    const search = parseSearch({ match: [{ $where: '1' }, { 'a.b': { $ne: null } }], match_not: [{ x: '$gt' }] });
    const { filter } = searchPlan(scope, search);
    const query = models.entries.get('jobs')!.find(filter);
    query.cast();
    assert.deepEqual(query.getFilter(), {
      user_id: 'alice',
      project_id: 'projA',
      terms: { $all: [termOf('$where', '1'), termOf('a.b', { $ne: null })], $nin: [termOf('x', '$gt')] },
    });
  });

  it('casts the registry name lookup unchanged', () => {
    const query = models.registry.findOne(registryNameFilter('users', 'admin'));
    query.cast();
    assert.deepEqual(query.getFilter(), { kind: 'users', name: { $eq: 'admin' } });
  });

  it('fails at once with StoreUnavailableError while not connected', async () => {
    const repo = new MongoRepository(models.entries.get('jobs')!, models.counters, 'jobs');
    await assert.rejects(repo.get(scope, 'j1'), StoreUnavailableError);
    await assert.rejects(repo.listJson(scope, { search: null, limit: 10, offset: 0 }), StoreUnavailableError);
    await assert.rejects(repo.insert(scope, { id: 'j1', key: 'j1', doc: {} }), StoreUnavailableError);
    const registry = new MongoRegistry(models.registry, models.counters, 'users');
    await assert.rejects(registry.list(), StoreUnavailableError);
  });

  it('answers an empty page without asking the database', async () => {
    const repo = new MongoRepository(models.entries.get('jobs')!, models.counters, 'jobs');
    assert.deepEqual(await repo.listJson(scope, { search: null, limit: 0, offset: 0 }), []);
  });
});
