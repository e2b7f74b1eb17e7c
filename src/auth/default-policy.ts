/**
 * The built-in policy: reads need a reader, writes need a member, admins pass everything.
 * Operators override single rules in a policy file (see RulePolicy.fromFile); the API
 * names rules only, so changing who may do what never needs a code change.
 *
 * Tenant isolation is not expressed here: the services already scope every document to the
 * request's user and project. An operator who wants it in policy too can add
 * `and project_id:%(project_id)s` to `reader` and `member`.
 */
export const DEFAULT_POLICY: Readonly<Record<string, string>> = {
  context_is_admin: 'role:admin',
  member: 'role:member or rule:context_is_admin',
  reader: 'role:reader or rule:member',
  // Rules the code does not know fall back here; admin-only keeps a forgotten rule closed.
  default: 'rule:context_is_admin',

  'backups:create': 'rule:member',
  'backups:get_all': 'rule:reader',
  'backups:get': 'rule:reader',
  'backups:delete': 'rule:member',

  'clients:create': 'rule:member',
  'clients:get_all': 'rule:reader',
  'clients:get': 'rule:reader',
  'clients:delete': 'rule:member',

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

  // Keystone-v3-style admin API: projects, users and roles.
  // Users may read themselves and change their own password; admins manage everyone.
  'identity:get_user': 'rule:context_is_admin or user_id:%(user_id)s',
  'identity:change_password': 'user_id:%(user_id)s',
  'identity:admin': 'rule:context_is_admin',
  // Application credentials: the target user_id is the user named in the URL.
  'identity:own_credentials': 'rule:context_is_admin or user_id:%(user_id)s',
};
