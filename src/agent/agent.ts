import fs from 'node:fs/promises';
import os from 'node:os';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import { ActionPolicy } from './action-policy';
import type { ActionRunner } from './action-types';
import { AgentJob, type JobDeps } from './agent-job';
import { clientIdOf } from './client-id';
import { LoginError } from './credentials';
import { ApiError, type FreezerApi, type JobDoc } from './freezer-api';
import { JobCache, redactSecrets } from './job-cache';
import { readJobFiles, untrustedJobFile } from './job-files';
import { Limiter } from './limiter';
import { pollDelay } from './poll-delay';
import { sleep } from './sleep';
import { StartError } from './start-error';

/** How long one wait on the change channel may be held (the server cuts it to its feed.max_wait). */
const CHANGES_WAIT_S = 55;

/**
 * `permafrost agent`: registers as a client, polls its jobs and runs them (spec B.2-B.3). Polls
 * never overlap (the next is timed from the end of the previous), a failing API is retried with
 * exponential backoff and jitter, and a bad job document is logged and skipped, never fatal.
 */
export class Agent {
  private readonly jobs = new Map<string, AgentJob>();
  private readonly limiter: Limiter;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private clientId = '';
  private readonly cache: JobCache;
  private readonly policy: ActionPolicy;
  /** Ends the sleep between two polls early (a change was announced); null while a poll runs. */
  private wakePoll: (() => void) | null = null;
  /** A change was announced while a poll ran: poll again as soon as it ends. */
  private pollAgain = false;
  /** The API answered the wait-for-change channel (it is a Permafrost API). */
  private onChannel = false;

  constructor(
    private readonly config: AgentConfig,
    private readonly api: FreezerApi,
    private readonly runners: ReadonlyMap<string, ActionRunner>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly onProgress?: JobDeps['onProgress'],
  ) {
    this.limiter = new Limiter(config.concurrent_jobs);
    this.cache = new JobCache(config.jobs_dir, log);
    this.policy = new ActionPolicy({ allowedPaths: config.allowed_paths });
  }

  /** Throws a StartError when the jobs directory cannot be trusted or secured. */
  async start(): Promise<void> {
    if (this.config.no_api) await checkJobsDir(this.config.jobs_dir);
    else await this.cache.prepare();
    this.loop = this.config.no_api ? this.runFromFiles() : this.runWithApi();
  }

  /**
   * Resolves when the agent stopped; rejects with a StartError when it cannot go on (its
   * credentials were refused at start).
   */
  get done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** SIGTERM: no more polls or new runs; running actions get `drain_timeout_s`, then are aborted. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop?.catch(() => undefined);
    await Promise.all([...this.jobs.values()].map((j) => j.halt(this.config.drain_timeout_s * 1000)));
    this.api.close?.();
  }

  private async runWithApi(): Promise<void> {
    this.clientId = await this.untilStopped(() => this.register(), 'register the client');
    if (!this.clientId) return;
    const watching = this.watchChanges();
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      this.pollAgain = false;
      try {
        await this.poll();
        failures = 0;
      } catch (err) {
        failures++;
        this.log.error({ err: (err as Error).message, failures }, 'poll failed');
      }
      if (!this.pollAgain || failures > 0) await this.nap(this.delay(failures));
    }
    await watching;
  }

  /** The sleep between polls: ends early when the agent stops or a change is announced. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener('abort', done);
        this.wakePoll = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopping.signal.addEventListener('abort', done, { once: true });
      this.wakePoll = done;
    });
  }

  /** A change of this client's jobs was announced: poll now (or right after the poll in flight). */
  private pollSoon(): void {
    this.pollAgain = true;
    this.wakePoll?.();
  }

  /**
   * Where the API offers the wait-for-change channel (a Permafrost API: the first request answers
   * 200), long-polls it and polls the jobs as soon as they change, so a new job, a run-now or a
   * cancel reaches the agent within a second rather than a poll interval. The interval poll
   * stays, as the fallback. Against the stock API (404) this returns at once: only polls, as before.
   */
  private async watchChanges(): Promise<void> {
    const api = this.api;
    if (!api.waitForChanges) return;
    let cursor: string | null = null;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        const next = await api.waitForChanges(this.clientId, cursor, CHANGES_WAIT_S, this.stopping.signal);
        if (next === null) {
          this.log.info('the API offers no wait-for-change channel: polling only');
          return;
        }
        if (cursor === null) this.log.info('waiting on the API\'s change channel between polls');
        this.onChannel = true;
        // The first cursor may already hold a change the first poll did not see: poll once more.
        if (next !== cursor) this.pollSoon();
        cursor = next;
        failures = 0;
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        failures++;
        this.log.warn({ err: (err as Error).message, failures }, 'change channel failed; the interval poll goes on');
        await sleep(this.delay(failures), this.stopping.signal);
      }
    }
  }

  private async register(): Promise<string> {
    const project = await this.api.projectId();
    const clientId = clientIdOf(this.config, project);
    await this.api.registerClient(clientId, os.hostname());
    this.log.info({ clientId }, 'registered');
    return clientId;
  }

  /** B.3: fetch, cache to disk, feed each document to its job, forget the jobs that left the list. */
  private async poll(): Promise<void> {
    const docs = await this.api.pollJobs(this.clientId);
    if (docs === null) return;
    const seen = new Set<string>();
    for (const doc of docs) {
      if (this.stopping.signal.aborted) return;
      const id = typeof doc?.job_id === 'string' ? doc.job_id : null;
      if (!id) {
        this.log.error({ doc: JSON.stringify(redactSecrets(doc)).slice(0, 200) }, 'job document without job_id skipped');
        continue;
      }
      seen.add(id);
      await this.feed(id, doc);
    }
    for (const [id, job] of this.jobs) {
      if (!seen.has(id)) job.remove();
      if (job.state === 'removed') this.jobs.delete(id);
    }
  }

  private async feed(id: string, doc: JobDoc): Promise<void> {
    try {
      if (!this.config.no_api) await this.cache.write(id, doc);
      let job = this.jobs.get(id);
      if (!job) {
        job = new AgentJob(doc, {
          api: this.api, runners: this.runners, limiter: this.limiter, log: this.log, disableExec: this.config.disable_exec,
          policy: this.policy, now: this.now, onProgress: this.onProgress, onChangeChannel: () => this.onChannel,
        });
        this.jobs.set(id, job);
        await job.handle(doc, AgentJob.firstEvent(doc));
      } else {
        await job.handle(doc);
      }
    } catch (err) {
      this.log.error({ jobId: id, err: (err as Error).message }, 'bad job document skipped');
    }
  }

  /**
   * B.9: jobs from the *.conf files of the jobs dir, processed once; nothing is written back. A
   * job file runs commands as the agent's user, so one that another user could have written is
   * refused (like ssh's StrictModes).
   */
  private async runFromFiles(): Promise<void> {
    for (const f of await readJobFiles(this.config.jobs_dir)) {
      if ('doc' in f) await this.feed(f.doc.job_id, f.doc);
      else if (f.refused) this.log.error({ file: f.file }, `job file refused: ${f.refused}`);
      else this.log.error({ file: f.file, err: f.unreadable }, 'unreadable job file skipped');
    }
    this.log.info({ jobs: this.jobs.size, dir: this.config.jobs_dir }, 'running jobs from files (--no-api)');
    await sleep(2 ** 31 - 1, this.stopping.signal);
  }

  /**
   * Retries `fn` with backoff until it succeeds or the agent stops; '' when stopped. Credentials
   * that are refused (401) will not become right by waiting: that is a StartError. An identity
   * service or API that cannot be reached is retried.
   */
  private async untilStopped(fn: () => Promise<string>, what: string): Promise<string> {
    for (let failures = 1; !this.stopping.signal.aborted; failures++) {
      try {
        return await fn();
      } catch (err) {
        const refused = refusalOf(err, this.config);
        if (refused) {
          this.log.fatal({ err: (err as Error).message }, refused);
          throw new StartError(refused);
        }
        const hint = err instanceof LoginError ? ' (check the agent credentials)' : '';
        this.log.error({ err: (err as Error).message, failures }, `cannot ${what}${hint}; retrying`);
        await sleep(this.delay(failures), this.stopping.signal);
      }
    }
    return '';
  }

  /** The poll interval, or after failures an exponential backoff with +-25% jitter. */
  private delay(failures: number): number {
    return pollDelay(failures, this.config.poll_interval_s);
  }
}

/** The jobs directory of --no-api: the agent runs what it holds, so others must not be able to add to it. */
async function checkJobsDir(dir: string): Promise<void> {
  const st = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new StartError(`jobs_dir ${dir}: ${err.code === 'ENOENT' ? 'does not exist' : err.message}; --no-api runs the job files of that directory`);
  });
  const untrusted = untrustedJobFile(`jobs_dir ${dir}`, st);
  if (untrusted) throw new StartError(untrusted);
}

/** What to tell the operator when the credentials were refused (HTTP 401), or null for any other failure. */
function refusalOf(err: unknown, config: AgentConfig): string | null {
  if (err instanceof LoginError && err.status === 401) {
    const what = config.application_credential_id !== null
      ? 'the application credential (OS_APPLICATION_CREDENTIAL_ID / OS_APPLICATION_CREDENTIAL_SECRET)'
      : `the user and password (OS_USERNAME / OS_PASSWORD, user domain ${config.user_domain_name}) and the project`;
    return `login at ${config.auth_url} refused (HTTP 401): check ${what}`;
  }
  if (err instanceof ApiError && err.status === 401) {
    const what = config.token !== null ? 'the token (OS_TOKEN): it is wrong or expired'
      : config.noauth_user !== null ? 'noauth_user: the API is not in noauth mode'
        : `that the API at ${config.api_url} accepts tokens from ${config.auth_url}`;
    return `the API at ${config.api_url} refused the agent's credentials (HTTP 401): check ${what}`;
  }
  if (err instanceof ApiError && err.status === 403) {
    return `the API at ${config.api_url} does not let these credentials register client ${config.client_id ?? '(default id)'} (HTTP 403): ` +
      'check --client-id against the client_id of the application credential, and the role (member) in the project';
  }
  return null;
}
