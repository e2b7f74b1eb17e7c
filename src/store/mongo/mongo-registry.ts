import type { Model } from 'mongoose';
import { StorageError } from '../../errors';
import { REGISTRY_KEYS, type Doc, type Registry, type RegistryName } from '../types';
import type { CounterRecord } from './models';
import { guard } from './guard';
import { nextSeq } from './next-seq';
import {
  MAX_UPDATE_ATTEMPTS,
  SEQ_ORDER,
  assertStorable,
  registryIdFilter,
  registryListFilter,
  registryNameFilter,
  type RegistryRecord,
} from './translate';

/** The counter of the shared registry collection (one insertion order for all kinds). */
const REGISTRY_COUNTER = 'registry';

/**
 * One identity registry in the shared `registry` collection (indexes.ts: registryIndexes). As in
 * MongoRepository, `update` is a compare-and-set on `version`, retried on a lost race; the unique
 * indexes decide id and name clashes, and a refused single-document write changes nothing.
 */
export class MongoRegistry implements Registry {
  constructor(
    private readonly model: Model<RegistryRecord>,
    private readonly counters: Model<CounterRecord>,
    private readonly kind: RegistryName,
  ) {}

  async get(id: string): Promise<Doc | null> {
    const row = await this.find(id);
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  /** kind_name_unique. */
  async getByName(name: string): Promise<Doc | null> {
    if (String(name).startsWith(NAMELESS)) return null;
    const row = await guard(() =>
      this.model.findOne(registryNameFilter(this.kind, name), { doc: 1, _id: 0 }).lean<Pick<RegistryRecord, 'doc'>>(),
    );
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  /** kind_seq, or kind_parent_seq with a parent: both already in insertion order. */
  async list(parent?: string): Promise<Doc[]> {
    const rows = await guard(() =>
      this.model
        .find(registryListFilter(this.kind, parent), { doc: 1, _id: 0 })
        .sort(SEQ_ORDER)
        .lean<Array<Pick<RegistryRecord, 'doc'>>>(),
    );
    return rows.map((r) => JSON.parse(r.doc) as Doc);
  }

  async insert(doc: Doc): Promise<void> {
    // Keys and JSON are taken now, so a caller changing `doc` afterwards cannot affect the write.
    const record: RegistryRecord = { kind: this.kind, id: idOf(doc), ...this.keysOf(doc), seq: 0, version: 1, doc: JSON.stringify(doc) };
    assertStorable(record);
    await guard(async () => {
      record.seq = await nextSeq(this.counters, REGISTRY_COUNTER);
      await this.model.create(record);
    });
  }

  async update(id: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const row = await this.find(id);
      if (!row) return null;
      const after = mutate(JSON.parse(row.doc) as Doc);
      if (!after) return JSON.parse(row.doc) as Doc;
      // The id is the record's identity (the unique index is on it): a mutation may not move it.
      if (after.id !== id) throw new Error(`a ${this.kind} update may not change the id (${id})`);
      const set = { ...this.keysOf(after), doc: JSON.stringify(after) };
      assertStorable({ ...row, ...set });
      // Compare-and-set through kind_id_unique; a name clash fails the whole write (DuplicateError).
      const res = await guard(() =>
        this.model.updateOne({ ...registryIdFilter(this.kind, id), version: row.version }, { $set: set, $inc: { version: 1 } }),
      );
      if (res.matchedCount === 1) return after;
    }
    throw new StorageError('the record kept changing during the update');
  }

  async delete(id: string): Promise<boolean> {
    const res = await guard(() => this.model.deleteOne(registryIdFilter(this.kind, id)));
    return res.deletedCount > 0;
  }

  /** kind_id_unique. */
  private find(id: string): Promise<RegistryRecord | null> {
    return guard(() => this.model.findOne(registryIdFilter(this.kind, id), { _id: 0 }).lean<RegistryRecord>());
  }

  /**
   * A record without a name (a revocation) stores NUL + its id as its name: unique, and never a
   * real name (names cannot hold control characters), so the plain unique index on
   * {kind, name} needs no partial filter, which not every MongoDB-compatible server honours.
   */
  private keysOf(doc: Doc): { name: string; parent: string | null } {
    const keys = REGISTRY_KEYS[this.kind];
    return { name: keys.name(doc) ?? `${NAMELESS}${idOf(doc)}`, parent: keys.parent(doc) };
  }
}

const NAMELESS = '\u0000';

function idOf(doc: Doc): string {
  if (typeof doc.id !== 'string') throw new TypeError('a registry document needs a string id');
  return doc.id;
}
