import type { Logger } from 'pino';
import type { FreezerApi, JobDoc } from './freezer-api';

/** --no-api (spec B.9): nothing is written anywhere, and sessions are unavailable. */
export class NoApi implements FreezerApi {
  constructor(private readonly log: Logger) {}

  async registerClient(): Promise<void> {}
  async pollJobs(): Promise<JobDoc[] | null> {
    return null;
  }
  async patchJob(jobId: string, patch: Record<string, unknown>): Promise<void> {
    const s = (patch.job_schedule ?? {}) as Record<string, unknown>;
    this.log.debug({ jobId, status: s.status, result: s.result }, 'job state (not sent: --no-api)');
  }
  async postBackup(doc: Record<string, unknown>): Promise<void> {
    this.log.info({ jobId: doc.job_id }, 'backup metadata (not uploaded: --no-api)');
  }
  async sessionAction(): Promise<{ result?: string }> {
    throw new Error('sessions need the API (--no-api)');
  }
  async projectId(): Promise<string | null> {
    return null;
  }
}
