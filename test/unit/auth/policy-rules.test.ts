import assert from 'node:assert/strict';
import { compileRules, type Credentials, type RuleTarget } from '../../../src/auth/policy-rules';

const creds = (over: Partial<Credentials> = {}): Credentials => ({
  user_id: 'u1',
  project_id: 'p1',
  roles: [],
  is_admin: false,
  is_admin_project: false,
  ...over,
});
const target = (over: Partial<RuleTarget> = {}): RuleTarget => ({ project_id: 'p1', user_id: 'u1', ...over });

/** Evaluates a single expression as rule `r`. */
function allows(expr: string, c: Partial<Credentials> = {}, t: Partial<RuleTarget> = {}): boolean {
  const check = compileRules({ r: expr }).checks.get('r');
  assert.ok(check);
  return check(creds(c), target(t));
}

const withRoles = (expr: string, ...roles: string[]) => allows(expr, { roles });

/** Asserts that compiling `expr` fails with a message naming rule `r` and matching `problem`. */
function rejects(expr: string, problem: RegExp): void {
  assert.throws(
    () => compileRules({ r: expr }),
    (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /^policy rule 'r': /);
      assert.match(err.message, problem);
      // The parser's own error stays attached, for logs.
      assert.ok(err.cause instanceof Error);
      assert.match(err.cause.message, problem);
      return true;
    },
  );
}

describe('compileRules', () => {
  describe('constant checks', () => {
    it('allows everyone on "", whitespace and "@", denies everyone on "!"', () => {
      assert.equal(allows(''), true);
      assert.equal(allows('   '), true);
      assert.equal(allows('@'), true);
      assert.equal(allows('!'), false);
      assert.equal(allows('!', { roles: ['admin'], is_admin: true }), false);
    });
  });

  describe('role:', () => {
    it('matches any of the caller roles, case-insensitively', () => {
      assert.equal(withRoles('role:member', 'reader', 'member'), true);
      assert.equal(withRoles('role:member', 'MeMbEr'), true);
      assert.equal(withRoles('role:Member', 'member'), true);
      assert.equal(withRoles('role:member', 'reader'), false);
      assert.equal(withRoles('role:member'), false);
    });

    it('does not treat True as a boolean', () => {
      assert.equal(withRoles('role:True', 'true'), true);
    });

    it('takes its value from the target through %(name)s', () => {
      assert.equal(allows('role:%(project_id)s', { roles: ['p1'] }), true);
      assert.equal(allows('role:%(project_id)s', { roles: ['p2'] }), false);
      assert.equal(allows('role:%(project_id)s', { roles: ['p1', 'null'] }, { project_id: null }), false, 'a missing target field is no role');
    });

    it('has a roles: spelling that behaves the same', () => {
      assert.equal(withRoles('roles:Admin', 'admin'), true);
      assert.equal(withRoles('roles:admin', 'member'), false);
      assert.equal(withRoles('roles:True', 'true'), true, 'True is a role name here too, not a boolean');
    });
  });

  describe('is_admin:', () => {
    it('compares True and False with the credential flag', () => {
      assert.equal(allows('is_admin:True', { is_admin: true }), true);
      assert.equal(allows('is_admin:True', { is_admin: false }), false);
      assert.equal(allows('is_admin:False', { is_admin: false }), true);
      assert.equal(allows('is_admin:False', { is_admin: true }), false);
      assert.equal(allows('is_admin:true', { is_admin: true }), true);
    });

    it('rejects anything else, which could never match', () => {
      rejects('is_admin:yes', /is_admin takes True or False, not 'yes'/);
    });
  });

  describe('is_admin_project:', () => {
    it('compares True and False with whether the token is scoped to the cloud admin project', () => {
      assert.equal(allows('is_admin_project:True', { is_admin_project: true }), true);
      assert.equal(allows('is_admin_project:True', { is_admin_project: false }), false);
      assert.equal(allows('is_admin_project:False', { is_admin_project: false }), true);
      assert.equal(allows('role:admin and is_admin_project:True', { roles: ['admin'], is_admin_project: false }), false);
      assert.equal(allows('role:admin and is_admin_project:True', { roles: ['admin'], is_admin_project: true }), true);
      rejects('is_admin_project:1', /is_admin_project takes True or False, not '1'/);
    });
  });

  describe('field checks', () => {
    it('compares a credential with a literal', () => {
      assert.equal(allows('user_id:u1'), true);
      assert.equal(allows('user_id:u2'), false);
      assert.equal(allows('project_id:p1'), true);
      assert.equal(allows('project_id:p1', { project_id: null }), false);
    });

    it('substitutes %(name)s from the target', () => {
      assert.equal(allows('user_id:%(user_id)s', { user_id: 'alice' }, { user_id: 'alice' }), true);
      assert.equal(allows('user_id:%(user_id)s', { user_id: 'alice' }, { user_id: 'bob' }), false);
      assert.equal(allows('project_id:%(project_id)s', { project_id: 'p7' }, { project_id: 'p7' }), true);
      assert.equal(allows('project_id:%(project_id)s', { project_id: 'p7' }, { project_id: 'p8' }), false);
      // A credential may be compared with a different target field.
      assert.equal(allows('project_id:%(user_id)s', { project_id: 'x' }, { user_id: 'x' }), true);
    });

    it('substitutes inside a longer value', () => {
      assert.equal(allows('user_id:svc-%(project_id)s', { user_id: 'svc-p1' }), true);
      assert.equal(allows('user_id:svc-%(project_id)s', { user_id: 'p1' }), false);
    });

    it('substitutes several fields in one value, side by side', () => {
      assert.equal(allows('user_id:%(project_id)s%(user_id)s', { user_id: 'p7u7' }, { project_id: 'p7', user_id: 'u7' }), true);
      assert.equal(allows('user_id:%(project_id)s%(user_id)s', { user_id: 'p7u7' }, { project_id: 'p7', user_id: 'u8' }), false);
    });

    it('never matches when either side is null, even both', () => {
      assert.equal(allows('project_id:%(project_id)s', { project_id: null }, { project_id: null }), false);
      assert.equal(allows('project_id:%(project_id)s', { project_id: 'p1' }, { project_id: null }), false);
      assert.equal(allows('user_id:x-%(project_id)s', { user_id: 'x-' }, { project_id: null }), false);
      // Not the text "null" either: a missing target field makes the whole value missing.
      assert.equal(allows('user_id:x-%(project_id)s', { user_id: 'x-null' }, { project_id: null }), false);
    });

    it('reads quoted values literally', () => {
      assert.equal(allows("user_id:'%(user_id)s'", { user_id: '%(user_id)s' }, { user_id: '%(user_id)s' }), true);
      assert.equal(allows("user_id:'%(user_id)s'", { user_id: 'u1' }, { user_id: 'u1' }), false);
      assert.equal(allows('user_id:"True"', { user_id: 'True' }), true);
      assert.equal(allows("user_id:'a b (c)'", { user_id: 'a b (c)' }), true);
      assert.equal(allows('user_id:"a b (c)"', { user_id: 'a b (c)' }), true);
      assert.equal(allows('user_id:"a b (c)" and @', { user_id: 'a b (c)' }), true);
    });

    it('reads quotes as quoting only when they enclose the whole value', () => {
      assert.equal(allows("user_id:u'1'", { user_id: "u'1'" }), true);
      assert.equal(allows("user_id:u'1'", { user_id: '1' }), false);
      assert.equal(allows("user_id:'u'1", { user_id: "'u'1" }), true);
      assert.equal(allows("user_id:'u'1", { user_id: 'u' }), false);
    });

    it('compares unquoted True/False as booleans, which never equal a string field', () => {
      assert.equal(allows('user_id:True', { user_id: 'True' }), false);
      assert.equal(allows('user_id:False', { user_id: 'False' }), false);
      assert.equal(allows('user_id:false', { user_id: 'false' }), true, 'only True and False, as spelt, are booleans');
    });
  });

  describe('rule:', () => {
    it('evaluates the referenced rule, whatever the definition order', () => {
      const { checks } = compileRules({ a: 'rule:b', b: 'role:x' });
      assert.equal(checks.get('a')?.(creds({ roles: ['x'] }), target()), true);
      assert.equal(checks.get('a')?.(creds({ roles: ['y'] }), target()), false);
    });

    it('passes the target through', () => {
      const { checks } = compileRules({ own: 'user_id:%(user_id)s', a: 'rule:own' });
      assert.equal(checks.get('a')?.(creds({ user_id: 'u9' }), target({ user_id: 'u9' })), true);
      assert.equal(checks.get('a')?.(creds({ user_id: 'u9' }), target({ user_id: 'u8' })), false);
    });

    it('denies on a reference to an undefined rule, and lists it', () => {
      const compiled = compileRules({ a: 'rule:zilch or rule:nope', b: 'not rule:nope', c: '@' });
      assert.equal(compiled.checks.get('a')?.(creds({ roles: ['admin'] }), target()), false);
      assert.equal(compiled.checks.get('b')?.(creds(), target()), true);
      assert.deepEqual(compiled.undefinedReferences, ['nope', 'zilch']);
    });

    it('rejects reference cycles, naming the path', () => {
      assert.throws(() => compileRules({ a: 'role:x or rule:b', b: 'rule:c', c: 'not rule:a' }), {
        message: "policy rule 'a': reference cycle a -> b -> c -> a",
      });
      assert.throws(() => compileRules({ ok: '@', self: 'rule:ok and rule:self' }), {
        message: "policy rule 'self': reference cycle self -> self",
      });
      // Reached from a rule outside it: the path names the cycle only.
      assert.throws(() => compileRules({ entry: 'rule:b', b: 'rule:c', c: 'rule:b' }), {
        message: "policy rule 'b': reference cycle b -> c -> b",
      });
    });

    it('accepts shared references that are not cycles', () => {
      const { checks } = compileRules({ top: 'rule:l and rule:r', l: 'rule:base', r: 'rule:base', base: 'role:x' });
      assert.equal(checks.get('top')?.(creds({ roles: ['x'] }), target()), true);
    });

    it('checks for cycles once per rule, so layered shared references compile at once', () => {
      // 60 layers, each naming the next one by two ways: some 10^12 paths, 122 rules.
      const rules: Record<string, string> = { l60: 'role:x', m60: 'role:x' };
      for (let i = 59; i >= 0; i--) {
        rules[`l${i}`] = `rule:l${i + 1} or rule:m${i + 1}`;
        rules[`m${i}`] = `rule:l${i + 1}`;
      }
      // A walk that visited a rule again for each path to it would not end within the test's timeout.
      const { checks } = compileRules(rules);
      assert.equal(checks.get('l0')?.(creds({ roles: ['x'] }), target()), true);
    });
  });

  describe('operators', () => {
    it('and needs every side', () => {
      assert.equal(withRoles('role:a and role:b', 'a', 'b'), true);
      assert.equal(withRoles('role:a and role:b', 'a'), false);
      assert.equal(withRoles('role:a and role:b', 'b'), false);
      assert.equal(withRoles('role:a and role:b and role:c', 'a', 'b'), false);
    });

    it('or needs any side', () => {
      assert.equal(withRoles('role:a or role:b', 'b'), true);
      assert.equal(withRoles('role:a or role:b', 'a'), true);
      assert.equal(withRoles('role:a or role:b', 'c'), false);
      assert.equal(withRoles('role:a or role:b or role:c', 'c'), true);
    });

    it('not inverts, and stacks', () => {
      assert.equal(withRoles('not role:a', 'a'), false);
      assert.equal(withRoles('not role:a', 'b'), true);
      assert.equal(withRoles('not not role:a', 'a'), true);
      assert.equal(allows('not !'), true);
      assert.equal(allows('not @'), false);
    });

    it('reads keywords case-insensitively', () => {
      assert.equal(withRoles('role:a OR role:b', 'b'), true);
      assert.equal(withRoles('role:a AND role:b', 'a'), false);
      assert.equal(withRoles('NOT role:a', 'a'), false);
    });

    it('binds and tighter than or', () => {
      // As (a or b) and c this would deny.
      assert.equal(withRoles('role:a or role:b and role:c', 'a'), true);
      assert.equal(withRoles('role:b and role:c or role:a', 'a'), true);
      assert.equal(withRoles('role:a or role:b and role:c', 'b'), false);
    });

    it('binds not tighter than and', () => {
      // As not (a and b) this would allow a caller with no roles.
      assert.equal(withRoles('not role:a and role:b'), false);
      assert.equal(withRoles('not role:a and role:b', 'b'), true);
      assert.equal(withRoles('not role:a and role:b', 'a', 'b'), false);
    });

    it('binds not tighter than or', () => {
      // As not (a or b) this would deny a caller with role b.
      assert.equal(withRoles('not role:a or role:b', 'a', 'b'), true);
    });
  });

  describe('parentheses', () => {
    it('override precedence', () => {
      assert.equal(withRoles('(role:a or role:b) and role:c', 'a'), false);
      assert.equal(withRoles('(role:a or role:b) and role:c', 'a', 'c'), true);
      assert.equal(withRoles('not (role:a and role:b)'), true);
      assert.equal(withRoles('not (role:a and role:b)', 'a', 'b'), false);
    });

    it('nest and need no surrounding spaces', () => {
      assert.equal(withRoles('((role:a))', 'a'), true);
      assert.equal(withRoles('(role:a or(role:b and role:c))and role:d', 'b', 'c', 'd'), true);
      assert.equal(withRoles('(role:a or(role:b and role:c))and role:d', 'b', 'd'), false);
    });

    it('keep %(name)s intact', () => {
      const expr = '(role:admin or project_id:%(project_id)s)';
      assert.equal(allows(expr, { project_id: 'p1' }, { project_id: 'p1' }), true);
      assert.equal(allows(expr, { project_id: 'p1' }, { project_id: 'p2' }), false);
    });
  });

  describe('parse errors', () => {
    it('names the rule and the problem', () => {
      rejects('role:a and', /expression ends too early/);
      rejects('not', /expression ends too early/);
      rejects('or role:a', /unexpected 'or'/);
      rejects('role:a and or role:b', /unexpected 'or'/);
      rejects('role:a and and role:b', /unexpected 'and'/);
      rejects('and role:a', /unexpected 'and'/);
      rejects('(role:a', /missing '\)'/);
      rejects('role:a)', /unexpected '\)'/);
      rejects('()', /unexpected '\)'/);
      rejects('role:a role:b', /unexpected 'role:b'/);
      rejects('admin', /'admin' is not a check/);
      rejects(':admin', /':admin' is not a check/);
      rejects('role:', /'role:' has no value/);
      rejects('rule:', /'rule:' has no value/);
      rejects('http://example.com', /unknown check kind 'http'/);
      rejects('domain_id:d1', /unknown check kind 'domain_id' \(expected rule, role or one of user_id, project_id, is_admin, is_admin_project, roles\)/);
      rejects('user_id:%(domain_id)s', /unknown target field 'domain_id' \(expected one of project_id, user_id\)/);
      rejects('user_id:%(user_id)', /malformed substitution/);
      rejects('user_id:%(user_id', /'%\(' without '\)'/);
      rejects("user_id:'u1", /unterminated '/);
    });

    it('quotes the rule text', () => {
      assert.throws(() => compileRules({ good: '@', bad: 'role:a and' }), {
        message: 'policy rule \'bad\': expression ends too early in "role:a and"',
      });
    });
  });
});
