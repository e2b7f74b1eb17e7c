import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { bootstrapIdentity } from '../services/identity/bootstrap';
import { IdentityServices, RevocationsService } from '../services/identity';
import type { Store } from '../store/types';
import type { Validator } from '../validation';
import type { Authenticator } from './identity';
import { JwtAuthenticator } from './jwt-authenticator';
import { KeystoneAuthenticator } from './keystone-authenticator';
import { NoauthAuthenticator } from './noauth';
import { LoginThrottle } from './login-throttle';
import { AllowAllPolicy, type Policy } from './policy';
import { RulePolicy } from './rule-policy';
import { loadSigningKeys } from './signing-keys';
import { MAX_TOKEN_TTL_S, TokenIssuer, TokenVerifier } from './tokens';

export interface AuthSetup {
  authenticator: Authenticator;
  policy: Policy;
  /** auth=jwt only: the identity services behind /v3. */
  identity: IdentityServices | null;
  stop(): void;
}

/**
 * The identity services over a started store: the server's (which generates missing signing keys
 * on first start), and the admin subcommands' (`generateKeys` false: they never create state).
 * `log` receives the throttle's warnings (failed and throttled logins).
 */
export function createIdentity(
  config: Pick<Config, 'jwt' | 'data_dir' | 'login_throttle'>,
  store: Store,
  validator: Validator,
  opts: { log?: Logger; generateKeys?: boolean } = {},
): IdentityServices {
  const keys = loadSigningKeys(config.jwt, config.data_dir, opts.generateKeys ?? true);
  // Events are kept for the longest lifetime any token can have (not the configured one, which
  // may have been longer when older tokens were issued, or overridden by `token issue --ttl`).
  const revocations = new RevocationsService(store, (MAX_TOKEN_TTL_S + config.jwt.leeway_s) * 1000);
  const throttle = new LoginThrottle(config.login_throttle, opts.log ?? null);
  return new IdentityServices(
    { store, validator, revocations, throttle, now: Date.now },
    { issuer: keys.signKey === null ? null : new TokenIssuer(keys, config.jwt), verifier: new TokenVerifier(keys, config.jwt) },
  );
}

/** Builds the configured auth mode: who the caller is (authenticator) and what they may do (policy). */
export async function setupAuth(config: Config, store: Store, validator: Validator, log: Logger): Promise<AuthSetup> {
  const policy: Policy =
    config.policy_file !== null || config.auth !== 'noauth' ? RulePolicy.fromFile(config.policy_file, log) : new AllowAllPolicy();
  if (config.auth === 'noauth') {
    log.warn(
      { user: config.noauth.user_id, project: config.noauth.project_id },
      'AUTH IS DISABLED (noauth): identity headers are trusted as sent; do not expose this server',
    );
    return { authenticator: new NoauthAuthenticator(config.noauth), policy, identity: null, stop: () => undefined };
  }
  if (config.auth === 'keystone') {
    return { authenticator: new KeystoneAuthenticator(config.keystone, log, cloudAdminProject(config)), policy, identity: null, stop: () => undefined };
  }
  const identity = createIdentity(config, store, validator, { log });
  await identity.deps.revocations.start();
  if (identity.canIssue) {
    const outcome = await bootstrapIdentity(identity, config);
    if (outcome.created) log.info({ user: outcome.created, project: config.bootstrap.admin_project }, 'created the admin user');
    if (outcome.passwordFile) {
      log.warn({ file: outcome.passwordFile }, 'no users yet: generated a first admin password into this file (owner-only); log in as admin and change it');
    }
  }
  const adminProject = cloudAdminProject(config);
  if (!(await identity.projects.find(adminProject).catch(() => null))) {
    log.warn({ project: adminProject }, 'the cloud admin project (cloud_admin_project) does not exist: nobody administers identities over /v3 until it does');
  }
  return {
    authenticator: new JwtAuthenticator(identity.tokens, adminProject),
    policy,
    identity,
    stop: () => identity.deps.revocations.stop(),
  };
}

/** The project whose admins administer the whole deployment (id or name): by default the bootstrap one. */
export function cloudAdminProject(config: Pick<Config, 'cloud_admin_project' | 'bootstrap'>): string {
  return config.cloud_admin_project ?? config.bootstrap.admin_project;
}
