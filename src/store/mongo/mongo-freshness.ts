import { Schema, type Connection, type Model, type UpdateQuery } from 'mongoose';
import { StorageError } from '../../errors';
import type {
  ClientFreshness,
  ClientFreshnessQuery,
  FreshnessStore,
  JobFreshness,
  JobFreshnessQuery,
  RecordMutation,
  RecordOwner,
  Updated,
} from '../freshness-types';
import { DuplicateError, type Scope } from '../types';
import {
  BACKFILL_MARKER,
  seenClientsPageFilter,
  CLIENT_ORDER,
  clientKeyFilter,
  clientListFilter,
  clientRecordOf,
  dueClientsFilter,
  dueJobsFilter,
  freshnessClientIndexes,
  freshnessJobIndexes,
  freshnessPage,
  JOB_ORDER,
  jobIdFilter,
  jobListFilter,
  jobRecordOf,
  type FreshnessClientRecord,
  type FreshnessJobRecord,
} from './freshness-translate';
import { guard } from './guard';
import type { IndexSpec } from './indexes';
import { MAX_UPDATE_ATTEMPTS, type Filter } from './translate';

/** The same storage options as the collections' models (models.ts): no buffering, explicit indexes. */
const OPTIONS = { versionKey: false, autoIndex: false, autoCreate: false, id: false, strict: true, bufferCommands: false } as const;

export interface FreshnessModels {
  jobs: Model<FreshnessJobRecord>;
  clients: Model<FreshnessClientRecord>;
}

export function freshnessModelsOf(conn: Connection): FreshnessModels {
  const jobs = new Schema<FreshnessJobRecord>(
    {
      job_id: String,
      user_id: String,
      project_id: String,
      client_id: String,
      stale: Boolean,
      stale_at: { type: Number, default: null },
      version: { type: Number, required: true },
      doc: String,
    },
    { ...OPTIONS, collection: 'freshness_jobs' },
  );
  const clients = new Schema<FreshnessClientRecord>(
    {
      user_id: String,
      project_id: String,
      client_id: String,
      silent: Boolean,
      last_seen_at: { type: Number, default: null },
      version: { type: Number, required: true },
      doc: String,
    },
    { ...OPTIONS, collection: 'freshness_clients' },
  );
  return {
    jobs: conn.model<FreshnessJobRecord>('freshness_jobs', withIndexes(jobs, freshnessJobIndexes()), 'freshness_jobs'),
    clients: conn.model<FreshnessClientRecord>('freshness_clients', withIndexes(clients, freshnessClientIndexes()), 'freshness_clients'),
  };
}

export async function createFreshnessIndexes(models: FreshnessModels): Promise<void> {
  await models.jobs.createIndexes();
  await models.clients.createIndexes();
}

/**
 * Freshness records in MongoDB. Several servers may write at once: an update is a
 * compare-and-set on `version` (an insert on the unique index when there was no record),
 * retried when another writer got there first, so a stale or silent transition is won by one.
 */
export class MongoFreshness implements FreshnessStore {
  constructor(private readonly models: FreshnessModels) {}

  async getJob(jobId: string): Promise<JobFreshness | null> {
    const row = await guard(() => this.models.jobs.findOne(jobIdFilter(jobId), { doc: 1 }).lean());
    return row ? (JSON.parse(row.doc) as JobFreshness) : null;
  }

  updateJob(jobId: string, mutate: RecordMutation<JobFreshness>): Promise<Updated<JobFreshness>> {
    return casUpdate(this.models.jobs, jobIdFilter(jobId), mutate, (r) => ({ ...r, job_id: jobId }), jobRecordOf);
  }

  async deleteJob(jobId: string): Promise<boolean> {
    return (await guard(() => this.models.jobs.deleteOne(jobIdFilter(jobId)))).deletedCount === 1;
  }

  async listJobs(scope: Scope, query: JobFreshnessQuery): Promise<JobFreshness[]> {
    return this.page(this.models.jobs, jobListFilter(scope, query), JOB_ORDER, query);
  }

  async dueJobs(now: number, limit: number): Promise<JobFreshness[]> {
    const rows = await guard(() => this.models.jobs.find(dueJobsFilter(now), { doc: 1 }).sort({ stale_at: 1 }).limit(limit).lean());
    return rows.map((r) => JSON.parse(r.doc) as JobFreshness);
  }

  async getClient(owner: RecordOwner, clientId: string): Promise<ClientFreshness | null> {
    const row = await guard(() => this.models.clients.findOne(clientKeyFilter(owner, clientId), { doc: 1 }).lean());
    return row ? (JSON.parse(row.doc) as ClientFreshness) : null;
  }

  updateClient(owner: RecordOwner, clientId: string, mutate: RecordMutation<ClientFreshness>): Promise<Updated<ClientFreshness>> {
    const keep = (r: ClientFreshness) => ({ ...r, client_id: clientId, user_id: owner.userId, project_id: owner.projectId });
    return casUpdate(this.models.clients, clientKeyFilter(owner, clientId), mutate, keep, clientRecordOf);
  }

  async listClients(scope: Scope, query: ClientFreshnessQuery): Promise<ClientFreshness[]> {
    return this.page(this.models.clients, clientListFilter(scope, query), CLIENT_ORDER, query);
  }

  async dueClients(cutoff: number, limit: number): Promise<ClientFreshness[]> {
    const rows = await guard(() => this.models.clients.find(dueClientsFilter(cutoff), { doc: 1 }).sort({ last_seen_at: 1 }).limit(limit).lean());
    return rows.map((r) => JSON.parse(r.doc) as ClientFreshness);
  }

  /** Pages by _id, so no cursor is held open across the awaits between pages. */
  async *scanSeenClients(): AsyncIterable<ClientFreshness> {
    for (let after: unknown = null; ; ) {
      const rows = await guard(() =>
        this.models.clients
          .find(seenClientsPageFilter(after), { doc: 1 })
          .sort({ _id: 1 })
          .limit(500)
          .lean<Array<{ _id: unknown; doc: string }>>(),
      );
      for (const r of rows) yield JSON.parse(r.doc) as ClientFreshness;
      if (rows.length < 500) return;
      after = rows[rows.length - 1]._id;
    }
  }

  async isBackfilled(): Promise<boolean> {
    return (await guard(() => this.models.clients.findOne(BACKFILL_MARKER, { _id: 1 }).lean())) !== null;
  }

  async markBackfilled(): Promise<void> {
    const marker = { ...BACKFILL_MARKER, silent: true, last_seen_at: null, version: 1, doc: '{}' };
    await guard(() => this.models.clients.updateOne(BACKFILL_MARKER, { $setOnInsert: marker }, { upsert: true }));
  }

  private async page<R extends { doc: string }, T>(model: Model<R>, filter: Filter, order: Record<string, 1>, query: { limit: number; offset: number }): Promise<T[]> {
    const page = freshnessPage(query);
    if (!page) return [];
    const rows = (await guard(() => model.find(filter, { doc: 1 }).sort(order).skip(page.skip).limit(page.limit).lean())) as unknown as Array<{ doc: string }>;
    return rows.map((r) => JSON.parse(r.doc) as T);
  }
}

async function casUpdate<R extends { version: number; doc: string }, T>(
  model: Model<R>,
  filter: Filter,
  mutate: RecordMutation<T>,
  keep: (r: T) => T,
  recordOf: (r: T, version: number) => R,
): Promise<Updated<T>> {
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const row = (await guard(() => model.findOne(filter, { version: 1, doc: 1 }).lean())) as { version: number; doc: string } | null;
    const before = row ? (JSON.parse(row.doc) as T) : null;
    const mutated = mutate(before === null ? null : structuredClone(before));
    if (!mutated) return { before, after: before };
    const after = keep(mutated);
    if (!row) {
      try {
        await guard(() => model.create(recordOf(after, 1)));
        return { before, after };
      } catch (err) {
        if (err instanceof DuplicateError) continue;
        throw err;
      }
    }
    const { version: _v, ...fields } = recordOf(after, row.version + 1);
    const update = { $set: fields, $inc: { version: 1 } } as unknown as UpdateQuery<R>;
    const res = await guard(() => model.updateOne({ ...filter, version: row.version }, update));
    if (res.matchedCount === 1) return { before, after };
  }
  throw new StorageError('the freshness record kept changing during the update');
}

function withIndexes<T>(schema: Schema<T>, specs: IndexSpec[]): Schema<T> {
  for (const spec of specs) schema.index(spec.fields, spec.options);
  return schema;
}
