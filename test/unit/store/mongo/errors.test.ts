import assert from 'node:assert/strict';
import { StoreUnavailableError } from '../../../../src/errors';
import { DuplicateError } from '../../../../src/store/types';
import { duplicateOf } from '../../../../src/store/mongo/duplicate-of';
import { guard } from '../../../../src/store/mongo/guard';
import { isUnavailable } from '../../../../src/store/mongo/is-unavailable';

/** A driver-like error (the real classes carry these fields). */
function driverError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(String(fields.errmsg ?? name)), { name }, fields);
}

const which = (err: unknown) => duplicateOf(err)?.which;

describe('mongo duplicateOf', () => {
  it('names the id for the global id indexes', () => {
    assert.equal(which(driverError('MongoServerError', { code: 11000, keyPattern: { id: 1 }, keyValue: { id: 'j1' } })), 'id');
    assert.equal(which(driverError('MongoServerError', { code: 11000, keyPattern: { kind: 1, id: 1 } })), 'id');
  });

  it('names the key for the client key and the registry name', () => {
    assert.equal(which(driverError('MongoServerError', { code: 11000, keyPattern: { user_id: 1, project_id: 1, key: 1 } })), 'key');
    assert.equal(which(driverError('MongoServerError', { code: 11000, keyPattern: { kind: 1, name: 1 } })), 'key');
  });

  it('falls back on the index name in the message', () => {
    const msg = (index: string) => `E11000 duplicate key error collection: db.jobs index: ${index} dup key: { id: "j1" }`;
    assert.equal(which(driverError('MongoServerError', { code: 11000, errmsg: msg('id_unique') })), 'id');
    assert.equal(which(driverError('MongoServerError', { code: 11000, errmsg: msg('kind_id_unique') })), 'id');
    assert.equal(which(driverError('MongoServerError', { code: 11000, errmsg: msg('kind_name_unique') })), 'key');
  });

  it('ignores other errors', () => {
    assert.equal(duplicateOf(driverError('MongoServerError', { code: 2 })), null);
    assert.equal(duplicateOf(new Error('E11000')), null);
    assert.equal(duplicateOf(null), null);
    assert.equal(duplicateOf('11000'), null);
  });
});

describe('mongo isUnavailable', () => {
  it('recognises server selection, network and closed-connection errors', () => {
    for (const name of ['MongoServerSelectionError', 'MongooseServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoNotConnectedError', 'MongoTopologyClosedError']) {
      assert.ok(isUnavailable(driverError(name)), name);
    }
  });

  it('recognises primary step-down and shutdown codes', () => {
    for (const code of [91, 189, 10107, 11600, 11602, 13435]) assert.ok(isUnavailable(driverError('MongoServerError', { code })), String(code));
  });

  it("recognises mongoose's refusal while not connected", () => {
    const e = new Error('Cannot call `jobs.findOne()` before initial connection is complete if `bufferCommands = false`.');
    assert.ok(isUnavailable(e));
  });

  it('leaves bugs and refused writes alone', () => {
    assert.ok(!isUnavailable(driverError('MongoServerError', { code: 11000 })));
    assert.ok(!isUnavailable(new TypeError('x')));
    assert.ok(!isUnavailable(undefined));
  });
});

describe('mongo guard', () => {
  it('turns duplicates into DuplicateError and outages into StoreUnavailableError without driver text', async () => {
    await assert.rejects(
      guard(() => Promise.reject(driverError('MongoServerError', { code: 11000, keyPattern: { id: 1 } }))),
      (e: unknown) => e instanceof DuplicateError && e.which === 'id',
    );
    await assert.rejects(
      guard(() => Promise.reject(driverError('MongoServerSelectionError', { errmsg: 'connect ECONNREFUSED 10.0.0.1:27017' }))),
      (e: unknown) => e instanceof StoreUnavailableError && !e.message.includes('10.0.0.1'),
    );
  });

  it('passes results and other errors through', async () => {
    assert.equal(await guard(async () => 5), 5);
    const bug = new RangeError('bug');
    await assert.rejects(guard(() => Promise.reject(bug)), (e: unknown) => e === bug);
  });
});
