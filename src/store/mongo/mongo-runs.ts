import type { Model } from 'mongoose';
import { StorageError } from '../../errors';
import { assertWritable } from '../project-access';
import { assertOwnClient } from '../runs/run-scope';
import type { OwnedRun, ProgressWrite, RunPage, RunsRepository } from '../runs/runs-repository';
import type { Doc, Scope } from '../types';
import { guard } from './guard';
import {
  NEWEST_FIRST,
  openIdleFilter,
  progressTargetFilter,
  openRunOfFilter,
  ownerOfRun,
  prunableOlderFilter,
  runColumns,
  runIdFilter,
  runListPlan,
  runRecord,
  type RunRecord,
} from './runs-translate';
import { MAX_UPDATE_ATTEMPTS } from './translate';

type Found = Pick<RunRecord, 'id' | 'user_id' | 'project_id' | 'version' | 'doc'>;
const FOUND = { _id: 0, id: 1, user_id: 1, project_id: 1, version: 1, doc: 1 } as const;

/**
 * The runs in MongoDB (filters and indexes: runs-translate.ts). Several servers may report the
 * same run, so `update` is a compare-and-set on `version`, retried when another writer won.
 */
export class MongoRuns implements RunsRepository {
  constructor(private readonly model: Model<RunRecord>) {}

  async get(scope: Scope, runId: string): Promise<Doc | null> {
    const row = await this.find(scope, runId);
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  async getJson(scope: Scope, runId: string): Promise<string | null> {
    return (await this.find(scope, runId))?.doc ?? null;
  }

  async list(scope: Scope, page: RunPage): Promise<string[]> {
    if (page.limit <= 0) return [];
    const plan = runListPlan(scope, page);
    const rows = await guard(() =>
      this.model.find(plan.filter, { _id: 0, doc: 1 }).sort(plan.sort).hint(plan.hint).skip(plan.skip).limit(plan.limit).lean<Array<Pick<RunRecord, 'doc'>>>(),
    );
    return rows.map((r) => r.doc);
  }

  async insert(scope: Scope, doc: Doc): Promise<void> {
    assertOwnClient(scope, doc);
    const record = runRecord(scope, doc);
    await guard(() => this.model.create(record));
  }

  async update(scope: Scope, runId: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const row = await this.find(scope, runId);
      if (!row) return null;
      assertWritable(scope, row.project_id);
      const after = mutate(JSON.parse(row.doc) as Doc);
      if (!after) return JSON.parse(row.doc) as Doc;
      const res = await guard(() => this.model.updateOne({ id: row.id, version: row.version }, { $set: runColumns(after), $inc: { version: 1 } }));
      if (res.matchedCount === 1) return after;
    }
    throw new StorageError('the run kept changing during the update');
  }

  async writeProgress(reports: ProgressWrite[]): Promise<string[]> {
    const written: string[] = [];
    for (const r of reports) {
      for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        const row = await guard(() => this.model.findOne(progressTargetFilter(r.runId, r.updatedAt), FOUND).lean<Found>());
        if (!row) break;
        const doc = { ...(JSON.parse(row.doc) as Doc), progress: r.progress, updated_at: r.updatedAt };
        const res = await guard(() => this.model.updateOne({ id: row.id, version: row.version }, { $set: runColumns(doc), $inc: { version: 1 } }));
        if (res.matchedCount === 1) {
          written.push(r.runId);
          break;
        }
      }
    }
    return written;
  }

  async openRunOf(jobId: string): Promise<OwnedRun | null> {
    const row = await guard(() => this.model.findOne(openRunOfFilter(jobId), FOUND).sort(NEWEST_FIRST).hint('runs_job').lean<Found>());
    return row ? { owner: ownerOfRun(row), doc: JSON.parse(row.doc) as Doc } : null;
  }

  async openIdleSince(updatedBefore: number, limit: number): Promise<OwnedRun[]> {
    const rows = await guard(() =>
      this.model.find(openIdleFilter(updatedBefore), FOUND).sort({ open: 1, updated_at: 1 }).hint('runs_open').limit(limit).lean<Found[]>(),
    );
    return rows.map((r) => ({ owner: ownerOfRun(r), doc: JSON.parse(r.doc) as Doc }));
  }

  async pruneOlderThan(createdBefore: number, limit: number): Promise<number> {
    const ids = await guard(() =>
      this.model.find(prunableOlderFilter(createdBefore), { _id: 0, id: 1 }).sort({ created_at: 1 }).hint('runs_created').limit(limit).lean<Array<{ id: string }>>(),
    );
    return this.deleteIds(ids.map((r) => r.id));
  }

  async pruneJobBeyond(jobId: string, keep: number, limit: number): Promise<number> {
    const ids = await guard(() =>
      this.model
        .find({ job_id: String(jobId) }, { _id: 0, id: 1, open: 1 })
        .sort(NEWEST_FIRST)
        .hint('runs_job')
        .skip(keep)
        .limit(limit)
        .lean<Array<{ id: string; open: boolean }>>(),
    );
    return this.deleteIds(ids.filter((r) => !r.open).map((r) => r.id));
  }

  async *scan(): AsyncIterable<OwnedRun> {
    for (let after: [number, string] | null = null; ; ) {
      const filter: Record<string, unknown> = after ? { $or: [{ created_at: { $gt: after[0] } }, { created_at: after[0], id: { $gt: after[1] } }] } : {};
      const rows: Array<Found & { created_at: number }> = await guard(() =>
        this.model.find(filter, { ...FOUND, created_at: 1 }).sort({ created_at: 1, id: 1 }).hint('runs_created').limit(500).lean<Array<Found & { created_at: number }>>(),
      );
      for (const r of rows) yield { owner: ownerOfRun(r), doc: JSON.parse(r.doc) as Doc };
      if (rows.length < 500) return;
      const last: Found & { created_at: number } = rows[rows.length - 1];
      after = [last.created_at, last.id];
    }
  }

  private async deleteIds(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    return (await guard(() => this.model.deleteMany({ id: { $in: ids }, open: false }))).deletedCount;
  }

  private find(scope: Scope, runId: string): Promise<Found | null> {
    return guard(() => this.model.findOne(runIdFilter(scope, runId), FOUND).lean<Found>());
  }
}
