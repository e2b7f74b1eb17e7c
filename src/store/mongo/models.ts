import { Schema, type Connection, type Model } from 'mongoose';
import { COLLECTIONS, type CollectionName } from '../types';
import { entryIndexes, registryIndexes, type IndexSpec } from './indexes';
import type { EntryRecord, RegistryRecord } from './translate';
import { runIndexes, type RunRecord } from './runs-translate';

/** One insertion-order counter per collection (and one for the registry). */
export interface CounterRecord {
  _id: string;
  seq: number;
}

export interface Models {
  entries: Map<CollectionName, Model<EntryRecord>>;
  registry: Model<RegistryRecord>;
  counters: Model<CounterRecord>;
  runs: Model<RunRecord>;
}

/**
 * Indexes are created explicitly by the store's start() (autoIndex off), collections come with
 * them (autoCreate off), `__v` is not kept (versionKey off: `version` is ours), and mongoose's
 * `id` virtual is off because `id` is a real field here. Commands are never queued while
 * disconnected (bufferCommands off, here as well as on the connection, as the schema wins): a
 * call fails at once or after server selection, and the store answers 503.
 */
const OPTIONS = { versionKey: false, autoIndex: false, autoCreate: false, id: false, strict: true, bufferCommands: false } as const;

/** Registers the models on a connection (mongoose keeps them per connection, not globally). */
export function modelsOf(conn: Connection): Models {
  const entries = new Map<CollectionName, Model<EntryRecord>>();
  for (const c of COLLECTIONS) entries.set(c, conn.model<EntryRecord>(`entry_${c}`, entrySchema(c), c));
  return {
    entries,
    registry: conn.model<RegistryRecord>('registry', registrySchema(), 'registry'),
    counters: conn.model<CounterRecord>('counter', counterSchema(), 'counters'),
    runs: conn.model<RunRecord>('run', runSchema(), 'runs'),
  };
}

function entrySchema(c: CollectionName): Schema<EntryRecord> {
  const schema = new Schema<EntryRecord>(
    {
      id: { type: String },
      key: { type: String },
      user_id: { type: String },
      project_id: { type: String, default: '' },
      seq: { type: Number, required: true },
      version: { type: Number, required: true },
      doc: { type: String },
      terms: { type: [String], default: [] },
    },
    { ...OPTIONS, collection: c },
  );
  return withIndexes(schema, entryIndexes(c));
}

function registrySchema(): Schema<RegistryRecord> {
  const schema = new Schema<RegistryRecord>(
    {
      kind: { type: String },
      id: { type: String },
      name: { type: String, default: null },
      parent: { type: String, default: null },
      seq: { type: Number, required: true },
      version: { type: Number, required: true },
      doc: { type: String },
    },
    { ...OPTIONS, collection: 'registry' },
  );
  return withIndexes(schema, registryIndexes());
}

function runSchema(): Schema<RunRecord> {
  const schema = new Schema<RunRecord>(
    {
      id: { type: String },
      user_id: { type: String },
      project_id: { type: String, default: '' },
      job_id: { type: String },
      client_id: { type: String },
      status: { type: String },
      open: { type: Boolean },
      created_at: { type: Number },
      updated_at: { type: Number },
      version: { type: Number, required: true },
      doc: { type: String },
    },
    { ...OPTIONS, collection: 'runs' },
  );
  return withIndexes(schema, runIndexes());
}

/** No default on seq: an upsert must not add a $setOnInsert that clashes with its $inc. */
function counterSchema(): Schema<CounterRecord> {
  return new Schema<CounterRecord>({ _id: { type: String }, seq: { type: Number } }, { ...OPTIONS, collection: 'counters' });
}

function withIndexes<T>(schema: Schema<T>, specs: IndexSpec[]): Schema<T> {
  for (const spec of specs) schema.index(spec.fields, spec.options);
  return schema;
}
