import { BadMethodError, BadRequestError, NoSuchDocumentError, NotFoundError } from '../errors';
import type { Doc, Scope } from '../store/types';
import { CollectionService } from './collection-service';
import { assertMayChange, bodyObject, isObject, newId, pick, replaceOrCreate } from './common';
import type { ServiceDeps } from './deps';
import type { JobsService } from './jobs';
import { ownValue } from '../own-property';

/** Client-owned session fields: taken from create/replace bodies and patches. */
const CLIENT_FIELDS = ['description', 'session_tag', 'hold_off', 'schedule', 'time_started', 'time_ended'];
/** Everything a PATCH may set (the reference lets a patch set server-kept state too). */
const PATCHABLE = [...CLIENT_FIELDS, 'status', 'result', 'time_start', 'time_end'];

export interface SessionActionResult {
  result: 'success' | 'hold-off' | 'out-of-sync';
  session_tag: number;
}

/** Sessions: groups of jobs that start together (spec A.3.7 and A.7). */
export class SessionsService extends CollectionService {
  constructor(
    deps: ServiceDeps,
    private readonly jobs: JobsService,
  ) {
    super(deps, 'sessions');
  }

  async create(scope: Scope, body: unknown): Promise<{ session_id: string }> {
    const input = bodyObject(body, 'Missing request body');
    const id = newId();
    const doc = this.build(scope, id, input, null);
    await this.repo.insert(scope, { id, key: id, doc });
    return { session_id: id };
  }

  /** POST /sessions/{id}: sent fields replace, others are kept, except `jobs` (null unless sent). */
  async replace(scope: Scope, id: string, body: unknown): Promise<{ session_id: string; version: string }> {
    const input = bodyObject(body, 'Missing request body');
    this.deps.validator.assert('session_replace', input);
    await replaceOrCreate(this.repo, scope, id, (existing) => ({
      ...this.build(scope, id, { ...existing, ...pick(input, CLIENT_FIELDS) }, existing),
      jobs: input.jobs ?? null,
    }));
    return { session_id: id, version: id };
  }

  /** PATCH: `jobs` merged per job id, other known fields replaced, unknown keys ignored. */
  async patch(scope: Scope, id: string, body: unknown): Promise<{ session_id: string; version: number }> {
    const patch = bodyObject(body);
    for (const k of ['user_id', 'session_id', 'project_id']) delete patch[k];
    this.deps.validator.assert('session_patch', patch);
    const updated = await this.repo.update(scope, id, (doc) => {
      Object.assign(doc, pick(patch, PATCHABLE));
      if (isObject(patch.jobs)) doc.jobs = { ...(isObject(doc.jobs) ? doc.jobs : {}), ...patch.jobs };
      return doc;
    });
    if (!updated) throw sessionNotFound(id);
    return { session_id: id, version: 0 };
  }

  /** PUT /sessions/{s}/jobs/{j}: the job joins the session and takes its schedule and tag. */
  async addJob(scope: Scope, sessionId: string, jobId: string): Promise<void> {
    const job = await this.jobs.get(scope, jobId).catch((err: unknown) => {
      throw err instanceof NoSuchDocumentError ? new NotFoundError(`No Job found with ID:${jobId}`) : err;
    });
    await this.jobs.assertMayChange(scope, jobId);
    await assertMayChange(this.repo, scope, sessionId);
    const sched: Doc = isObject(job.job_schedule) ? job.job_schedule : {};
    const entry = {
      client_id: job.client_id,
      status: sched.status ?? '',
      result: sched.result ?? '',
      time_started: sched.time_started ?? '',
      time_ended: sched.time_ended ?? '',
    };
    const session = await this.repo.update(scope, sessionId, (doc) => {
      doc.jobs = { ...(isObject(doc.jobs) ? doc.jobs : {}), [jobId]: entry };
      return doc;
    });
    if (!session) throw sessionNotFound(sessionId);
    const moved = await this.jobs.update(scope, jobId, (doc) => ({
      ...doc,
      session_id: sessionId,
      session_tag: session.session_tag,
      job_schedule: session.schedule,
    }));
    if (!moved) throw new NotFoundError(`No Job found with ID:${jobId}`);
  }

  /** DELETE /sessions/{s}/jobs/{j}: the job leaves the session and is told to stop. */
  async removeJob(scope: Scope, sessionId: string, jobId: string): Promise<void> {
    await this.jobs.assertMayChange(scope, jobId);
    const session = await this.repo.update(scope, sessionId, (doc) => {
      const jobs = isObject(doc.jobs) ? { ...doc.jobs } : {};
      delete jobs[jobId];
      doc.jobs = jobs;
      return doc;
    });
    if (!session) throw sessionNotFound(sessionId);
    const job = await this.jobs.update(scope, jobId, (doc) => ({
      ...doc,
      session_id: '',
      session_tag: 0,
      job_schedule: { event: 'stop' },
    }));
    if (!job) throw new NotFoundError(`No Job found with ID:${jobId}`);
  }

  /** POST /sessions/{id}/action: the start/end protocol of spec A.7.3. */
  async action(scope: Scope, id: string, body: unknown): Promise<SessionActionResult> {
    if (!isObject(body) || Object.keys(body).length === 0) throw new BadRequestError('Bad action request format');
    const name = Object.keys(body)[0];
    if (name !== 'start' && name !== 'end') throw new BadMethodError();
    const args = body[name];
    if (!isObject(args)) throw new BadRequestError(`The ${name} action takes an object`);
    const jobId = args.job_id;
    if (typeof jobId !== 'string' || jobId === '') throw new BadRequestError(`The ${name} action needs a job_id`);
    // An agent's (client-limited) token reports runs of its own client's jobs only.
    if (scope.clientId && !(await this.jobs.exists(scope, jobId))) throw new NotFoundError(`No Job found with ID:${jobId}`);
    const now = this.deps.clock();
    let outcome: SessionActionResult | BadRequestError = new BadRequestError('job_id not found in session');
    const step =
      name === 'start'
        ? startStep(jobId, integerArg(args.current_tag, 'current_tag'), now)
        : endStep(jobId, stringArg(args.result, 'result'), now);
    const updated = await this.repo.update(scope, id, (doc) => {
      const r = step(doc);
      outcome = r.outcome;
      return r.write ? doc : null;
    });
    if (!updated) throw sessionNotFound(id);
    if (outcome instanceof BadRequestError) throw outcome;
    return outcome;
  }

  private build(scope: Scope, id: string, input: Doc, existing: Doc | null): Doc {
    const doc: Doc = {
      project_id: scope.projectId,
      session_id: id,
      user_id: scope.userId,
      description: input.description ?? null,
      session_tag: input.session_tag ?? 0,
      result: existing?.result ?? null,
      hold_off: input.hold_off ?? 30,
      status: existing?.status ?? 'active',
      time_ended: input.time_ended ?? -1,
      time_started: input.time_started ?? -1,
      time_end: existing?.time_end ?? -1,
      time_start: existing?.time_start ?? -1,
      schedule: input.schedule,
    };
    // v1 documents show project_id null; the schema checks it only when there is one.
    this.deps.validator.assert('session', { ...doc, project_id: scope.projectId ?? undefined });
    return doc;
  }
}

type Step = (doc: Doc) => { write: boolean; outcome: SessionActionResult | BadRequestError };

/** start(job_id, current_tag): joins the running session run, starts a new one, or refuses. */
function startStep(jobId: string, tag: number, now: number): Step {
  return (doc) => {
    const entry = sessionJob(doc, jobId);
    const S = Number(doc.session_tag ?? 0);
    if (!entry) return { write: false, outcome: new BadRequestError('job_id not found in session') };
    if (tag > S) {
      return { write: false, outcome: new BadRequestError(`requested tag value too high. Session Tag: ${S} Job Tag: ${tag}`) };
    }
    const elapsed = now - Number(doc.time_start ?? -1);
    const holdOff = Number(doc.hold_off ?? 60);
    const markRunning = () => Object.assign(entry, { status: 'running', result: '', time_started: now });
    if (elapsed <= holdOff) {
      if (tag === S) return { write: false, outcome: { result: 'hold-off', session_tag: S } };
      markRunning();
      return { write: true, outcome: { result: 'success', session_tag: S } };
    }
    if (tag < S) return { write: false, outcome: { result: 'out-of-sync', session_tag: S } };
    Object.assign(doc, { session_tag: S + 1, time_start: now, status: 'running', result: '' });
    markRunning();
    return { write: true, outcome: { result: 'success', session_tag: S + 1 } };
  };
}

/** end(job_id, result): records the job's result and completes the session when all are done. */
function endStep(jobId: string, result: string, now: number): Step {
  return (doc) => {
    const entry = sessionJob(doc, jobId);
    const S = Number(doc.session_tag ?? 0);
    if (!entry) return { write: false, outcome: new BadRequestError('job_id not found in session') };
    Object.assign(entry, { status: 'completed', result, time_ended: now });
    const overall = overallResult(Object.values(doc.jobs as Doc));
    if (doc.status !== 'completed' && overall !== 'running') {
      Object.assign(doc, { time_end: now, result: overall, status: 'completed' });
    }
    return { write: true, outcome: { result: 'success', session_tag: S } };
  };
}

/**
 * The session's entry for a job: an own property of `jobs` only. A job id such as `__proto__`
 * would otherwise find Object.prototype, and the start/end steps would write into every object
 * of the process.
 */
function sessionJob(doc: Doc, jobId: string): Doc | null {
  if (!isObject(doc.jobs)) return null;
  const entry = ownValue(doc.jobs, jobId);
  return isObject(entry) ? entry : null;
}

/**
 * The reference's walk in map order: the first entry not completed makes it running, the first
 * completed entry without success makes it fail (even if a later job still runs).
 */
function overallResult(entries: unknown[]): 'running' | 'fail' | 'success' {
  for (const e of entries) {
    const entry = isObject(e) ? e : {};
    if (entry.status !== 'completed') return 'running';
    if (entry.result !== 'success') return 'fail';
  }
  return 'success';
}

function integerArg(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v);
  throw new BadRequestError(`'${name}' must be an integer`);
}

function stringArg(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  throw new BadRequestError(`'${name}' must be a string`);
}

function sessionNotFound(id: string): NotFoundError {
  return new NotFoundError(`Session not register with ID ${id}`);
}
