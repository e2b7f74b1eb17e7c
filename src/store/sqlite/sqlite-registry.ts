import type { Database, Statement } from 'better-sqlite3';
import { GroupCommit } from './group-commit';
import { DuplicateError, REGISTRY_KEYS, type Doc, type Registry, type RegistryName } from '../types';

interface Row {
  seq: number;
  doc: string;
}

type Sql = 'get' | 'getByName' | 'list' | 'listByParent' | 'insert' | 'rewrite' | 'delete';

/**
 * One identity registry in the shared `registry` table (see registryDdl). As in
 * SqliteRepository, better-sqlite3 is synchronous, so a write callback runs without
 * interleaving and `update` is an atomic read-modify-write; writes go through the group commit
 * and are answered once committed. Uniqueness is left to the unique indexes: a failing write is
 * rolled back alone (its savepoint), so a refused rename changes nothing.
 */
export class SqliteRegistry implements Registry {
  private readonly sql: Record<Sql, Statement>;

  constructor(
    db: Database,
    private readonly kind: RegistryName,
    private readonly writer: GroupCommit,
  ) {
    // A fixed set of statements, prepared once (the table exists: the store creates it first).
    this.sql = {
      get: db.prepare('SELECT seq, doc FROM registry WHERE kind = ? AND id = ?'),
      getByName: db.prepare('SELECT doc FROM registry WHERE kind = ? AND name = ?').pluck(),
      list: db.prepare('SELECT doc FROM registry WHERE kind = ? ORDER BY seq').pluck(),
      listByParent: db.prepare('SELECT doc FROM registry WHERE kind = ? AND parent = ? ORDER BY seq').pluck(),
      insert: db.prepare('INSERT INTO registry (kind, id, name, parent, doc) VALUES (?, ?, ?, ?, ?)'),
      rewrite: db.prepare('UPDATE registry SET name = ?, parent = ?, doc = ? WHERE seq = ?'),
      delete: db.prepare('DELETE FROM registry WHERE kind = ? AND id = ?'),
    };
  }

  async get(id: string): Promise<Doc | null> {
    const row = this.find(id);
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  async getByName(name: string): Promise<Doc | null> {
    const json = this.sql.getByName.get(this.kind, name) as string | undefined;
    return json === undefined ? null : (JSON.parse(json) as Doc);
  }

  async list(parent?: string): Promise<Doc[]> {
    const rows = (
      parent === undefined ? this.sql.list.all(this.kind) : this.sql.listByParent.all(this.kind, parent)
    ) as string[];
    return rows.map((json) => JSON.parse(json) as Doc);
  }

  insert(doc: Doc): Promise<void> {
    const id = idOf(doc);
    // Keys and JSON are taken now, so a caller changing `doc` afterwards cannot affect the write.
    const { name, parent } = this.keysOf(doc);
    const json = JSON.stringify(doc);
    return this.writer.run(() => {
      guard(() => this.sql.insert.run(this.kind, id, name, parent, json));
    });
  }

  update(id: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    return this.writer.run(() => {
      const row = this.find(id);
      if (!row) return null;
      const before = JSON.parse(row.doc) as Doc;
      const after = mutate(structuredClone(before));
      if (!after) return before;
      // The id is the record's identity (the unique index is on it): a mutation may not move it.
      if (after.id !== id) throw new Error(`a ${this.kind} update may not change the id (${id})`);
      const { name, parent } = this.keysOf(after);
      guard(() => this.sql.rewrite.run(name, parent, JSON.stringify(after), row.seq));
      return after;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.writer.run(() => this.sql.delete.run(this.kind, id).changes > 0);
  }

  private find(id: string): Row | undefined {
    return this.sql.get.get(this.kind, id) as Row | undefined;
  }

  private keysOf(doc: Doc): { name: string | null; parent: string | null } {
    const keys = REGISTRY_KEYS[this.kind];
    return { name: keys.name(doc), parent: keys.parent(doc) };
  }
}

function idOf(doc: Doc): string {
  if (typeof doc.id !== 'string') throw new TypeError('a registry document needs a string id');
  return doc.id;
}

/** Runs a write, turning a unique index violation into DuplicateError naming the index. */
function guard(write: () => unknown): void {
  try {
    write();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
    // SQLite names the columns of the violated index: "registry.kind, registry.id" or "..name".
    throw new DuplicateError(e.message?.includes('registry.id') ? 'id' : 'key');
  }
}
