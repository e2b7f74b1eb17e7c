/**
 * The built-in policy: reads need a reader, writes need a member, a project's admins pass
 * everything in their project, and only the cloud admin (the admin role on the cloud admin
 * project, setting `cloud_admin_project`) administers identities and crosses into other projects.
 * Operators override single rules in a policy file (see RulePolicy.fromFile); the API
 * names rules only, so changing who may do what never needs a code change.
 *
 * Tenant isolation is not expressed here: the services already scope every document to the
 * request's user and project. An operator who wants it in policy too can add
 * `and project_id:%(project_id)s` to `reader` and `member`.
 */
export const DEFAULT_POLICY: Readonly<Record<string, string>> = {
  // Admin of the token's project (roles in a token are the roles on its project).
  context_is_admin: 'role:admin',
  // Admin of the whole deployment; the only one who may use another project's v2 URLs.
  cloud_admin: 'role:admin and is_admin_project:True',
  service_role: 'role:service',
  member: 'role:member or rule:context_is_admin',
  reader: 'role:reader or rule:member',
  // Rules the code does not know fall back here; cloud-admin-only keeps a forgotten rule closed.
  default: 'rule:cloud_admin',

  'backups:create': 'rule:member',
  'backups:get_all': 'rule:reader',
  'backups:get': 'rule:reader',
  'backups:delete': 'rule:member',

  'clients:create': 'rule:member',
  'clients:get_all': 'rule:reader',
  'clients:get': 'rule:reader',
  'clients:delete': 'rule:member',
  'clients:changes:get': 'rule:reader',

  'jobs:create': 'rule:member',
  'jobs:get_all': 'rule:reader',
  'jobs:get': 'rule:reader',
  'jobs:update': 'rule:member',
  'jobs:delete': 'rule:member',
  'jobs:event:create': 'rule:member',

  'actions:create': 'rule:member',
  'actions:get_all': 'rule:reader',
  'actions:get': 'rule:reader',
  'actions:update': 'rule:member',
  'actions:replace': 'rule:member',
  'actions:delete': 'rule:member',

  'sessions:create': 'rule:member',
  'sessions:get_all': 'rule:reader',
  'sessions:get': 'rule:reader',
  'sessions:update': 'rule:member',
  'sessions:replace': 'rule:member',
  'sessions:delete': 'rule:member',
  'sessions:action:create': 'rule:member',
  'sessions:job:add': 'rule:member',
  'sessions:job:remove': 'rule:member',

  // Events of the caller's scope (runs, freshness): the SSE stream and its JSON pages.
  'events:get_all': 'rule:reader',
  // Webhooks per project: readers see them (never their secrets), members change them.
  'webhooks:create': 'rule:member',
  'webhooks:get_all': 'rule:reader',
  'webhooks:get': 'rule:reader',
  'webhooks:update': 'rule:member',
  'webhooks:delete': 'rule:member',
  'webhooks:deliveries:get_all': 'rule:reader',
  // Run records (issue 12): readers read; agents (client-limited tokens) open and report the
  // runs of their own client's jobs (client-limit-rules.ts, store/runs/run-scope.ts).
  'runs:get_all': 'rule:reader',
  'runs:get': 'rule:reader',
  'runs:create': 'rule:member',
  'runs:update': 'rule:member',
  // Run now and cancel: members; never a client-limited (agent) token.
  'jobs:runs:create': 'rule:member',
  'runs:cancel': 'rule:member',

  // Freshness (which jobs are stale, which clients silent): readers may read; agent tokens may
  // not (not in client-limit-rules.ts).
  'freshness:get_all': 'rule:reader',

  // Keystone-v3-style admin API: projects, users and roles. The target user_id is the user
  // named in the URL, the target project_id the project named in the URL (or the
  // scope.project.id filter of /v3/role_assignments).
  // Users may read themselves and change their own password; the cloud admin manages everyone.
  'identity:get_user': 'rule:cloud_admin or user_id:%(user_id)s',
  'identity:change_password': 'user_id:%(user_id)s',
  'identity:admin': 'rule:cloud_admin',
  // A project's admins manage its role assignments (built-in roles only: see the router) and
  // list its members; any member may read the project itself.
  'identity:project_admin': 'rule:cloud_admin or (role:admin and project_id:%(project_id)s)',
  'identity:get_project': 'rule:cloud_admin or project_id:%(project_id)s',
  'identity:own_credentials': 'rule:cloud_admin or user_id:%(user_id)s',
  // GET/HEAD and DELETE /v3/auth/tokens: the target user_id is the subject token's user.
  'identity:validate_token': 'rule:cloud_admin or rule:service_role or user_id:%(user_id)s',
  'identity:revoke_token': 'rule:cloud_admin or user_id:%(user_id)s',

  // GET /metrics on the API address: deployment-wide figures (every project's job ids), so not
  // for project members. The `metrics` role is not built in: the cloud admin creates and grants it.
  'metrics:get': 'role:metrics or rule:cloud_admin',
};
