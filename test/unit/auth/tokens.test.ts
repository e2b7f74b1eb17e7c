import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { SigningKeys } from '../../../src/auth/signing-keys';
import { chainOf, type IssueInput, type TokenClaims, TokenIssuer, TokenVerifier } from '../../../src/auth/tokens';
import { loadConfig, type JwtSettings } from '../../../src/config/config';
import { UnauthorizedError } from '../../../src/errors';

const T0 = 1_700_000_000;
const TTL = 3600;
const LEEWAY = 30;

/** The built-in jwt settings, with overrides. */
const settings = (over: Partial<JwtSettings> = {}): JwtSettings => ({ ...loadConfig({}, {}).jwt, ttl_s: TTL, leeway_s: LEEWAY, ...over });

const INPUT: IssueInput = {
  sub: 'u-1',
  name: 'alice',
  project: 'p-1',
  project_name: 'backups',
  roles: ['member', 'reader'],
  methods: ['password'],
};

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const partsOf = (token: string) => token.split('.');
const payloadOf = (token: string) => JSON.parse(Buffer.from(partsOf(token)[1], 'base64url').toString()) as Record<string, unknown>;

/** A fake clock the tests move by hand. */
const clockAt = (start: number) => {
  const clock = { t: start, now: () => clock.t };
  return clock;
};

function assertRefused(verifier: TokenVerifier, token: string, reason?: RegExp): void {
  assert.throws(
    () => verifier.verify(token),
    (err: unknown) => {
      assert.ok(err instanceof UnauthorizedError, `expected UnauthorizedError, got ${String(err)}`);
      assert.equal(err.status, 401);
      assert.equal(err.message, 'The request you have made requires authentication.');
      if (reason) assert.match((err.cause as Error).message, reason);
      return true;
    },
  );
}

describe('tokens', () => {
  const secret = crypto.randomBytes(64);
  const hs: SigningKeys = { algorithm: 'HS256', signKey: secret, verifyKey: secret };
  let rs: SigningKeys;
  let rsPublicPem: string;
  before(() => {
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsPublicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    rs = { algorithm: 'RS256', signKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, verifyKey: pair.publicKey };
  });

  const issueAt = (t: number, keys: SigningKeys = hs, over: Partial<JwtSettings> = {}, input: IssueInput = INPUT) =>
    new TokenIssuer(keys, settings({ algorithm: keys.algorithm, ...over }), () => t).issue(input);
  const verifierAt = (t: number, keys: SigningKeys = hs, over: Partial<JwtSettings> = {}) =>
    new TokenVerifier(keys, settings({ algorithm: keys.algorithm, ...over }), 10000, () => t);
  /** Signs any payload with the HS256 test secret, by hand: jsonwebtoken's sign refuses ill-typed claims. */
  const signRaw = (payload: unknown) => {
    const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
    return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const validPayload = () => ({
    sub: 'u-1', name: 'alice', project: null, roles: ['member'], methods: ['password'], jti: 'j-1',
    iat: T0, nbf: T0, exp: T0 + TTL, iss: 'permafrost', aud: 'permafrost',
  });

  describe('TokenIssuer', () => {
    it('issues a compact HS256 JWT with short claims, iss, aud, nbf and a random jti', () => {
      const { token, claims } = issueAt(T0);
      assert.deepEqual(JSON.parse(Buffer.from(partsOf(token)[0], 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
      assert.match(claims.jti, /^[A-Za-z0-9_-]{22}$/);
      // A fresh login starts its own audit chain (ach = its jti).
      assert.deepEqual(claims, { ...INPUT, jti: claims.jti, ach: claims.jti, iat: T0, iat_ms: T0 * 1000, exp: T0 + TTL });
      assert.deepEqual(payloadOf(token), { ...claims, nbf: T0, iss: 'permafrost', aud: 'permafrost' });
      assert.notEqual(issueAt(T0).claims.jti, claims.jti);
    });

    it('keeps the audit chain it is given (a token derived from another)', () => {
      const parent = issueAt(T0).claims;
      const { token, claims } = issueAt(T0 + 5, hs, {}, { ...INPUT, methods: ['token', 'password'], ach: parent.ach });
      assert.equal(claims.ach, parent.jti);
      assert.notEqual(claims.jti, parent.jti);
      assert.equal(verifierAt(T0 + 5).verify(token).ach, parent.jti);
    });

    it('caps the expiry at expiresAt (a rescoped token never outlives its parent), but never extends it', () => {
      assert.equal(issueAt(T0, hs, {}, { ...INPUT, expiresAt: T0 + 100 }).claims.exp, T0 + 100);
      assert.equal(issueAt(T0, hs, {}, { ...INPUT, expiresAt: T0 + 10 * TTL }).claims.exp, T0 + TTL);
      assert.throws(() => issueAt(T0, hs, {}, { ...INPUT, expiresAt: NaN }), /expiresAt/);
    });

    it('carries the optional client and application credential ids', () => {
      const { token, claims } = issueAt(T0, hs, {}, { ...INPUT, project: null, project_name: undefined, cid: 'c-1', acid: 'ac-1' });
      assert.equal(claims.cid, 'c-1');
      assert.equal(claims.acid, 'ac-1');
      assert.ok(!('project_name' in claims));
      assert.deepEqual(verifierAt(T0).verify(token), claims);
    });

    it('refuses to issue without a signing key (verify-only replica)', () => {
      const replica: SigningKeys = { ...rs, signKey: null };
      assert.throws(() => new TokenIssuer(replica, settings({ algorithm: 'RS256' })).issue(INPUT), /verify-only replica/);
    });

    it('stamps the issue time in ms from the real clock, so a revocation earlier in the same second does not catch it', () => {
      for (let i = 0; i < 3; i++) {
        const before = Date.now();
        const { claims } = new TokenIssuer(hs, settings()).issue(INPUT);
        const after = Date.now();
        assert.ok(claims.iat_ms !== undefined && claims.iat_ms >= before && claims.iat_ms <= after, `${claims.iat_ms} in [${before}, ${after}]`);
        assert.equal(claims.iat, Math.floor(claims.iat_ms / 1000));
      }
    });
  });

  describe('TokenVerifier', () => {
    it('round-trips HS256', () => {
      const { token, claims } = issueAt(T0);
      assert.deepEqual(verifierAt(T0 + 5).verify(token), claims);
    });

    it('round-trips RS256, with the public key as KeyObject or PEM text', () => {
      const { token, claims } = issueAt(T0, rs);
      assert.equal(partsOf(token).length, 3);
      assert.deepEqual(verifierAt(T0, rs).verify(token), claims);
      assert.deepEqual(verifierAt(T0, { ...rs, verifyKey: rsPublicPem }).verify(token), claims);
    });

    it('works with the real clock by default', () => {
      const { token, claims } = new TokenIssuer(hs, settings()).issue(INPUT);
      assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 5);
      const verifier = new TokenVerifier(hs, settings());
      assert.deepEqual(verifier.verify(token), claims);
      assert.deepEqual(verifier.verify(token), claims, 'and again, from the cache');
    });

    it('refuses to run with an empty issuer or audience (jsonwebtoken would skip the check)', () => {
      for (const over of [{ issuer: '' }, { audience: '' }]) {
        assert.throws(() => new TokenVerifier(hs, settings(over)), { message: 'JWT issuer and audience must not be empty' });
      }
    });

    it('takes the verify key as a KeyObject too: a secret for HS256, a public or private RSA key for RS256', () => {
      const { token, claims } = issueAt(T0);
      assert.deepEqual(verifierAt(T0, { ...hs, verifyKey: crypto.createSecretKey(secret) }).verify(token), claims);
      const rsToken = issueAt(T0, rs);
      assert.deepEqual(verifierAt(T0, { ...rs, verifyKey: crypto.createPrivateKey(rs.signKey as string) }).verify(rsToken.token), rsToken.claims);
    });

    it('refuses a verify key of the wrong kind at construction', () => {
      const pub = rs.verifyKey as crypto.KeyObject;
      assert.throws(() => verifierAt(T0, { ...hs, verifyKey: pub }), { message: 'HS256 needs a secret verify key' });
      const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
      assert.throws(() => verifierAt(T0, { ...rs, verifyKey: ec }), { message: 'RS256 needs an RSA verify key' });
      assert.throws(() => verifierAt(T0, { ...rs, verifyKey: ec.export({ type: 'spki', format: 'pem' }) as string }), { message: 'RS256 needs an RSA verify key' });
    });

    it('refuses an expired token, tolerating leeway_s of clock skew', () => {
      const { token } = issueAt(T0);
      assert.equal(verifierAt(T0 + TTL + LEEWAY - 1).verify(token).sub, 'u-1');
      assertRefused(verifierAt(T0 + TTL + LEEWAY), token, /jwt expired/);
    });

    it('refuses a token that is not valid yet (nbf), tolerating leeway_s', () => {
      assert.equal(verifierAt(T0).verify(issueAt(T0 + LEEWAY).token).sub, 'u-1');
      assertRefused(verifierAt(T0), issueAt(T0 + LEEWAY + 1).token, /jwt not active/);
    });

    it('refuses a wrong issuer or audience', () => {
      const { token } = issueAt(T0);
      assertRefused(verifierAt(T0, hs, { issuer: 'someone-else' }), token, /jwt issuer invalid/);
      assertRefused(verifierAt(T0, hs, { audience: 'another-service' }), token, /jwt audience invalid/);
    });

    it('refuses a tampered payload (roles changed, signature kept)', () => {
      const { token } = issueAt(T0);
      const [header, , signature] = partsOf(token);
      const forged = `${header}.${b64url({ ...payloadOf(token), roles: ['admin'] })}.${signature}`;
      assertRefused(verifierAt(T0), forged, /invalid signature/);
      assertRefused(verifierAt(T0, rs), `${header}.${b64url({ ...payloadOf(issueAt(T0, rs).token), roles: ['admin'] })}.x`);
    });

    it('refuses an unsigned "alg: none" token', () => {
      const payload = b64url(payloadOf(issueAt(T0).token));
      const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`;
      assertRefused(verifierAt(T0), unsigned, /signature is required/);
      assertRefused(verifierAt(T0, rs), unsigned);
    });

    it('refuses an HS256 token whose HMAC key is the RS256 public key (algorithm confusion)', () => {
      const header = b64url({ alg: 'HS256', typ: 'JWT' });
      const payload = b64url(payloadOf(issueAt(T0, rs).token));
      const mac = crypto.createHmac('sha256', rsPublicPem).update(`${header}.${payload}`).digest('base64url');
      assertRefused(verifierAt(T0, rs), `${header}.${payload}.${mac}`, /invalid algorithm/);
      assertRefused(verifierAt(T0, { ...rs, verifyKey: rsPublicPem }), `${header}.${payload}.${mac}`, /invalid algorithm/);
    });

    it('refuses other HMAC variants than the configured one (the algorithm is pinned, not inferred)', () => {
      const payload = b64url(payloadOf(issueAt(T0).token));
      for (const [alg, hash] of [['HS384', 'sha384'], ['HS512', 'sha512']]) {
        const input = `${b64url({ alg, typ: 'JWT' })}.${payload}`;
        const token = `${input}.${crypto.createHmac(hash, secret).update(input).digest('base64url')}`;
        assertRefused(verifierAt(T0), token, /invalid algorithm/);
      }
    });

    it('refuses an RS256 token where HS256 is configured', () => {
      assertRefused(verifierAt(T0), issueAt(T0, rs).token, /invalid algorithm/);
    });

    it('refuses a token signed with another secret', () => {
      const other = crypto.randomBytes(64);
      const { token } = issueAt(T0, { algorithm: 'HS256', signKey: other, verifyKey: other });
      assertRefused(verifierAt(T0), token, /invalid signature/);
    });

    it('refuses garbage', () => {
      for (const junk of ['', 'abc', 'a.b.c', 'Bearer x.y.z', `${b64url({ alg: 'HS256' })}.bm90IGpzb24.`]) {
        assertRefused(verifierAt(T0), junk);
      }
    });

    it('accepts a well-formed token signed elsewhere, returning only the known claims', () => {
      const claims = verifierAt(T0).verify(signRaw({ ...validPayload(), extra: 'dropped' }));
      assert.deepEqual(claims, {
        sub: 'u-1', name: 'alice', project: null, roles: ['member'], methods: ['password'], jti: 'j-1', iat: T0, exp: T0 + TTL,
      });
      assert.equal(verifierAt(T0).verify(signRaw({ ...validPayload(), project: 'p', project_name: null })).project_name, null, 'a null project_name');
    });

    it('accepts a token without nbf, from the cache too', () => {
      const payload: Record<string, unknown> = validPayload();
      delete payload.nbf;
      const verifier = verifierAt(T0);
      const token = signRaw(payload);
      assert.equal(verifier.verify(token).sub, 'u-1');
      assert.equal(verifier.verify(token).sub, 'u-1');
      assert.equal(verifier.cachedCount, 1);
    });

    it('refuses properly signed tokens with missing or ill-typed claims', () => {
      const bad: Array<Record<string, unknown>> = [
        { sub: undefined }, { sub: '' }, { sub: 42 },
        { name: undefined }, { name: ['alice'] },
        { project: undefined }, { project: 7 },
        { project_name: 7 },
        { roles: undefined }, { roles: 'admin' }, { roles: ['member', 1] },
        { methods: undefined }, { methods: [null] },
        { jti: undefined }, { jti: '' },
        { iat: undefined }, { iat: 'yesterday' }, { iat_ms: 'soon' },
        { exp: undefined }, { exp: '2100-01-01' },
        { cid: 5 }, { acid: false }, { ach: 9 }, { ach: '' },
        { iss: undefined }, { aud: undefined },
      ];
      for (const change of bad) {
        const payload: Record<string, unknown> = { ...validPayload(), ...change };
        for (const key of Object.keys(change)) if (change[key] === undefined) delete payload[key];
        const token = signRaw(payload);
        assert.equal(JSON.stringify(payloadOf(token)), JSON.stringify(payload), 'signed as given');
        const key = Object.keys(change)[0];
        assertRefused(verifierAt(T0), token, new RegExp(`\\b${key}`));
      }
      assertRefused(verifierAt(T0), signRaw('just a string'));
      assertRefused(verifierAt(T0), signRaw([validPayload()]));
      assertRefused(verifierAt(T0), signRaw({ ...validPayload(), roles: 'admin' }), /claim "roles"/);
    });

    it('returns frozen claims, so a caller cannot alter what the cache hands to the next request', () => {
      const verifier = verifierAt(T0);
      const { token } = issueAt(T0);
      const claims = verifier.verify(token);
      assert.throws(() => claims.roles.push('admin'), TypeError);
      assert.throws(() => {
        claims.sub = 'someone-else';
      }, TypeError);
      assert.deepEqual(verifier.verify(token).roles, INPUT.roles);
    });
  });

  describe('chainOf', () => {
    it("is the token's audit chain, or for a token from before chains its own jti", () => {
      const claims: TokenClaims = { sub: 'u', name: 'n', project: null, roles: [], methods: ['password'], jti: 'j-2', iat: T0, exp: T0 + 1 };
      assert.equal(chainOf({ ...claims, ach: 'j-1' }), 'j-1');
      assert.equal(chainOf(claims), 'j-2');
    });
  });

  describe('TokenVerifier cache', () => {
    it('serves a repeated token from the cache but still expires it on time', () => {
      const clock = clockAt(T0);
      const verifier = new TokenVerifier(hs, settings(), 10, clock.now);
      const { token, claims } = issueAt(T0);
      assert.deepEqual(verifier.verify(token), claims);
      assert.equal(verifier.cachedCount, 1);

      clock.t = T0 + TTL + LEEWAY - 1;
      assert.equal(verifier.verify(token), verifier.verify(token), 'the same cached object');
      assert.equal(verifier.cachedCount, 1);

      clock.t = T0 + TTL + LEEWAY;
      assertRefused(verifier, token, /expired/);
      assert.equal(verifier.cachedCount, 0, 'the expired entry is dropped');
      assertRefused(verifier, token, /jwt expired/);
    });

    it('honours nbf on a hit, should the clock step back', () => {
      const clock = clockAt(T0);
      const verifier = new TokenVerifier(hs, settings(), 10, clock.now);
      const { token } = issueAt(T0);
      verifier.verify(token);
      clock.t = T0 - LEEWAY;
      assert.equal(verifier.verify(token).sub, 'u-1');
      clock.t = T0 - LEEWAY - 1;
      assertRefused(verifier, token, /not yet valid/);
    });

    it('never caches failures', () => {
      const verifier = new TokenVerifier(hs, settings(), 10, () => T0);
      const { token } = issueAt(T0);
      assertRefused(verifier, `${token}x`);
      assertRefused(verifier, issueAt(T0 - 2 * TTL).token);
      assertRefused(verifier, signRaw({ ...validPayload(), roles: 'admin' }));
      assert.equal(verifier.cachedCount, 0);
      verifier.verify(token);
      assert.equal(verifier.cachedCount, 1);
    });

    it('stays within its bound, evicting the oldest entry first', () => {
      const verifier = new TokenVerifier(hs, settings(), 3, () => T0);
      const tokens = Array.from({ length: 4 }, () => issueAt(T0).token);
      // A hit hands back the very object cached at the first verification; a miss builds a new one.
      const first = tokens.map((token) => verifier.verify(token));
      assert.equal(verifier.cachedCount, 3);
      assert.equal(verifier.verify(tokens[3]), first[3]);
      assert.equal(verifier.verify(tokens[2]), first[2]);
      assert.equal(verifier.verify(tokens[1]), first[1]);
      const again = verifier.verify(tokens[0]);
      assert.notEqual(again, first[0], 'the oldest entry was evicted and verified afresh');
      assert.deepEqual(again, first[0]);
      assert.equal(verifier.cachedCount, 3);
    });

    it('never grows beyond its bound', () => {
      const verifier = new TokenVerifier(hs, settings(), 5, () => T0);
      for (let i = 0; i < 50; i++) {
        verifier.verify(issueAt(T0).token);
        assert.ok(verifier.cachedCount <= 5);
      }
      assert.equal(verifier.cachedCount, 5);
    });

    it('can be disabled with a size of 0', () => {
      const verifier = new TokenVerifier(hs, settings(), 0, () => T0);
      const { token, claims } = issueAt(T0);
      assert.deepEqual(verifier.verify(token), claims);
      assert.equal(verifier.cachedCount, 0);
    });
  });
});
