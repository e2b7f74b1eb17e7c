import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_POLICY } from '../../../src/auth/default-policy';
import type { Identity } from '../../../src/auth/identity';
import type { PolicyTarget } from '../../../src/auth/policy';
import { RulePolicy } from '../../../src/auth/rule-policy';
import { ForbiddenError } from '../../../src/errors';

const who = (roles: string[], userId = 'u1', projectId: string | null = 'p1'): Identity => ({
  userId,
  userName: null,
  projectId,
  roles,
});
/** The admin role on the cloud admin project (setting cloud_admin_project). */
const cloudAdmin = (roles: string[] = ['admin'], userId = 'root'): Identity => ({ ...who(roles, userId, 'admin-project'), isAdminProject: true });
const scope: PolicyTarget = { projectId: 'p1', userId: 'u1' };
/** Someone else's user in another project. */
const foreign: PolicyTarget = { projectId: 'p2', userId: 'u2' };

const API_RULES = [
  'backups:create', 'backups:get_all', 'backups:get', 'backups:delete',
  'clients:create', 'clients:get_all', 'clients:get', 'clients:delete',
  'jobs:create', 'jobs:get_all', 'jobs:get', 'jobs:update', 'jobs:delete', 'jobs:event:create',
  'actions:create', 'actions:get_all', 'actions:get', 'actions:update', 'actions:replace', 'actions:delete',
  'sessions:create', 'sessions:get_all', 'sessions:get', 'sessions:update', 'sessions:replace', 'sessions:delete',
  'sessions:action:create', 'sessions:job:add', 'sessions:job:remove',
];
const isRead = (rule: string) => /:get(_all)?$/.test(rule);

const forbidden = (err: unknown) => {
  assert.ok(err instanceof ForbiddenError);
  assert.equal(err.status, 403);
  return true;
};

describe('RulePolicy', () => {
  describe('defaults', () => {
    // Built in each test, not at load time: mutation testing attributes its code to the tests.
    let policy: RulePolicy;
    beforeEach(() => {
      policy = new RulePolicy();
    });

    it('define every API rule', () => {
      for (const rule of API_RULES) assert.equal(typeof DEFAULT_POLICY[rule], 'string', rule);
    });

    it('let a reader read but not write', () => {
      const reader = who(['reader']);
      assert.doesNotThrow(() => policy.enforce('backups:get', reader, scope));
      assert.doesNotThrow(() => policy.enforce('jobs:get_all', reader, scope));
      assert.throws(() => policy.enforce('backups:create', reader, scope), forbidden);
      for (const rule of API_RULES) assert.equal(policy.allows(rule, reader, scope), isRead(rule), rule);
    });

    it('let a member read and write', () => {
      assert.doesNotThrow(() => policy.enforce('backups:create', who(['member']), scope));
      for (const rule of API_RULES) assert.equal(policy.allows(rule, who(['member']), scope), true, rule);
    });

    it('keep the identity admin API to the cloud admin', () => {
      assert.equal(policy.allows('identity:admin', who(['member', 'reader']), scope), false);
      assert.equal(policy.allows('identity:admin', who(['admin']), scope), false, 'admin of a project is not admin of the deployment');
      assert.equal(policy.allows('identity:admin', { ...who(['member']), isAdminProject: true }, scope), false, 'a member of the admin project neither');
      assert.equal(policy.allows('identity:admin', cloudAdmin(), scope), true);
    });

    it('let the cloud admin, whatever the case of the role, pass every rule, on any project and user', () => {
      for (const roles of [['admin'], ['Admin'], ['ADMIN', 'other']]) {
        for (const rule of Object.keys(DEFAULT_POLICY)) {
          if (rule === 'identity:change_password' || rule === 'service_role') continue;
          assert.equal(policy.allows(rule, cloudAdmin(roles), foreign), true, `${rule} ${roles}`);
        }
      }
    });

    it("let a project's admin do everything in that project, and manage its role assignments only", () => {
      const padmin = who(['admin'], 'pa', 'p1');
      for (const rule of API_RULES) assert.equal(policy.allows(rule, padmin, scope), true, rule);
      assert.equal(policy.allows('context_is_admin', padmin, scope), true);
      for (const rule of ['identity:project_admin', 'identity:get_project']) {
        assert.equal(policy.allows(rule, padmin, { projectId: 'p1', userId: 'u2' }), true, rule);
        assert.equal(policy.allows(rule, padmin, { projectId: 'p2', userId: 'u2' }), false, rule);
        assert.equal(policy.allows(rule, padmin, { projectId: null, userId: 'u2' }), false, `${rule} with no project named`);
      }
      for (const rule of ['cloud_admin', 'default', 'identity:admin', 'identity:get_user', 'identity:own_credentials', 'identity:validate_token', 'identity:revoke_token']) {
        assert.equal(policy.allows(rule, padmin, { projectId: 'p1', userId: 'u2' }), false, rule);
      }
      assert.equal(policy.allows('identity:project_admin', who(['member'], 'm', 'p1'), scope), false, 'a member manages nothing');
    });

    it('deny every rule on another user in another project to a caller with no role, or only unknown roles', () => {
      for (const roles of [[], ['observer']]) {
        for (const rule of Object.keys(DEFAULT_POLICY)) assert.throws(() => policy.enforce(rule, who(roles), foreign), forbidden, rule);
      }
    });

    it('let a service validate tokens, and nothing more', () => {
      const service = who(['service'], 'svc', 'service-project');
      assert.equal(policy.allows('identity:validate_token', service, foreign), true);
      assert.equal(policy.allows('identity:revoke_token', service, foreign), false);
      assert.equal(policy.allows('identity:admin', service, foreign), false);
    });

    it('let a user validate and revoke their own tokens and read their own project', () => {
      const alice = who([], 'alice', 'p1');
      for (const rule of ['identity:validate_token', 'identity:revoke_token']) {
        assert.equal(policy.allows(rule, alice, { projectId: 'p2', userId: 'alice' }), true, rule);
        assert.equal(policy.allows(rule, alice, { projectId: 'p1', userId: 'bob' }), false, rule);
      }
      assert.equal(policy.allows('identity:get_project', alice, { projectId: 'p1', userId: 'alice' }), true);
    });

    it('let a user read themselves and change their own password only', () => {
      const alice = who([], 'alice');
      for (const rule of ['identity:get_user', 'identity:change_password']) {
        assert.equal(policy.allows(rule, alice, { projectId: null, userId: 'alice' }), true, rule);
        assert.equal(policy.allows(rule, alice, { projectId: null, userId: 'bob' }), false, rule);
      }
      assert.equal(policy.allows('identity:get_user', cloudAdmin(), { projectId: null, userId: 'bob' }), true);
      assert.equal(policy.allows('identity:get_user', who(['admin'], 'root'), { projectId: null, userId: 'bob' }), false);
    });

    it('let a user manage their own application credentials only', () => {
      const alice = who([], 'alice');
      assert.equal(policy.allows('identity:own_credentials', alice, { projectId: null, userId: 'alice' }), true);
      assert.equal(policy.allows('identity:own_credentials', alice, { projectId: null, userId: 'bob' }), false);
      assert.equal(policy.allows('identity:own_credentials', cloudAdmin(), { projectId: null, userId: 'bob' }), true);
      assert.equal(policy.allows('identity:own_credentials', who(['admin'], 'root'), { projectId: null, userId: 'bob' }), false);
    });

    it('send an unknown rule to `default`, which is cloud-admin-only', () => {
      assert.equal(policy.allows('widgets:create', who(['member']), scope), false);
      assert.equal(policy.allows('widgets:create', who(['admin']), scope), false);
      assert.equal(policy.allows('widgets:create', cloudAdmin(), scope), true);
    });

    it('spell the cloud admin is_admin:True too (admin role on the admin project)', () => {
      const custom = new RulePolicy({ r: 'is_admin:True' });
      assert.equal(custom.allows('r', who(['admin']), scope), false);
      assert.equal(custom.allows('r', cloudAdmin(), scope), true);
      assert.equal(custom.allows('r', cloudAdmin(['member', 'Admin']), scope), true, 'admin among other roles');
      assert.equal(custom.allows('r', { ...who(['member']), isAdminProject: true }, scope), false);
    });
  });

  describe('unknown rules', () => {
    it('deny even admins when no `default` rule exists', () => {
      const policy = new RulePolicy({ known: '@' });
      assert.equal(policy.allows('known', who([]), scope), true);
      assert.equal(policy.allows('unknown', who(['admin']), scope), false);
      assert.throws(() => policy.enforce('unknown', who(['admin']), scope), forbidden);
    });

    it('follow `default` when it exists', () => {
      const policy = new RulePolicy({ default: '@' });
      assert.equal(policy.allows('unknown', who([]), scope), true);
    });
  });

  describe('fromFile', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-policy-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const file = (name: string, text: string) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    };
    const warnings = () => {
      const seen: Array<{ obj: object; msg: string }> = [];
      return { seen, log: { warn: (obj: object, msg: string) => seen.push({ obj, msg }) } };
    };

    it('uses the defaults without a file', () => {
      const policy = RulePolicy.fromFile(null);
      assert.equal(policy.allows('backups:get', who(['reader']), scope), true);
      assert.equal(policy.allows('backups:create', who(['reader']), scope), false);
    });

    it('overrides single rules from YAML, keeping the others, and resolves new rule names', () => {
      const p = file(
        'policy.yaml',
        [
          '# uploaders may create backups, nothing else changes',
          'uploader: "role:uploader"',
          '"backups:create": "rule:uploader or rule:member"',
          'backups:delete: "!"',
        ].join('\n'),
      );
      const { seen, log } = warnings();
      const policy = RulePolicy.fromFile(p, log);
      assert.equal(policy.allows('backups:create', who(['uploader']), scope), true);
      assert.equal(policy.allows('backups:create', who(['member']), scope), true);
      assert.equal(policy.allows('backups:get', who(['uploader']), scope), false, 'defaults still apply');
      assert.equal(policy.allows('backups:delete', who(['admin']), scope), false);
      assert.equal(policy.allows('jobs:delete', who(['member']), scope), true);
      assert.deepEqual(seen, []);
    });

    it('reads JSON, including an empty expression that allows everyone', () => {
      const p = file('policy.json', JSON.stringify({ 'jobs:get_all': '', 'jobs:create': 'project_id:%(project_id)s' }, null, '\t'));
      const policy = RulePolicy.fromFile(p);
      assert.equal(policy.allows('jobs:get_all', who([]), scope), true);
      assert.equal(policy.allows('jobs:create', who([], 'u1', 'p1'), scope), true);
      assert.equal(policy.allows('jobs:create', who([], 'u1', 'p2'), scope), false);
      assert.equal(policy.allows('jobs:get', who([]), scope), false);
    });

    it('treats an empty file as no overrides', () => {
      const policy = RulePolicy.fromFile(file('empty.yaml', '# nothing yet\n'));
      assert.equal(policy.allows('backups:create', who(['member']), scope), true);
    });

    it('warns about references to undefined rules', () => {
      const p = file('typo.yaml', '"backups:create": "rule:membr"\n');
      const { seen, log } = warnings();
      const policy = RulePolicy.fromFile(p, log);
      assert.equal(policy.allows('backups:create', who(['member']), scope), false);
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0], { obj: { file: p, rules: ['membr'] }, msg: 'policy references undefined rules; those checks always deny' });
      assert.equal(RulePolicy.fromFile(p).allows('backups:create', who(['member']), scope), false, 'and without a log to warn');
    });

    const rejects = (p: string, ...needles: RegExp[]) =>
      assert.throws(
        () => RulePolicy.fromFile(p),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.ok(err.message.startsWith(`policy file ${p}: `), err.message);
          for (const needle of needles) assert.match(err.message, needle);
          // What went wrong underneath stays attached, for logs.
          if (!/must be a string|expected a mapping/.test(err.message)) assert.ok(err.cause instanceof Error, 'cause');
          return true;
        },
      );

    it('rejects non-string values, naming the file and rule', () => {
      rejects(file('number.yaml', 'backups:get: 3\n'), /rule 'backups:get' must be a string expression, got 3$/);
      rejects(file('false.yaml', 'backups:get: false\n'), /rule 'backups:get' must be a string expression, got false$/);
      rejects(file('null.yaml', 'backups:get:\n'), /rule 'backups:get'.*write "" to allow everyone/);
      rejects(file('list.json', '{"backups:get": ["role:a"]}'), /rule 'backups:get'/);
    });

    it('rejects unparseable expressions and cycles, naming the file and rule', () => {
      rejects(file('parse.yaml', 'jobs:get: "role:a and"\n'), /policy rule 'jobs:get': expression ends too early/);
      rejects(file('cycle.yaml', 'member: "rule:reader"\n'), /reference cycle/, /member/, /reader/);
    });

    it('rejects a file that is not a mapping, is not YAML, or is missing', () => {
      rejects(file('seq.yaml', '- role:a\n'), /expected a mapping/);
      rejects(file('scalar.yaml', 'role:a or role:b\n'), /expected a mapping of rule name to expression$/);
      rejects(file('broken.json', '{"a": "@"'));
      rejects(path.join(dir, 'absent.yaml'), /ENOENT/);
    });
  });
});
