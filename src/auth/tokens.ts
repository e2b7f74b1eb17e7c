import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtSettings } from '../config/config';
import { UnauthorizedError } from '../errors';
import type { SigningKeys } from './signing-keys';

/** What a token says about its bearer. Names are short: tokens travel in every request header. */
export interface TokenClaims {
  /** User id. */
  sub: string;
  /** User name. */
  name: string;
  project: string | null;
  project_name?: string | null;
  roles: string[];
  /** How the bearer authenticated (password, token, application_credential, ...). */
  methods: string[];
  jti: string;
  iat: number;
  /**
   * Issue time in ms: revocation events are timed in ms, and a token issued in the same second
   * as, but after, a revocation (a new login after a password change) must not be caught by it.
   */
  iat_ms?: number;
  exp: number;
  /** Client id the token is limited to. */
  cid?: string;
  /** Application credential the token was issued for. */
  acid?: string;
  /**
   * Audit chain: the jti of the first token of a login, inherited by every token derived from it
   * (token method), so a logout can end them all. Tokens issued before chains existed lack it;
   * their own jti stands in (see chainOf).
   */
  ach?: string;
}

/** What the caller decides about a new token; the issuer adds its id and times. */
export interface IssueInput extends Omit<TokenClaims, 'jti' | 'iat' | 'iat_ms' | 'exp' | 'ach'> {
  /** The chain of the token this one is derived from; absent: the new token starts a chain. */
  ach?: string;
  /** Epoch seconds the token must not outlive, e.g. the expiry of the token it was rescoped from. */
  expiresAt?: number;
}

/** No token lives longer than a week (the most jwt.ttl_s and `token issue --ttl` accept). */
export const MAX_TOKEN_TTL_S = 604_800;

/** Current time in whole epoch seconds; injectable so tests can move time. */
export type Clock = () => number;

const systemClock: Clock = () => Math.floor(Date.now() / 1000);

const AUTH_REQUIRED = 'The request you have made requires authentication.';

/** Mints signed tokens. */
export class TokenIssuer {
  private readonly signKey: KeyObject | null;

  constructor(
    private readonly keys: SigningKeys,
    private readonly settings: JwtSettings,
    private readonly now: Clock = systemClock,
  ) {
    // Parsed once: jsonwebtoken would otherwise parse the key material on every sign.
    this.signKey = keys.signKey === null ? null : toSignKey(keys.algorithm, keys.signKey);
  }

  issue(input: IssueInput): { token: string; claims: TokenClaims } {
    if (this.signKey === null) {
      throw new Error('cannot issue tokens: only the JWT public key is configured (verify-only replica)');
    }
    if (input.expiresAt !== undefined && !Number.isFinite(input.expiresAt)) {
      throw new Error(`expiresAt must be epoch seconds, got ${input.expiresAt}`);
    }
    // One reading of the clock gives both resolutions (an injected test clock has seconds only).
    const nowMs = this.now === systemClock ? Date.now() : this.now() * 1000;
    const now = Math.floor(nowMs / 1000);
    const exp = Math.floor(Math.min(now + this.settings.ttl_s, input.expiresAt ?? Infinity));
    const jti = crypto.randomBytes(16).toString('base64url');
    const claims = freezeClaims({
      sub: input.sub,
      name: input.name,
      project: input.project,
      project_name: input.project_name,
      roles: input.roles,
      methods: input.methods,
      jti,
      iat: now,
      iat_ms: nowMs,
      exp,
      cid: input.cid,
      acid: input.acid,
      ach: input.ach ?? jti,
    });
    const payload = { ...claims, nbf: now, iss: this.settings.issuer, aud: this.settings.audience };
    const token = jwt.sign(payload, this.signKey, { algorithm: this.keys.algorithm });
    return { token, claims };
  }
}

interface CacheEntry {
  claims: TokenClaims;
  nbf: number;
}

/**
 * Checks tokens on every request. Full verification (signature, JSON parsing) costs tens of
 * microseconds, so verified tokens are remembered in a bounded cache; a hit still enforces exp and
 * nbf against the current time, so a cached token expires exactly when an uncached one would.
 * Failures are never cached: the cache only ever holds tokens that passed full verification.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly verifyKey: KeyObject;
  private readonly options: jwt.VerifyOptions;

  constructor(
    keys: SigningKeys,
    private readonly settings: JwtSettings,
    private readonly cacheSize = 10000,
    private readonly now: Clock = systemClock,
  ) {
    // jsonwebtoken skips the issuer/audience checks when they are empty; refuse to run that way.
    if (!settings.issuer || !settings.audience) throw new Error('JWT issuer and audience must not be empty');
    this.verifyKey = toVerifyKey(keys.algorithm, keys.verifyKey);
    this.options = {
      // Pinned: the token's own header never chooses the algorithm (no "none", no RS256/HS256 confusion).
      algorithms: [keys.algorithm],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: settings.leeway_s,
    };
  }

  /** The token's claims, or UnauthorizedError (with the reason as `cause`, for logs). */
  verify(token: string): TokenClaims {
    const now = this.now();
    const hit = this.cache.get(token);
    if (hit !== undefined) {
      if (this.isCurrent(hit, now)) return hit.claims;
      this.cache.delete(token);
      throw unauthorized(new Error('token expired or not yet valid'));
    }
    const entry = this.verifyFully(token, now);
    this.remember(token, entry);
    return entry.claims;
  }

  /** How many tokens are cached (for metrics and tests). */
  get cachedCount(): number {
    return this.cache.size;
  }

  /** The same comparisons jsonwebtoken makes, so hits and misses agree on the boundaries. */
  private isCurrent(entry: CacheEntry, now: number): boolean {
    const leeway = this.settings.leeway_s;
    return now < entry.claims.exp + leeway && entry.nbf <= now + leeway;
  }

  private verifyFully(token: string, now: number): CacheEntry {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.verifyKey, { ...this.options, clockTimestamp: now });
    } catch (err) {
      throw unauthorized(err);
    }
    const problem = claimsProblem(payload);
    if (problem !== null) throw unauthorized(new Error(problem));
    const record = payload as Record<string, unknown>;
    return { claims: freezeClaims(record as unknown as TokenClaims), nbf: typeof record.nbf === 'number' ? record.nbf : -Infinity };
  }

  /** Insertion-ordered Map: the first key is the oldest entry, evicted when full. */
  private remember(token: string, entry: CacheEntry): void {
    if (this.cacheSize <= 0) return;
    while (this.cache.size >= this.cacheSize) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(token, entry);
  }
}

function unauthorized(cause: unknown): UnauthorizedError {
  const err = new UnauthorizedError(AUTH_REQUIRED);
  err.cause = cause;
  return err;
}

/**
 * Why a verified payload is not one of our tokens, or null. The signature only proves who signed
 * it; the shapes are checked here so the rest of the code can trust the TokenClaims type.
 */
function claimsProblem(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'payload is not an object';
  const p = payload as Record<string, unknown>;
  const checks: Array<[string, (v: unknown) => boolean]> = [
    ['sub', isNonEmptyString],
    ['name', isString],
    ['project', (v) => isString(v) || v === null],
    ['project_name', (v) => v === undefined || v === null || isString(v)],
    ['roles', isStringArray],
    ['methods', isStringArray],
    ['jti', isNonEmptyString],
    ['iat', Number.isFinite],
    ['iat_ms', (v) => v === undefined || Number.isFinite(v)],
    ['exp', Number.isFinite],
    ['cid', (v) => v === undefined || isString(v)],
    ['acid', (v) => v === undefined || isString(v)],
    ['ach', (v) => v === undefined || isNonEmptyString(v)],
  ];
  for (const [name, valid] of checks) {
    if (!valid(p[name])) return `claim "${name}" is missing or ill-typed`;
  }
  return null;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNonEmptyString = (v: unknown): boolean => isString(v) && v.length > 0;
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every(isString);

/**
 * Copies exactly the TokenClaims fields (dropping iss, aud, nbf and anything unknown) and freezes
 * them: cached claims are shared by every request bearing the token, so nobody may mutate them.
 */
function freezeClaims(c: TokenClaims): TokenClaims {
  const claims: TokenClaims = {
    sub: c.sub,
    name: c.name,
    project: c.project,
    roles: Object.freeze([...c.roles]) as string[],
    methods: Object.freeze([...c.methods]) as string[],
    jti: c.jti,
    iat: c.iat,
    exp: c.exp,
  };
  if (c.iat_ms !== undefined) claims.iat_ms = c.iat_ms;
  if (c.project_name !== undefined) claims.project_name = c.project_name;
  if (c.cid !== undefined) claims.cid = c.cid;
  if (c.acid !== undefined) claims.acid = c.acid;
  if (c.ach !== undefined) claims.ach = c.ach;
  return Object.freeze(claims);
}

/** The token's audit chain: its `ach`, or for a token issued before chains existed, its own jti. */
export function chainOf(claims: TokenClaims): string {
  return claims.ach ?? claims.jti;
}

function toSignKey(algorithm: SigningKeys['algorithm'], key: Buffer | string): KeyObject {
  return algorithm === 'HS256' ? crypto.createSecretKey(Buffer.from(key)) : crypto.createPrivateKey(key);
}

/** Parsed once: jsonwebtoken would otherwise parse the key material on every request. */
function toVerifyKey(algorithm: SigningKeys['algorithm'], key: Buffer | string | KeyObject): KeyObject {
  if (algorithm === 'HS256') {
    if (key instanceof crypto.KeyObject) {
      if (key.type !== 'secret') throw new Error('HS256 needs a secret verify key');
      return key;
    }
    return crypto.createSecretKey(Buffer.from(key));
  }
  // createPublicKey also accepts a private key and derives its public half.
  const publicKey = key instanceof crypto.KeyObject && key.type === 'public' ? key : crypto.createPublicKey(key);
  if (publicKey.asymmetricKeyType !== 'rsa') throw new Error('RS256 needs an RSA verify key');
  return publicKey;
}
