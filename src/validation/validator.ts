import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { BadRequestError } from '../errors';
import { FreezerActionOptions } from './freezer-action-options';
import { pythonMessage } from './python-message';
import { runMessage } from './run-message';

export type SchemaName =
  | 'job'
  | 'job_patch'
  | 'action'
  | 'action_patch'
  | 'session'
  | 'session_replace'
  | 'session_patch'
  | 'client'
  | 'freshness_jobs_query'
  | 'freshness_clients_query'
  | 'webhook'
  | 'webhook_patch'
  | 'changes_query'
  | 'run_now_query'
  | 'run_cancel_query';

const NAMES: readonly SchemaName[] = [
  'job',
  'job_patch',
  'action',
  'action_patch',
  'session',
  'session_replace',
  'session_patch',
  'client',
  'freshness_jobs_query',
  'freshness_clients_query',
  'webhook',
  'webhook_patch',
  'changes_query',
  'run_now_query',
  'run_cancel_query',
];

export type KeystoneSchemaName =
  | 'keystone_auth'
  | 'keystone_project'
  | 'keystone_user'
  | 'keystone_role'
  | 'keystone_app_credential'
  | 'keystone_password_change';

const KEYSTONE_NAMES: readonly KeystoneSchemaName[] = [
  'keystone_auth',
  'keystone_project',
  'keystone_user',
  'keystone_role',
  'keystone_app_credential',
  'keystone_password_change',
];

/** Request shapes of the runs API, whose messages name every problem plainly (run-message.ts). */
export type RunSchemaName = 'run_open' | 'run_report';
const RUN_NAMES: readonly RunSchemaName[] = ['run_open', 'run_report'];

export interface Validator {
  /** Throws BadRequestError with the reference's wording of the most relevant problem. */
  assert(name: SchemaName, doc: unknown): void;
  /** Keystone request shapes: throws BadRequestError "Invalid input for field '<path>': ...". */
  assertKeystone(name: KeystoneSchemaName, doc: unknown): void;
  /** Runs API shapes: throws BadRequestError naming unknown keys, or the first bad value and why. */
  assertRun(name: RunSchemaName, doc: unknown): void;
  /** The freezer_action keys and action names the agent knows (strict_freezer_action). */
  readonly freezerActions: FreezerActionOptions;
}

/**
 * One ajv instance, every schema file of `schemas/` compiled once at start. allErrors is on so
 * the Python "best match" can be chosen among all problems, as the reference reports it.
 */
export function createValidator(schemaDir = findSchemaDir()): Validator {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const file of fs.readdirSync(schemaDir).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8')) as object);
  }
  const compiled = new Map<SchemaName | KeystoneSchemaName | RunSchemaName, ValidateFunction>();
  for (const name of [...NAMES, ...KEYSTONE_NAMES, ...RUN_NAMES]) {
    const fn = ajv.getSchema(`${name}.json`);
    if (!fn) throw new Error(`schema ${name}.json is missing from ${schemaDir}`);
    compiled.set(name, fn);
  }
  return {
    freezerActions: FreezerActionOptions.load(schemaDir),
    assert(name, doc) {
      const fn = compiled.get(name) as ValidateFunction;
      if (!fn(doc)) throw new BadRequestError(pythonMessage(fn.errors ?? [], doc));
    },
    assertRun(name, doc) {
      const fn = compiled.get(name) as ValidateFunction;
      if (!fn(doc)) throw new BadRequestError(runMessage(fn.errors ?? []));
    },
    assertKeystone(name, doc) {
      const fn = compiled.get(name) as ValidateFunction;
      if (fn(doc)) return;
      const e = (fn.errors ?? [])[0];
      const field = e ? e.instancePath.slice(1) || String(e.params.missingProperty ?? '') : '';
      throw new BadRequestError(`Invalid input for field '${field}': ${e?.message ?? 'is invalid'}`);
    },
  };
}

/** The top-level schemas/ folder, whether running from src/ (ts) or dist/src/ (compiled). */
export function findSchemaDir(start = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'schemas');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no schemas/ folder found above ${start}`);
    dir = parent;
  }
}
