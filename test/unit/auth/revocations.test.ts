import assert from 'node:assert/strict';
import type { TokenClaims } from '../../../src/auth/tokens';
import { RevocationsService } from '../../../src/services/identity';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/types';

describe('RevocationsService', () => {
  let store: Store;
  let now = 1_000_000;
  const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
    sub: 'u1', name: 'u', project: 'p1', roles: ['member'], methods: ['password'], jti: 'j1', iat: 990, iat_ms: 990_000, exp: 5000, ...over,
  });
  beforeEach(async () => {
    now = 1_000_000;
    store = new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 });
    await store.start();
  });
  afterEach(() => store.stop());

  it('refuses tokens matching an event issued before it, by jti, user, project or credential', async () => {
    const r = new RevocationsService(store, 3600_000, () => now);
    await r.revoke('sub', 'u1');
    assert.equal(r.isRevoked(claims()), true);
    assert.equal(r.isRevoked(claims({ sub: 'u2' })), false);
    assert.equal(r.isRevoked(claims({ iat: 1000, iat_ms: 1_000_001 })), false, 'issued after the event');
    assert.equal(r.isRevoked(claims({ iat: 1000, iat_ms: undefined })), true, 'second resolution errs towards refusing');
    await r.revoke('jti', 'j9');
    await r.revoke('project', 'p7');
    await r.revoke('acid', 'c1');
    assert.equal(r.isRevoked(claims({ sub: 'x', jti: 'j9' })), true);
    assert.equal(r.isRevoked(claims({ sub: 'x', project: 'p7' })), true);
    assert.equal(r.isRevoked(claims({ sub: 'x', acid: 'c1' })), true);
    assert.equal(r.isRevoked(claims({ sub: 'x', acid: 'c2' })), false);
  });

  it('trust 10: a chain event refuses every token of the audit chain, and a legacy token (no ach) by its own jti', async () => {
    const r = new RevocationsService(store, 3600_000, () => now);
    await r.revoke('chain', 'root-jti');
    assert.equal(r.isRevoked(claims({ jti: 'root-jti', ach: 'root-jti' })), true, 'the first token of the login');
    assert.equal(r.isRevoked(claims({ jti: 'child', ach: 'root-jti' })), true, 'a token derived from it');
    assert.equal(r.isRevoked(claims({ jti: 'root-jti' })), true, 'a token minted before chains existed');
    assert.equal(r.isRevoked(claims({ jti: 'other', ach: 'other' })), false, 'another login');
    await r.refresh();
    assert.equal(r.isRevoked(claims({ jti: 'child', ach: 'root-jti' })), true, 'the same after reloading from the store');
  });

  it('a later event on the same value widens the revocation; a token issued after both passes', async () => {
    const r = new RevocationsService(store, 3600_000, () => now);
    await r.revoke('sub', 'u1');
    now += 5000;
    await r.revoke('sub', 'u1');
    assert.equal(r.isRevoked(claims({ iat: 1002, iat_ms: 1_002_000 })), true, 'between the two events');
    assert.equal(r.isRevoked(claims({ iat: 1006, iat_ms: 1_005_001 })), false, 'after both');
    await r.refresh();
    assert.equal(r.isRevoked(claims({ iat: 1002, iat_ms: 1_002_000 })), true, 'the same after reloading from the store');
  });

  it('other processes see events after a refresh; expired events are purged', async () => {
    const writer = new RevocationsService(store, 3600_000, () => now);
    const reader = new RevocationsService(store, 3600_000, () => now);
    await reader.refresh();
    await writer.revoke('sub', 'u1');
    assert.equal(reader.isRevoked(claims()), false, 'not yet refreshed');
    await reader.refresh();
    assert.equal(reader.isRevoked(claims()), true);
    now += 3600_001;
    await reader.refresh();
    assert.equal(reader.isRevoked(claims()), false);
    assert.deepEqual(await store.registry('revocations').list(), []);
  });
});
