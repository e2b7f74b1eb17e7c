import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import type { Credentials } from './credentials';
import { RunReportStream } from './run-report-stream';
import { httpJson, jsonOf, type HttpResponse } from './http-json';

/** A job document as the API returns it (only what the agent reads is typed). */
export interface JobDoc {
  job_id: string;
  job_schedule?: Record<string, unknown>;
  job_actions?: unknown;
  session_id?: string;
  session_tag?: number;
  client_id?: string;
  [key: string]: unknown;
}

/** The API answered with an error status (the agent logs it and goes on). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The calls the agent makes (spec B.7), so --no-api mode and tests can stand in for the API. */
export interface FreezerApi {
  /** POST /clients; "already registered" (409) is fine. */
  registerClient(clientId: string, hostname: string): Promise<void>;
  /** The client's jobs that are not completed (all pages); null when nothing changed since the last poll. */
  pollJobs(clientId: string): Promise<JobDoc[] | null>;
  patchJob(jobId: string, patch: Record<string, unknown>): Promise<void>;
  postBackup(doc: Record<string, unknown>): Promise<void>;
  sessionAction(sessionId: string, body: Record<string, unknown>): Promise<{ result?: string; session_tag?: number }>;
  /** The project the v2 URLs name (after login), for the default client id. */
  projectId(): Promise<string | null>;
  /**
   * Permafrost's wait-for-change channel (GET /clients/{client_id}/changes): the client's cursor
   * once its jobs differ from `since` (at once when `since` is null), or the same cursor after
   * `waitS` seconds without a change. null when the API does not offer it (the stock API: 404).
   */
  waitForChanges?(clientId: string, since: string | null, waitS: number, signal: AbortSignal): Promise<string | null>;
  /**
   * Whether the API keeps run records (GET /runs?limit=1 answers 200): asked once, then
   * remembered; false against the stock API (404), which then hears only the stock protocol.
   */
  runsOffered?(): Promise<boolean>;
  /** POST /runs: opens a run of one of the client's jobs; resolves to its run_id. */
  openRun?(body: Record<string, unknown>): Promise<string>;
  /** PATCH /runs/{run_id}: reports on an open run (ApiError 409 once it has ended). */
  reportRun?(runId: string, body: Record<string, unknown>): Promise<void>;
  /** GET /runs/{run_id}: the run, or null when there is none in scope. */
  getRun?(runId: string): Promise<Record<string, unknown> | null>;
  /**
   * One report on the agent's report stream (POST /run-reports, run-report-stream.ts); false
   * when the API has no stream: PATCH instead.
   */
  streamRunReport?(runId: string, body: Record<string, unknown>): boolean;
  /** Goes up whenever streamed reports may have been lost: the next report carries everything. */
  reportEpoch?(): number;
  /** Ends the long-lived requests (the agent has stopped). */
  close?(): void;
}

interface CachedPage {
  etag: string;
  jobs: JobDoc[];
}

/**
 * The Freezer API over HTTP, v2 (`/v2/{project}`) or v1, speaking exactly what the stock
 * scheduler speaks (spec B.2-B.7), plus one thing it does not: list pages are fetched with
 * If-None-Match, so an idle poll costs the API a 304 per page and the agent no parsing. APIs
 * without ETags (the stock one) simply always answer 200.
 */
export class HttpFreezerApi implements FreezerApi {
  private readonly pages = new Map<number, CachedPage>();
  private base: string | null = null;
  private runs: boolean | null = null;
  private stream: RunReportStream | null = null;

  constructor(
    private readonly config: AgentConfig,
    private readonly credentials: Credentials,
    private readonly log: Logger,
  ) {}

  async projectId(): Promise<string | null> {
    return this.config.project_id ?? (await this.credentials.projectId());
  }

  async registerClient(clientId: string, hostname: string): Promise<void> {
    const res = await this.call('POST', '/clients', { body: { client_id: clientId, hostname } });
    if (res.status === 409) return;
    this.check(res, 'register the client');
  }

  async pollJobs(clientId: string): Promise<JobDoc[] | null> {
    const limit = this.config.page_size;
    const search = { match_not: [{ status: 'completed' }], match: [{ client_id: clientId }] };
    const jobs: JobDoc[] = [];
    let changed = false;
    let offset = 0;
    for (;;) {
      const cached = this.pages.get(offset);
      const res = await this.call('GET', `/jobs?limit=${limit}&offset=${offset}`, {
        body: search,
        headers: cached ? { 'If-None-Match': cached.etag } : {},
      });
      let page: JobDoc[];
      if (res.status === 304 && cached) {
        page = cached.jobs;
      } else {
        this.check(res, 'list jobs');
        page = jobsOf(jsonOf(res));
        changed = true;
        const etag = res.headers.etag;
        if (typeof etag === 'string') this.pages.set(offset, { etag, jobs: page });
        else this.pages.delete(offset);
      }
      jobs.push(...page);
      if (page.length < limit) break;
      offset += limit;
    }
    // Pages beyond the last one belong to an older, longer list.
    for (const o of this.pages.keys()) if (o > offset) this.pages.delete(o);
    return changed ? jobs : null;
  }

  async patchJob(jobId: string, patch: Record<string, unknown>): Promise<void> {
    this.check(await this.call('PATCH', `/jobs/${encodeURIComponent(jobId)}`, { body: patch }), `update job ${jobId}`);
  }

  async postBackup(doc: Record<string, unknown>): Promise<void> {
    this.check(await this.call('POST', '/backups', { body: doc }), 'upload backup metadata');
  }

  async sessionAction(sessionId: string, body: Record<string, unknown>): Promise<{ result?: string; session_tag?: number }> {
    const res = await this.call('POST', `/sessions/${encodeURIComponent(sessionId)}/action`, { body });
    this.check(res, `session ${sessionId} action`);
    return (jsonOf(res) ?? {}) as { result?: string; session_tag?: number };
  }

  async waitForChanges(clientId: string, since: string | null, waitS: number, signal: AbortSignal): Promise<string | null> {
    const query = since === null ? '' : `?since=${encodeURIComponent(since)}&wait=${waitS}`;
    const res = await this.call('GET', `/clients/${encodeURIComponent(clientId)}/changes${query}`, {
      // The server holds the request up to waitS: the agent's own timeout comes on top.
      timeoutMs: waitS * 1000 + this.config.request_timeout_ms,
      signal,
    });
    // The stock API routes no such path (404); an older Permafrost may refuse the rule (403).
    if (res.status === 404 || res.status === 403 || res.status === 405) return null;
    this.check(res, 'wait for changes');
    const cursor = (jsonOf(res) as { cursor?: unknown } | null)?.cursor;
    if (typeof cursor !== 'string') throw new ApiError(0, 'the change answer has no "cursor" string');
    return cursor;
  }

  async runsOffered(): Promise<boolean> {
    if (this.runs !== null) return this.runs;
    const res = await this.call('GET', '/runs?limit=1', {});
    if (res.status >= 500 || res.status === 401 || res.status === 0) throw new ApiError(res.status, `cannot probe the runs API: HTTP ${res.status}`);
    this.runs = res.status === 200;
    this.log.info({ offered: this.runs }, this.runs ? 'the API keeps run records: runs are reported' : 'the API keeps no run records (stock API): stock protocol only');
    return this.runs;
  }

  async openRun(body: Record<string, unknown>): Promise<string> {
    const res = await this.call('POST', '/runs', { body });
    this.check(res, `open a run of job ${String(body.job_id)}`);
    const runId = (jsonOf(res) as { run_id?: unknown } | null)?.run_id;
    if (typeof runId !== 'string') throw new ApiError(0, 'the run answer has no "run_id"');
    return runId;
  }

  async reportRun(runId: string, body: Record<string, unknown>): Promise<void> {
    this.check(await this.call('PATCH', `/runs/${encodeURIComponent(runId)}`, { body }), `report on run ${runId}`);
  }

  streamRunReport(runId: string, body: Record<string, unknown>): boolean {
    this.stream ??= new RunReportStream({
      target: async () => ({ url: `${await this.baseUrl()}/run-reports`, headers: await this.credentials.headers() }),
      unauthorized: () => this.credentials.invalidate(),
      log: this.log,
      timeoutMs: this.config.request_timeout_ms,
    });
    return this.stream.send(runId, body);
  }

  reportEpoch(): number {
    return this.stream?.epoch ?? 0;
  }

  close(): void {
    this.stream?.stop();
  }

  async getRun(runId: string): Promise<Record<string, unknown> | null> {
    const res = await this.call('GET', `/runs/${encodeURIComponent(runId)}`, {});
    if (res.status === 404) return null;
    this.check(res, `read run ${runId}`);
    return (jsonOf(res) ?? null) as Record<string, unknown> | null;
  }

  /** One request; a 401 means a stale token: log in again once and retry. */
  private async call(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<HttpResponse> {
    const url = (await this.baseUrl()) + path;
    const send = async () =>
      httpJson(method, url, {
        body: opts.body,
        headers: { ...(await this.credentials.headers()), ...opts.headers },
        timeoutMs: opts.timeoutMs ?? this.config.request_timeout_ms,
        signal: opts.signal,
      });
    let res = await send();
    if (res.status === 401) {
      this.credentials.invalidate();
      res = await send();
    }
    return res;
  }

  private async baseUrl(): Promise<string> {
    if (this.base) return this.base;
    const root = (this.config.api_url as string).replace(/\/+$/, '');
    if (this.config.api_version === 'v1') return (this.base = `${root}/v1`);
    const project = await this.projectId();
    if (!project) throw new ApiError(0, 'no project for v2 URLs: set project_id (OS_PROJECT_ID) or log in with a project-scoped credential');
    return (this.base = `${root}/v2/${encodeURIComponent(project)}`);
  }

  private check(res: HttpResponse, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const detail = res.text.length > 300 ? `${res.text.slice(0, 300)}...` : res.text;
    this.log.debug({ status: res.status, detail }, `cannot ${what}`);
    throw new ApiError(res.status, `cannot ${what}: HTTP ${res.status} ${detail}`);
  }
}

function jobsOf(body: unknown): JobDoc[] {
  const jobs = (body as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(jobs)) throw new ApiError(0, 'the job list has no "jobs" array');
  return jobs as JobDoc[];
}
