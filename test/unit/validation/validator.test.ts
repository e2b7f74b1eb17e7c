import assert from 'node:assert/strict';
import { BadRequestError } from '../../../src/errors';
import { closestName, createValidator, type SchemaName } from '../../../src/validation';
import { pyRepr } from '../../../src/validation/python-message';

describe('pyRepr (Python repr of JSON values)', () => {
  it('renders scalars, lists and dicts as Python prints them', () => {
    assert.equal(pyRepr(null), 'None');
    assert.equal(pyRepr(true), 'True');
    assert.equal(pyRepr(false), 'False');
    assert.equal(pyRepr(5), '5');
    assert.equal(pyRepr(1.5), '1.5');
    assert.equal(pyRepr('x'), "'x'");
    assert.equal(pyRepr(['', 'stop']), "['', 'stop']");
    assert.equal(pyRepr({ a: 1, b: [null] }), "{'a': 1, 'b': [None]}");
  });

  it('quotes and escapes strings like Python', () => {
    assert.equal(pyRepr("it's"), '"it\'s"');
    assert.equal(pyRepr('both \' and "'), "'both \\' and \"'");
    assert.equal(pyRepr('a\\d'), "'a\\\\d'");
    assert.equal(pyRepr('line\nnext\t'), "'line\\nnext\\t'");
    assert.equal(pyRepr('\u0001'), "'\\x01'");
    assert.equal(pyRepr('ü'), "'ü'");
  });
});

describe('createValidator: the reference wording of the most relevant error', () => {
  const validator = createValidator();
  const messageOf = (name: SchemaName, doc: unknown): string => {
    try {
      validator.assert(name, doc);
    } catch (err) {
      assert.ok(err instanceof BadRequestError);
      assert.equal(err.title, 'Bad request format');
      return err.description ?? '';
    }
    return 'valid';
  };
  const job = { job_id: 'j1', user_id: 'u1', client_id: 'projA_host1', job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup' } }] };

  it('accepts valid documents', () => {
    assert.equal(messageOf('job', job), 'valid');
    assert.equal(messageOf('job_patch', {}), 'valid');
    assert.equal(messageOf('client', { client_id: 'host1', hostname: 'host1' }), 'valid');
    assert.equal(messageOf('session', { session_id: 's', user_id: 'u', session_tag: 0, schedule: {} }), 'valid');
  });

  it('reports required properties in the reference order', () => {
    assert.equal(messageOf('job', {}), "'job_actions' is a required property");
    const { client_id: _dropped, ...noClient } = job;
    assert.equal(messageOf('job', noClient), "'client_id' is a required property");
    assert.equal(messageOf('action', { action_id: 'a', user_id: 'u' }), "'freezer_action' is a required property");
    assert.equal(messageOf('session', { session_id: 's', user_id: 'u', session_tag: 0 }), "'schedule' is a required property");
  });

  it('names unexpected keys, one or several', () => {
    assert.equal(messageOf('job', { ...job, colour: 'red' }), "Additional properties are not allowed ('colour' was unexpected)");
    assert.equal(messageOf('job', { ...job, a: 1, b: 2 }), "Additional properties are not allowed ('a', 'b' were unexpected)");
    assert.equal(messageOf('job', { ...job, job_schedule: { when: 1 } }), "Additional properties are not allowed ('when' was unexpected)");
  });

  it('prefers the shallowest problem: a missing field over a bad nested one', () => {
    const { job_actions: _gone, ...noActions } = job;
    assert.equal(messageOf('job', { ...noActions, job_schedule: { schedule_interval: 'often' } }), "'job_actions' is a required property");
  });

  it('shows patterns as Python literals, with doubled backslashes', () => {
    assert.equal(
      messageOf('job', { ...job, job_schedule: { schedule_interval: 'often' } }),
      "'often' does not match '^(continuous|(\\\\d+ +(weeks|days|hours|minutes|seconds)))$'",
    );
    assert.match(messageOf('job', { ...job, job_schedule: { schedule_interval: '1 day' } }), /^'1 day' does not match/);
    for (const ok of ['2 hours', 'continuous', '5 minutes', '10 weeks']) {
      assert.equal(messageOf('job', { ...job, job_schedule: { schedule_interval: ok } }), 'valid', ok);
    }
  });

  it('words type and enum errors like Python', () => {
    assert.equal(messageOf('job', { ...job, session_tag: 'x' }), "'x' is not of type 'integer'");
    assert.equal(messageOf('client', { client_id: 'h', user_id: null }), "None is not of type 'string'");
    assert.equal(messageOf('client', { client_id: 'h', description: 5 }), "5 is not of type 'string'");
    assert.equal(messageOf('session', { session_id: 's', user_id: 'u', session_tag: 0, schedule: {}, description: 5 }), "5 is not of type 'string', 'null'");
    assert.equal(messageOf('job', { ...job, job_schedule: { event: 'explode' } }), "'explode' is not one of ['', 'stop', 'start', 'abort', 'remove']");
  });

  it('checks freezer_action.action, client ids and the unanchored hostname pattern', () => {
    assert.equal(messageOf('job', { ...job, job_actions: [{ freezer_action: { mode: 'fs' } }] }), "'action' is a required property");
    assert.match(messageOf('client', { client_id: 'bad id!' }), /^'bad id!' does not match/);
    assert.equal(messageOf('client', { client_id: 'projA_host1' }), 'valid');
    assert.match(messageOf('client', { client_id: 'h', hostname: '!!!' }), /does not match/);
    assert.equal(messageOf('client', { client_id: 'h', hostname: 'a b' }), 'valid');
  });
});

describe('trust 14: closestName and FreezerActionOptions (did you mean)', () => {
  it('trust 14: suggests the closest option for typos (missing, extra, swapped letters), nothing for far-off words', () => {
    const names = ['encrypt_pass_file', 'compression', 'backup_name', 'mode', 'dry_run'];
    assert.equal(closestName('encrypt_pass_fle', names), 'encrypt_pass_file');
    assert.equal(closestName('compresion', names), 'compression');
    assert.equal(closestName('backpu_name', names), 'backup_name');
    assert.equal(closestName('mdoe', names), 'mode');
    assert.equal(closestName('colour', names), null);
    assert.equal(closestName('x'.repeat(1_000_000), names), null);
  });

  it('trust 14: names every unknown key (at most five) and checks the action against the list in schemas/', () => {
    const opts = createValidator().freezerActions;
    assert.doesNotThrow(() => opts.assert({ action: 'backup', compression: 'zstd', shell: true }, 'freezer_action'));
    assert.throws(() => opts.assert({ action: 'backup', a1: 1, a2: 1, a3: 1, a4: 1, a5: 1, a6: 1, a7: 1 }, 'here'), {
      message: "Unknown freezer_action options 'a1', 'a2', 'a3', 'a4', 'a5' and 2 more in here",
    });
    assert.throws(() => opts.assert({ action: 'restor' }, 'fa'), {
      message: "Unknown action 'restor' (did you mean 'restore'?) in fa.action; the actions are backup, restore, admin, info, exec",
    });
    assert.throws(() => opts.assert(JSON.parse('{"__proto__": 1, "action": "info"}'), 'fa'), BadRequestError);
  });
});
