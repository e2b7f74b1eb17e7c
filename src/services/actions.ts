import { termOf } from '../search';
import { ConflictError, NotFoundError } from '../errors';
import type { Doc, Scope } from '../store/types';
import { CollectionService } from './collection-service';
import { DuplicateError } from '../store/types';
import { bodyObject, isObject, newId, replaceOrCreate } from './common';
import type { ServiceDeps } from './deps';
import { setOwn } from '../own-property';

/** Keys the reference always shows in a single action's freezer_action, null when unknown. */
const SHOWN_ACTION_KEYS = ['backup_name', 'action', 'mode', 'container', 'timeout', 'priority', 'path_to_backup', 'log_file'];

/**
 * Actions. Stored in the list-item shape of the reference; `mandatory` is the top-level flag
 * (the reference reads it from freezer_action and so loses it: spec A.3.6).
 */
export class ActionsService extends CollectionService {
  constructor(deps: ServiceDeps) {
    super(deps, 'actions');
  }

  async create(scope: Scope, body: unknown): Promise<{ action_id: string }> {
    const input = bodyObject(body, 'Missing request body');
    const id = typeof input.action_id === 'string' && input.action_id !== '' ? input.action_id : newId();
    const doc = this.build(scope, id, input, { max_retries: 5, max_retries_interval: 6 });
    this.checkOptions(input.freezer_action, 'freezer_action');
    try {
      await this.repo.insert(scope, { id, key: id, doc });
    } catch (err) {
      if (err instanceof DuplicateError) throw new ConflictError(`Action already registered with ID ${id}`);
      throw err;
    }
    return { action_id: id };
  }

  /** A single action has the reference's own shape (list items differ). */
  override async getJson(scope: Scope, id: string): Promise<string> {
    return JSON.stringify(presentOne(await this.get(scope, id)));
  }

  /** Top-level replace: each key of the patch replaces that field (a documented choice, A.3.6). */
  async patch(scope: Scope, id: string, body: unknown): Promise<{ action_id: string; version: string }> {
    const input = bodyObject(body);
    delete input.user_id;
    delete input.action_id;
    delete input.project_id;
    this.deps.validator.assert('action_patch', input);
    if (input.freezer_action !== undefined) await this.checkChangedOptions(scope, id, input.freezer_action);
    const updated = await this.repo.update(scope, id, (doc) => {
      const merged = { ...doc };
      for (const key of ['freezer_action', 'max_retries', 'max_retries_interval', 'mandatory'] as const) {
        if (input[key] !== undefined) merged[key] = input[key];
      }
      return this.shape(merged);
    });
    if (!updated) throw new NotFoundError(`No action found with ID:${id}`);
    return { action_id: id, version: id };
  }

  async replace(scope: Scope, id: string, body: unknown): Promise<{ action_id: string; version: string }> {
    const input = bodyObject(body, 'Missing request body');
    // Keys missing from a replace become null, as in the reference.
    const doc = this.build(scope, id, input, { max_retries: null, max_retries_interval: null });
    await this.checkChangedOptions(scope, id, input.freezer_action);
    await replaceOrCreate(this.repo, scope, id, () => doc);
    return { action_id: id, version: id };
  }

  /**
   * Registers the actions of a job (spec A.6.7) and returns the job_actions with action_id,
   * user_id and project_id written in. An action whose freezer_action differs from the stored one
   * under the same id becomes a new action with a fresh id (the reference fails with a 400).
   */
  async registerJobActions(scope: Scope, jobActions: unknown[]): Promise<unknown[]> {
    // Every action is looked up and checked before any is written, so a refused job leaves no
    // actions behind.
    const plans: Array<{ ja: Doc; id: string | null; reuse: boolean } | null> = [];
    for (const [i, entry] of jobActions.entries()) {
      if (!isObject(entry)) {
        plans.push(null);
        continue;
      }
      const ja = { ...entry };
      let id = typeof ja.action_id === 'string' && ja.action_id !== '' ? ja.action_id : null;
      let reuse = false;
      if (id) {
        const existing = await this.repo.get(scope, id);
        reuse = existing !== null && sameAction(existing.doc.freezer_action, ja.freezer_action);
        if (!reuse && (existing || (await this.repo.ownerOf(id)))) id = null;
      }
      // An action sent back unchanged is not new input: jobs stored before strictness still update.
      if (!reuse) this.checkOptions(ja.freezer_action, `job_actions[${i}].freezer_action`);
      plans.push({ ja, id, reuse });
    }
    const out: unknown[] = [];
    for (const [i, plan] of plans.entries()) {
      if (!plan) {
        out.push(jobActions[i]);
        continue;
      }
      const id = plan.reuse ? (plan.id as string) : await this.insertJobAction(scope, plan.id, plan.ja);
      out.push({ ...plan.ja, user_id: scope.userId, project_id: scope.projectId, action_id: id });
    }
    return out;
  }

  /**
   * Stores a job's action under the id it came with, or under a new one when that id is taken by
   * the time it is written (the list repeats it, or another request created it meanwhile).
   */
  private async insertJobAction(scope: Scope, wanted: string | null, ja: Doc): Promise<string> {
    const insert = (id: string) => this.repo.insert(scope, { id, key: id, doc: this.build(scope, id, ja, { max_retries: 5, max_retries_interval: 6 }) });
    if (wanted !== null) {
      try {
        await insert(wanted);
        return wanted;
      } catch (err) {
        if (!(err instanceof DuplicateError)) throw err;
      }
    }
    const id = newId();
    await insert(id);
    return id;
  }

  /** strict_freezer_action: unknown keys and action names of a freezer_action are a 400. */
  checkOptions(options: unknown, where: string): void {
    if (this.deps.strictFreezerAction) this.deps.validator.freezerActions.assert(options, where);
  }

  /** As checkOptions, unless the action already stored under `id` has that very freezer_action. */
  private async checkChangedOptions(scope: Scope, id: string, options: unknown): Promise<void> {
    if (!this.deps.strictFreezerAction) return;
    const existing = await this.repo.get(scope, id);
    if (!existing || !sameAction(existing.doc.freezer_action, options)) this.checkOptions(options, 'freezer_action');
  }

  private build(scope: Scope, id: string, input: Doc, defaults: { max_retries: unknown; max_retries_interval: unknown }): Doc {
    const candidate = { ...input, action_id: id, user_id: scope.userId, ...(scope.projectId ? { project_id: scope.projectId } : {}) };
    this.deps.validator.assert('action', candidate);
    return this.shape({
      project_id: scope.projectId,
      user_id: scope.userId,
      max_retries_interval: input.max_retries_interval ?? defaults.max_retries_interval,
      max_retries: input.max_retries ?? defaults.max_retries,
      action_id: id,
      mandatory: input.mandatory ?? false,
      freezer_action: input.freezer_action,
    });
  }

  /**
   * The stored (list) shape of the reference: timeout mirrored from freezer_action, and its
   * always-shown keys present (null when unknown), in lists and searches alike.
   */
  private shape(d: Doc): Doc {
    const fa: Doc = { ...(isObject(d.freezer_action) ? d.freezer_action : {}) };
    for (const k of SHOWN_ACTION_KEYS) fa[k] ??= null;
    return {
      project_id: d.project_id ?? null,
      user_id: d.user_id,
      timeout: fa.timeout,
      max_retries_interval: d.max_retries_interval ?? null,
      max_retries: d.max_retries ?? null,
      action_id: d.action_id,
      mandatory: d.mandatory ?? false,
      freezer_action: fa,
    };
  }
}

/** GET of one action: the reference's shape (no timeout mirror; mandatory kept, see A.3.6). */
function presentOne(doc: Doc): Doc {
  return {
    project_id: doc.project_id,
    action_id: doc.action_id,
    user_id: doc.user_id,
    max_retries: doc.max_retries,
    max_retries_interval: doc.max_retries_interval,
    mandatory: doc.mandatory,
    freezer_action: doc.freezer_action,
  };
}

/** Equality of freezer_actions, ignoring null-versus-missing and the `_version`/`user_id` keys. */
function sameAction(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): Doc => {
    const out: Doc = {};
    if (!isObject(v)) return out;
    for (const [k, val] of Object.entries(v)) if (val !== null && val !== undefined && k !== '_version' && k !== 'user_id') setOwn(out, k, val);
    return out;
  };
  return termOf('freezer_action', norm(a)) === termOf('freezer_action', norm(b));
}
