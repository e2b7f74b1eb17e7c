import type { Model } from 'mongoose';
import { StorageError } from '../../errors';
import { docTerms, matches, type Search } from '../../search';
import type { CollectionName, Doc, ListQuery, Owner, Repository, Scope, Stored } from '../types';
import type { CounterRecord } from './models';
import { guard } from './guard';
import { nextSeq } from './next-seq';
import { assertWritable } from '../project-access';
import {
  MAX_UPDATE_ATTEMPTS,
  SEQ_ORDER,
  assertStorable,
  entryRecord,
  keyFilter,
  ownerOfRecord,
  pageOf,
  searchPlan,
  type EntryRecord,
  type Filter,
} from './translate';

const SCAN_PAGE = 500;

/** What a lookup reads: everything but the terms (recomputed on write). */
type Found = Omit<EntryRecord, 'terms'>;

/**
 * A tenant collection in MongoDB, one record per document (see translate.ts for the record and
 * the filters, indexes.ts for the indexes). Several servers may write at once, so `update` is a
 * compare-and-set on `version`, retried when another writer got there first.
 */
export class MongoRepository implements Repository {
  /** Documents other than clients are looked up by their global id. */
  private readonly keyIsId: boolean;

  constructor(
    private readonly model: Model<EntryRecord>,
    private readonly counters: Model<CounterRecord>,
    private readonly c: CollectionName,
  ) {
    this.keyIsId = c !== 'clients';
  }

  async get(scope: Scope, key: string): Promise<Stored | null> {
    const row = await this.find(scope, key);
    return row ? { id: row.id, key, doc: JSON.parse(row.doc) as Doc } : null;
  }

  async getJson(scope: Scope, key: string): Promise<string | null> {
    return (await this.find(scope, key))?.doc ?? null;
  }

  async listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    const page = pageOf(query);
    if (!page) return [];
    const plan = searchPlan(scope, query.search);
    if (plan.residual) return this.filtered(plan.filter, plan.residual, page);
    return guard(async () => {
      const q = this.model.find(plan.filter, { doc: 1, _id: 0 }).sort(SEQ_ORDER).skip(page.skip);
      if (page.limit !== undefined) q.limit(page.limit);
      return (await q.lean<Array<Pick<EntryRecord, 'doc'>>>()).map((r) => r.doc);
    });
  }

  /** id_unique. */
  async ownerOf(id: string): Promise<Owner | null> {
    const row = await guard(() =>
      this.model
        .findOne({ id: String(id) }, { user_id: 1, project_id: 1, _id: 0 })
        .lean<Pick<EntryRecord, 'user_id' | 'project_id'>>(),
    );
    return row ? ownerOfRecord(row) : null;
  }

  async insert(scope: Scope, item: Stored): Promise<void> {
    // Record and size are taken now, before any await, so a later change of `item` cannot leak in.
    const record = entryRecord(scope, item, 0);
    assertStorable(record);
    await guard(async () => {
      record.seq = await nextSeq(this.counters, this.c);
      await this.model.create(record);
    });
  }

  async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const row = await this.find(scope, key);
      if (!row) return null;
      assertWritable(scope, row.project_id);
      const after = mutate(JSON.parse(row.doc) as Doc);
      if (!after) return JSON.parse(row.doc) as Doc;
      const set = { doc: JSON.stringify(after), terms: [...new Set(docTerms(after))] };
      assertStorable({ ...row, ...set });
      // Compare-and-set through id_unique: matches only if nobody wrote since our read.
      const res = await guard(() =>
        this.model.updateOne({ id: row.id, version: row.version }, { $set: set, $inc: { version: 1 } }),
      );
      if (res.matchedCount === 1) return after;
    }
    throw new StorageError('the document kept changing during the update');
  }

  /** The first match in seq order, as sqlite does (v1 clients may repeat a client_id). */
  async delete(scope: Scope, key: string): Promise<boolean> {
    if (scope.projects && scope.projectId === null) {
      // A v1 scope limited by project: the document found must be one it may change.
      const row = await this.find(scope, key);
      if (!row) return false;
      assertWritable(scope, row.project_id);
      return (await guard(() => this.model.deleteOne({ id: row.id }))).deletedCount === 1;
    }
    const gone = await guard(() =>
      this.model.findOneAndDelete(keyFilter(scope, key, this.keyIsId), { sort: SEQ_ORDER, projection: { _id: 1 } }).lean(),
    );
    return gone !== null;
  }

  /** In pages by seq (seq_unique), so a large collection is never held in memory at once. */
  async *scan(): AsyncIterable<{ owner: Owner; item: Stored }> {
    for (let after = 0; ; ) {
      const rows = await guard(() =>
        this.model
          .find({ seq: { $gt: after } }, { _id: 0, terms: 0 })
          .sort(SEQ_ORDER)
          .limit(SCAN_PAGE)
          .lean<EntryRecord[]>(),
      );
      for (const r of rows) yield { owner: ownerOfRecord(r), item: { id: r.id, key: r.key, doc: JSON.parse(r.doc) as Doc } };
      if (rows.length < SCAN_PAGE) return;
      after = rows[rows.length - 1].seq;
    }
  }

  // ---------------------------------------------------------------- internals

  /**
   * One document by key in scope (keyFilter names the index). In v1 a client_id may repeat across
   * projects, so the first by seq is taken, as sqlite does; in v2 the key is unique.
   */
  private find(scope: Scope, key: string): Promise<Found | null> {
    return guard(() => {
      const q = this.model.findOne(keyFilter(scope, key, this.keyIsId), { _id: 0, terms: 0 });
      if (scope.projectId === null) q.sort(SEQ_ORDER);
      return q.lean<Found>();
    });
  }

  /**
   * Searches with conditions on null: candidates of the term filter stream in seq order, are
   * checked with matches() and paged here, stopping as soon as the page is full.
   */
  private filtered(filter: Filter, residual: Search, page: { skip: number; limit: number | undefined }): Promise<string[]> {
    return guard(async () => {
      const out: string[] = [];
      let skip = page.skip;
      const cursor = this.model.find(filter, { doc: 1, _id: 0 }).sort(SEQ_ORDER).lean<Pick<EntryRecord, 'doc'>>().cursor();
      try {
        for (let r = await cursor.next(); r; r = await cursor.next()) {
          if (!matches(JSON.parse(r.doc), residual)) continue;
          if (skip > 0) {
            skip--;
            continue;
          }
          out.push(r.doc);
          if (page.limit !== undefined && out.length >= page.limit) break;
        }
      } finally {
        // Mongoose's cursor iterator has no return(): close it, or the server keeps it open.
        await cursor.close().catch(() => undefined);
      }
      return out;
    });
  }
}
