import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import type { ActionRunner } from './action-types';
import { AgentJob, type JobDeps } from './agent-job';
import { LoginError } from './credentials';
import type { FreezerApi, JobDoc } from './freezer-api';
import { Limiter } from './limiter';
import { sleep } from './sleep';

/** Longest wait between polls while the API is failing. */
const MAX_BACKOFF_MS = 5 * 60_000;

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
  private readonly written = new Map<string, string>();

  constructor(
    private readonly config: AgentConfig,
    private readonly api: FreezerApi,
    private readonly runners: ReadonlyMap<string, ActionRunner>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly onProgress?: JobDeps['onProgress'],
  ) {
    this.limiter = new Limiter(config.concurrent_jobs);
  }

  async start(): Promise<void> {
    this.loop = this.config.no_api ? this.runFromFiles() : this.runWithApi();
  }

  /** SIGTERM: no more polls or new runs; running actions get `drain_timeout_s`, then are aborted. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await Promise.all([...this.jobs.values()].map((j) => j.halt(this.config.drain_timeout_s * 1000)));
  }

  private async runWithApi(): Promise<void> {
    this.clientId = await this.untilStopped(() => this.register(), 'register the client');
    if (!this.clientId) return;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        await this.poll();
        failures = 0;
      } catch (err) {
        failures++;
        this.log.error({ err: (err as Error).message, failures }, 'poll failed');
      }
      await sleep(this.delay(failures), this.stopping.signal);
    }
  }

  private async register(): Promise<string> {
    const project = await this.api.projectId();
    const clientId = this.config.client_id ?? `${project ?? 'noproject'}_${os.hostname()}`;
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
        this.log.error({ doc: JSON.stringify(doc).slice(0, 200) }, 'job document without job_id skipped');
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
      await this.cache(id, doc);
      let job = this.jobs.get(id);
      if (!job) {
        job = new AgentJob(doc, { api: this.api, runners: this.runners, limiter: this.limiter, log: this.log, disableExec: this.config.disable_exec, now: this.now, onProgress: this.onProgress });
        this.jobs.set(id, job);
        await job.handle(doc, AgentJob.firstEvent(doc));
      } else {
        await job.handle(doc);
      }
    } catch (err) {
      this.log.error({ jobId: id, err: (err as Error).message }, 'bad job document skipped');
    }
  }

  /** <jobs dir>/job_<id>.conf, as the stock scheduler keeps them; written only when changed. */
  private async cache(id: string, doc: JobDoc): Promise<void> {
    const text = JSON.stringify(doc, null, 4);
    if (this.written.get(id) === text) return;
    try {
      await fs.mkdir(this.config.jobs_dir, { recursive: true });
      await fs.writeFile(path.join(this.config.jobs_dir, `job_${id.replace(/[^\w.-]/g, '_')}.conf`), text);
      this.written.set(id, text);
    } catch (err) {
      this.log.warn({ jobId: id, err: (err as Error).message }, 'cannot cache the job document');
    }
  }

  /** B.9: jobs from the *.conf files of the jobs dir, processed once; nothing is written back. */
  private async runFromFiles(): Promise<void> {
    const files = (await fs.readdir(this.config.jobs_dir).catch(() => [] as string[])).filter((f) => f.endsWith('.conf')).sort();
    for (const file of files) {
      try {
        const doc = JSON.parse(await fs.readFile(path.join(this.config.jobs_dir, file), 'utf8')) as JobDoc;
        doc.job_id ??= file.replace(/^job_|\.conf$/g, '');
        await this.feed(doc.job_id, doc);
      } catch (err) {
        this.log.error({ file, err: (err as Error).message }, 'unreadable job file skipped');
      }
    }
    this.log.info({ jobs: this.jobs.size, dir: this.config.jobs_dir }, 'running jobs from files (--no-api)');
    await sleep(2 ** 31 - 1, this.stopping.signal);
  }

  /** Retries `fn` with backoff until it succeeds or the agent stops; '' when stopped. */
  private async untilStopped(fn: () => Promise<string>, what: string): Promise<string> {
    for (let failures = 1; !this.stopping.signal.aborted; failures++) {
      try {
        return await fn();
      } catch (err) {
        const hint = err instanceof LoginError ? ' (check the agent credentials)' : '';
        this.log.error({ err: (err as Error).message, failures }, `cannot ${what}${hint}; retrying`);
        await sleep(this.delay(failures), this.stopping.signal);
      }
    }
    return '';
  }

  /** The poll interval, or after failures an exponential backoff with +-25% jitter. */
  private delay(failures: number): number {
    const base = this.config.poll_interval_s * 1000;
    if (failures === 0) return base;
    const backoff = Math.min(MAX_BACKOFF_MS, Math.max(base, 1000) * 2 ** Math.min(failures - 1, 10));
    return backoff * (0.75 + Math.random() * 0.5);
  }
}
