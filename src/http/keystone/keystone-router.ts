import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Authenticator, Identity } from '../../auth/identity';
import type { LoginSource } from '../../auth/login-throttle';
import type { Policy } from '../../auth/policy';
import type { TokenClaims } from '../../auth/tokens';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors';
import { BUILTIN_ROLES } from '../../services/identity/records';
import type { IdentityServices } from '../../services/identity';
import { baseUrl, send, sendNoContent } from '../context';
import { signaturesOf, type RouteSignature } from '../route-list';
import { presentCredential, presentList, presentProject, presentRole, presentUser } from './presenters';
import { tokenBody, type CatalogUrls } from './token-body';

export interface KeystoneDeps {
  identity: IdentityServices;
  authenticator: Authenticator;
  policy: Policy;
  readBody: (ctx: Context) => Promise<unknown>;
  /** Base URL of the Freezer API for the catalog; null: the request's own origin. */
  publicUrl: string | null;
}

type Handler = (ctx: Context, caller: Identity) => Promise<void>;
type Middleware = (ctx: Context, next: Next) => Promise<void>;
/** The project a rule's `%(project_id)s` names: by default the URL's `:project`. */
type TargetProject = (ctx: Context) => string | null;

const urlProject: TargetProject = (ctx) => ctx.params.project ?? null;

/**
 * The Keystone v3 subset (design.md, Auth and tenancy): what keystoneauth1 needs to log the stock
 * freezer CLI and scheduler in (discovery, POST/GET/DELETE /v3/auth/tokens), and the admin calls
 * to manage projects, users, roles, assignments and application credentials, in Keystone's
 * request and response shapes.
 */
export function createKeystoneRouter(deps: KeystoneDeps): Middleware & { list: RouteSignature[] } {
  const { identity: id } = deps;
  const router = new Router({ prefix: '/v3' });
  /**
   * An authenticated route, guarded by a policy rule whose target user is the URL's `:user` (else
   * the caller) and whose target project is the URL's `:project` (or what `project` picks).
   */
  const guarded = (rule: string, handler: Handler, project: TargetProject = urlProject): Middleware => async (ctx) => {
    const caller = await deps.authenticator.authenticate(ctx.req.headers);
    // A token limited to one scheduler client is an agent's: it manages no identities.
    if (caller.clientId) throw new ForbiddenError();
    deps.policy.enforce(rule, caller, { projectId: project(ctx), userId: ctx.params.user ?? caller.userId });
    await handler(ctx, caller);
  };
  /** Only the cloud admin grants or revokes roles other than the built-in ones (which may carry powers, e.g. `service`). */
  const assertGrantable = (caller: Identity, roleId: string) => {
    if (!(BUILTIN_ROLES as readonly string[]).includes(roleId)) deps.policy.enforce('identity:admin', caller, { projectId: null, userId: caller.userId });
  };
  const body = async (ctx: Context, key: string) => ((await deps.readBody(ctx)) as Record<string, unknown> | undefined)?.[key];
  const urls = (ctx: Context): CatalogUrls => ({ identity: `${baseUrl(ctx)}/v3`, backup: deps.publicUrl ?? baseUrl(ctx) });
  const roleIds = async () => new Map((await id.roles.list()).map((r) => [r.name, r.id]));
  const allRoles = () => id.roles.list();

  router.get('/', async (ctx) => send(ctx, 200, { version: versionDoc(ctx) }));

  // ------------------------------------------------------------------ tokens
  router.post('/auth/tokens', async (ctx) => {
    const issued = await id.tokens.authenticate(await deps.readBody(ctx), loginSource(ctx));
    ctx.set('X-Subject-Token', issued.token);
    send(ctx, 201, tokenBody(issued.claims, await roleIds(), 'nocatalog' in ctx.query ? null : urls(ctx)));
  });
  /** The X-Subject-Token, once `rule` lets the caller act on it (their own; else the cloud admin, or a service). */
  const subject = async (ctx: Context, caller: Identity, rule: string): Promise<TokenClaims> => {
    const token = ctx.get('X-Subject-Token');
    let claims: TokenClaims;
    try {
      claims = id.tokens.validate(token);
    } catch {
      throw new NotFoundError('Could not find token.');
    }
    deps.policy.enforce(rule, caller, { projectId: claims.project, userId: claims.sub });
    return claims;
  };
  const authenticated = (handler: Handler): Middleware => async (ctx) => handler(ctx, await deps.authenticator.authenticate(ctx.req.headers));
  router.get('/auth/tokens', authenticated(async (ctx, caller) => {
    const claims = await subject(ctx, caller, 'identity:validate_token');
    ctx.set('X-Subject-Token', ctx.get('X-Subject-Token'));
    send(ctx, 200, tokenBody(claims, await roleIds(), 'nocatalog' in ctx.query ? null : urls(ctx)));
  }));
  router.delete('/auth/tokens', authenticated(async (ctx, caller) => {
    await id.tokens.revoke(await subject(ctx, caller, 'identity:revoke_token'));
    sendNoContent(ctx);
  }));
  router.get('/auth/projects', authenticated(async (ctx, caller) => {
    const projects = await id.projectsOf(caller.userId);
    send(ctx, 200, presentList('projects', projects.map((p) => presentProject(p, baseUrl(ctx))), `${baseUrl(ctx)}/v3/auth/projects`));
  }));

  // ------------------------------------------------------------------ domains (just the one)
  const domain = (ctx: Context) => ({ id: 'default', name: 'Default', description: 'The default domain', enabled: true, options: {}, links: { self: `${baseUrl(ctx)}/v3/domains/default` } });
  router.get('/domains', guarded('identity:get_user', async (ctx) => send(ctx, 200, presentList('domains', [domain(ctx)], `${baseUrl(ctx)}/v3/domains`))));
  router.get('/domains/:domain', guarded('identity:get_user', async (ctx) => {
    if (ctx.params.domain !== 'default') throw new NotFoundError(`Could not find domain: ${ctx.params.domain}.`);
    send(ctx, 200, { domain: domain(ctx) });
  }));

  // ------------------------------------------------------------------ projects
  router.get('/projects', guarded('identity:admin', async (ctx) => {
    const projects = await id.projects.list({ name: queryString(ctx, 'name') });
    send(ctx, 200, presentList('projects', projects.map((p) => presentProject(p, baseUrl(ctx))), `${baseUrl(ctx)}/v3/projects`));
  }));
  router.post('/projects', guarded('identity:admin', async (ctx) => {
    send(ctx, 201, { project: presentProject(await id.projects.create(await body(ctx, 'project')), baseUrl(ctx)) });
  }));
  router.get('/projects/:project', guarded('identity:get_project', async (ctx) => {
    send(ctx, 200, { project: presentProject(await id.projects.get(ctx.params.project), baseUrl(ctx)) });
  }));
  router.patch('/projects/:project', guarded('identity:admin', async (ctx) => {
    send(ctx, 200, { project: presentProject(await id.projects.update(ctx.params.project, await body(ctx, 'project')), baseUrl(ctx)) });
  }));
  router.delete('/projects/:project', guarded('identity:admin', async (ctx) => {
    await id.projects.delete(ctx.params.project);
    sendNoContent(ctx);
  }));

  // ------------------------------------------------------------------ users
  router.get('/users', guarded('identity:admin', async (ctx) => {
    const users = await id.users.list({ name: queryString(ctx, 'name') });
    send(ctx, 200, presentList('users', users.map((u) => presentUser(u, baseUrl(ctx))), `${baseUrl(ctx)}/v3/users`));
  }));
  router.post('/users', guarded('identity:admin', async (ctx) => {
    send(ctx, 201, { user: presentUser(await id.users.create(await body(ctx, 'user')), baseUrl(ctx)) });
  }));
  router.get('/users/:user', guarded('identity:get_user', async (ctx) => {
    send(ctx, 200, { user: presentUser(await id.users.get(ctx.params.user), baseUrl(ctx)) });
  }));
  router.patch('/users/:user', guarded('identity:admin', async (ctx) => {
    send(ctx, 200, { user: presentUser(await id.users.update(ctx.params.user, await body(ctx, 'user')), baseUrl(ctx)) });
  }));
  router.delete('/users/:user', guarded('identity:admin', async (ctx) => {
    await id.users.delete(ctx.params.user);
    sendNoContent(ctx);
  }));
  router.post('/users/:user/password', async (ctx) => {
    const caller = await deps.authenticator.authenticate(ctx.req.headers);
    // Not `guarded`: every refusal here is the same 401 (wrong user, wrong kind of token, wrong
    // password), so this door tells a guesser nothing but "no".
    if (!deps.policy.allows('identity:change_password', caller, { projectId: null, userId: ctx.params.user })) {
      throw new UnauthorizedError('The request you have made requires authentication.');
    }
    await id.users.changePassword(ctx.params.user, await body(ctx, 'user'), caller, loginSource(ctx));
    sendNoContent(ctx);
  });
  router.get('/users/:user/projects', guarded('identity:get_user', async (ctx) => {
    const projects = await id.projectsOf(ctx.params.user);
    send(ctx, 200, presentList('projects', projects.map((p) => presentProject(p, baseUrl(ctx))), `${baseUrl(ctx)}/v3/users/${ctx.params.user}/projects`));
  }));

  // ------------------------------------------------------------------ roles and assignments
  router.get('/roles', guarded('identity:admin', async (ctx) => {
    const roles = await id.roles.list({ name: queryString(ctx, 'name') });
    send(ctx, 200, presentList('roles', roles.map((r) => presentRole(r, baseUrl(ctx))), `${baseUrl(ctx)}/v3/roles`));
  }));
  router.post('/roles', guarded('identity:admin', async (ctx) => {
    send(ctx, 201, { role: presentRole(await id.roles.create(await body(ctx, 'role')), baseUrl(ctx)) });
  }));
  router.get('/roles/:role', guarded('identity:admin', async (ctx) => {
    send(ctx, 200, { role: presentRole(await id.roles.get(ctx.params.role), baseUrl(ctx)) });
  }));
  router.delete('/roles/:role', guarded('identity:admin', async (ctx) => {
    await id.deleteRole(ctx.params.role);
    sendNoContent(ctx);
  }));
  // Role assignments on a project: its admins manage them (identity:project_admin).
  router.get('/projects/:project/users/:user/roles', guarded('identity:project_admin', async (ctx) => {
    const roles = await id.rolesOf(ctx.params.project, ctx.params.user);
    send(ctx, 200, presentList('roles', roles.map((r) => presentRole(r, baseUrl(ctx))), ctx.href));
  }));
  router.put('/projects/:project/users/:user/roles/:role', guarded('identity:project_admin', async (ctx, caller) => {
    assertGrantable(caller, ctx.params.role);
    await id.grant(ctx.params.project, ctx.params.user, ctx.params.role);
    sendNoContent(ctx);
  }));
  const checkAssignment = guarded('identity:project_admin', async (ctx) => {
    if (!(await id.hasRole(ctx.params.project, ctx.params.user, ctx.params.role))) {
      throw new NotFoundError(`Could not find role assignment with role: ${ctx.params.role}.`);
    }
    sendNoContent(ctx);
  });
  router.get('/projects/:project/users/:user/roles/:role', checkAssignment);
  router.head('/projects/:project/users/:user/roles/:role', checkAssignment);
  router.delete('/projects/:project/users/:user/roles/:role', guarded('identity:project_admin', async (ctx, caller) => {
    assertGrantable(caller, ctx.params.role);
    await id.users.revoke(ctx.params.project, ctx.params.user, ctx.params.role);
    sendNoContent(ctx);
  }));
  // A project's admins may list its members: with ?scope.project.id=<their project> only.
  router.get('/role_assignments', guarded('identity:project_admin', async (ctx) => {
    const rows = await id.users.assignments({
      userId: queryString(ctx, 'user.id'),
      projectId: queryString(ctx, 'scope.project.id'),
      roleId: queryString(ctx, 'role.id'),
    });
    const base = baseUrl(ctx);
    const assignments = rows.map((a) => ({
      role: { id: a.roleId },
      user: { id: a.userId },
      scope: { project: { id: a.projectId } },
      links: { assignment: `${base}/v3/projects/${a.projectId}/users/${a.userId}/roles/${a.roleId}` },
    }));
    send(ctx, 200, { role_assignments: assignments, links: { self: ctx.href, previous: null, next: null } });
  }, (ctx) => queryString(ctx, 'scope.project.id') ?? null));

  // ------------------------------------------------------------------ application credentials
  router.get('/users/:user/application_credentials', guarded('identity:own_credentials', async (ctx) => {
    const creds = await id.credentials.list(ctx.params.user, { name: queryString(ctx, 'name') });
    const roles = await allRoles();
    send(ctx, 200, presentList('application_credentials', creds.map((c) => presentCredential(c, roles, baseUrl(ctx))), ctx.href));
  }));
  router.post('/users/:user/application_credentials', guarded('identity:own_credentials', async (ctx, caller) => {
    // Like Keystone: a credential is made by its user, from a token on the project it binds to,
    // with no role that token does not carry.
    if (caller.userId !== ctx.params.user) throw new ForbiddenError();
    await id.assertMayManageCredentials(caller.appCredentialId);
    const owner = await id.credentialOwner(await id.users.get(caller.userId), caller.projectId, caller.clientId ?? null, caller.roles);
    const { credential, secret } = await id.credentials.create(owner, await body(ctx, 'application_credential'));
    send(ctx, 201, { application_credential: presentCredential(credential, await allRoles(), baseUrl(ctx), secret) });
  }));
  router.get('/users/:user/application_credentials/:credential', guarded('identity:own_credentials', async (ctx) => {
    const credential = await id.credentials.get(ctx.params.user, ctx.params.credential);
    send(ctx, 200, { application_credential: presentCredential(credential, await allRoles(), baseUrl(ctx)) });
  }));
  router.delete('/users/:user/application_credentials/:credential', guarded('identity:own_credentials', async (ctx, caller) => {
    await id.assertMayManageCredentials(caller.appCredentialId);
    await id.credentials.delete(ctx.params.user, ctx.params.credential);
    sendNoContent(ctx);
  }));

  const routes = router.routes() as unknown as Middleware;
  const allowed = router.allowedMethods({ throw: false }) as unknown as Middleware;
  const middleware: Middleware = async (ctx, next) => {
    if (ctx.path !== '/v3' && !ctx.path.startsWith('/v3/')) return next();
    // Errors under /v3 take Keystone's shape (errors middleware).
    ctx.state.keystoneApi = true;
    await routes(ctx, async () => allowed(ctx, async () => {
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError('The resource could not be found.');
    }));
  };
  // Every route, read from the router itself (/openapi.json, metrics labels).
  return Object.assign(middleware, { list: signaturesOf(router.stack, () => ({ group: 'keystone' as const, rule: null })) });
}

/** Where a request comes from, as received: the throttle's settings decide whether to believe X-Forwarded-For. */
function loginSource(ctx: Context): LoginSource {
  return { address: ctx.req.socket.remoteAddress ?? null, forwardedFor: ctx.get('X-Forwarded-For') || null };
}

function queryString(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  return typeof v === 'string' ? v : undefined;
}

function versionDoc(ctx: Context) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${baseUrl(ctx)}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}
