import { BadRequestError, NotFoundError } from '../errors';
import type { Doc, ListQuery, Scope } from '../store/types';
import type { ClientLastSeen } from './runs/client-last-seen';
import type { ActionsService } from './actions';
import type { RunsService } from './runs/runs-service';
import { CollectionService } from './collection-service';
import { assertMayChange, bodyObject, isObject, newId, pick, refuseForeignId, replaceOrCreate } from './common';
import type { ServiceDeps } from './deps';
import { ownValue, setOwn } from '../own-property';

/** The fields a stored job has, in the reference's order (anything else is dropped). */
const JOB_FIELDS = ['job_id', 'project_id', 'user_id', 'job_schedule', 'client_id', 'session_id', 'session_tag', 'description', 'job_actions'];
/** Fields a PATCH may change; ids and owner are stripped, session_name/_version ignored. */
const PATCHABLE = ['job_schedule', 'client_id', 'session_id', 'session_tag', 'description', 'job_actions'];
const EVENTS = ['start', 'stop', 'abort'];

export type EventResult = 'success' | `${string} already requested`;

export class JobsService extends CollectionService {
  constructor(
    deps: ServiceDeps,
    private readonly actions: ActionsService,
    private readonly runs: RunsService | null = null,
    private readonly lastSeen: ClientLastSeen | null = null,
  ) {
    super(deps, 'jobs');
  }

  /**
   * A scheduler polls its jobs by listing them with `match: [{client_id}]` (or with a token
   * limited to its client): that poll is the client's sign of life (client last-seen).
   */
  override async listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    const page = await super.listJson(scope, query);
    const polled = scope.clientId ?? query.search?.match.find((m) => m.key === 'client_id' && typeof m.value === 'string')?.value;
    if (this.lastSeen && typeof polled === 'string') this.lastSeen.seen(scope.userId, polled);
    return page;
  }

  async create(scope: Scope, body: unknown): Promise<{ job_id: string }> {
    const job = this.prepare(bodyObject(body));
    if (isObject(job.job_schedule)) {
      // Server-owned times: client values are overwritten (spec A.3.5 step 4).
      Object.assign(job.job_schedule, { time_created: this.deps.clock(), time_started: -1, time_ended: -1 });
    }
    const id = newId();
    const doc = await this.stampValidateRegister(scope, id, job);
    await this.repo.insert(scope, { id, key: id, doc });
    return { job_id: id };
  }

  /** POST /jobs/{id}: full replace, or create under that id; no time_created is added. */
  async replace(scope: Scope, id: string, body: unknown): Promise<{ job_id: string; version: string }> {
    const job = this.prepare(bodyObject(body));
    await refuseForeignId(this.repo, scope, id);
    const doc = await this.stampValidateRegister(scope, id, job);
    await replaceOrCreate(this.repo, scope, id, () => doc);
    return { job_id: id, version: id };
  }

  /**
   * PATCH: each top-level key present replaces that field. Unlike the reference, a patch without
   * job_schedule keeps the schedule, and project_id cannot be patched (spec A.3.5 bug notes).
   */
  async patch(scope: Scope, id: string, body: unknown): Promise<{ job_id: string; version: number }> {
    const patch = bodyObject(body);
    for (const k of ['user_id', 'job_id', 'project_id']) delete patch[k];
    dropServerOwned(patch);
    this.checkActionDefaults(patch);
    expandActionDefaults(patch);
    this.deps.validator.assert('job_patch', patch);
    if (Array.isArray(patch.job_actions)) {
      if (!(await this.repo.get(scope, id))) throw notFound(id);
      await assertMayChange(this.repo, scope, id);
      patch.job_actions = await this.actions.registerJobActions(scope, patch.job_actions);
    }
    let before: Doc | null = null;
    const updated = await this.repo.update(scope, id, (doc) => {
      before = structuredClone(doc);
      const pending = pendingHalt(doc, patch);
      const runNow = isObject(doc.job_schedule) ? doc.job_schedule.run_now : undefined;
      for (const k of PATCHABLE) if (patch[k] !== undefined) doc[k] = patch[k];
      if (pending) (doc.job_schedule as Doc).event = pending;
      // Server-owned (run-now): kept when a scheduler echoes the schedule it read.
      if (runNow !== undefined && isObject(doc.job_schedule)) doc.job_schedule.run_now = runNow;
      return doc;
    });
    if (!updated) throw notFound(id);
    // Derived runs: the stock scheduler reports runs only through these PATCHes.
    if (this.runs && before) {
      await this.runs.onJobPatched({ userId: String(updated.user_id), projectId: typeof updated.project_id === 'string' ? updated.project_id : null }, before, updated);
    }
    return { job_id: id, version: 0 };
  }

  /** POST /jobs/{id}/event (spec A.6.4): records a start/stop/abort request for the scheduler. */
  async event(scope: Scope, id: string, body: unknown): Promise<{ result: EventResult }> {
    if (!isObject(body) || Object.keys(body).length === 0) throw new BadRequestError('Bad event request format');
    const event = Object.keys(body)[0];
    if (!(await this.repo.get(scope, id))) throw notFound(id);
    if (!EVENTS.includes(event)) throw new BadRequestError('Bad Action Method');
    let result: EventResult = 'success';
    const updated = await this.repo.update(scope, id, (doc) => {
      const schedule: Doc = isObject(doc.job_schedule) ? doc.job_schedule : {};
      if (schedule.event === event) {
        result = `${event} already requested`;
        return null;
      }
      result = 'success';
      doc.job_schedule = event === 'start' ? { ...schedule, event, status: '', result: '' } : { ...schedule, event };
      return doc;
    });
    if (!updated) throw notFound(id);
    return { result };
  }

  /** v1: 403 when the caller may see the job but not change it (sessions check before writing). */
  assertMayChange(scope: Scope, id: string): Promise<void> {
    return assertMayChange(this.repo, scope, id);
  }

  /** Session bookkeeping (used by SessionsService): applies `mutate` to the caller's job. */
  update(scope: Scope, id: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    return this.repo.update(scope, id, mutate);
  }

  /** Steps shared by create and replace: action_defaults checked and expanded, job_schedule defaulted. */
  private prepare(job: Doc): Doc {
    dropServerOwned(job);
    this.checkActionDefaults(job);
    expandActionDefaults(job);
    if (job.job_schedule === undefined) job.job_schedule = {};
    return job;
  }

  /** Each default becomes a freezer_action key, so it is checked like one (strict_freezer_action). */
  private checkActionDefaults(job: Doc): void {
    if (isObject(job.action_defaults)) this.actions.checkOptions(job.action_defaults, 'action_defaults');
  }

  private async stampValidateRegister(scope: Scope, id: string, job: Doc): Promise<Doc> {
    job.job_id = id;
    job.user_id = scope.userId;
    if (scope.projectId !== null) job.project_id = scope.projectId;
    else delete job.project_id;
    this.deps.validator.assert('job', job);
    job.job_actions = await this.actions.registerJobActions(scope, job.job_actions as unknown[]);
    return pick(
      { ...job, project_id: scope.projectId, session_id: job.session_id ?? '', session_tag: job.session_tag ?? 0, description: job.description ?? '' },
      JOB_FIELDS,
    );
  }
}

/** `job_schedule.run_now` is the server's (run-now requests): a body never sets it. */
function dropServerOwned(job: Doc): void {
  if (isObject(job.job_schedule)) delete job.job_schedule.run_now;
}

/** Copies action_defaults into every freezer_action where the key is missing or null (A.6.6). */
function expandActionDefaults(job: Doc): void {
  dropActionOwners(job);
  if (job.action_defaults === undefined) return;
  const defaults = job.action_defaults;
  if (!isObject(defaults)) throw new BadRequestError('action_defaults shouldbe a dictionary');
  delete job.action_defaults;
  if (!Array.isArray(job.job_actions)) return;
  for (const ja of job.job_actions) {
    if (!isObject(ja)) continue;
    const fa: Doc = isObject(ja.freezer_action) ? ja.freezer_action : {};
    // Own properties only: a default named `constructor` or `__proto__` is a key like any other.
    for (const [k, v] of Object.entries(defaults)) if (ownValue(fa, k) === undefined || ownValue(fa, k) === null) setOwn(fa, k, v);
    ja.freezer_action = fa;
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No Job found with ID:${id}`);
}

/**
 * A job's actions as read back carry their owner (`user_id`, and `project_id`, null in v1), which
 * the service stamps again; dropping them lets a client send back the document it read (what
 * schedulers do with whole-document PATCHes) instead of failing on v1's null project.
 */
function dropActionOwners(job: Doc): void {
  if (!Array.isArray(job.job_actions)) return;
  for (const ja of job.job_actions) {
    if (!isObject(ja)) continue;
    delete ja.user_id;
    delete ja.project_id;
  }
}

/**
 * A stop or abort requested while a scheduler is running the job must survive that scheduler's
 * run-start and run-end PATCHes: they carry the whole job_schedule as the scheduler last read it,
 * with `event: ""`, and would silently drop the request (the job then runs on). A PATCH that
 * reports the job `running` or `scheduled` therefore keeps a pending stop/abort; the scheduler
 * consumes it with the PATCH that reports `stop` or `completed`.
 */
function pendingHalt(stored: Doc, patch: Doc): string | null {
  const before = isObject(stored.job_schedule) ? stored.job_schedule.event : undefined;
  const incoming = patch.job_schedule;
  if ((before !== 'stop' && before !== 'abort') || !isObject(incoming)) return null;
  if (incoming.event !== undefined && incoming.event !== '' && incoming.event !== null) return null;
  return incoming.status === 'running' || incoming.status === 'scheduled' ? before : null;
}
