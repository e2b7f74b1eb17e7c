import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer } from '../helpers/server';

const ROOT = path.resolve(__dirname, '../../..');
const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_')));

const schemaVersion = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return Number(db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").pluck().get());
  } finally {
    db.close();
  }
};
const setSchemaVersion = (file: string, version: number): void => {
  const db = new Database(file);
  try {
    db.prepare("UPDATE meta SET value = ? WHERE name = 'schema_version'").run(String(version));
  } finally {
    db.close();
  }
};

/** What CHANGELOG.md's upgrade notes promise, checked against the code. */
describe('CHANGELOG and upgrade notes', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  const cli = (args: string[]) => spawnSync(process.execPath, [ENTRY, ...args, '--data-dir', dir], { encoding: 'utf8', env: cleanEnv() });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-upgrade-'));
    file = path.join(dir, 'permafrost.db');
    assert.equal(cli(['db', 'sync']).status, 0);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('changelog: its newest version is the package version, with upgrade notes', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
    const [newest] = changelog.split(/^(?=## )/m).filter((part) => part.startsWith('## '));
    assert.equal(newest.match(/^## (\S+)/)?.[1], version);
    assert.match(newest, /^### Upgrading$/m);
  });

  it('changelog: an older schema is left alone by the identity commands, which name `db sync`; `db sync` upgrades it', () => {
    const current = schemaVersion(file);
    setSchemaVersion(file, current - 1);
    const refused = cli(['project', 'list']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /older than this Permafrost's .*permafrost db sync/);
    assert.equal(schemaVersion(file), current - 1, 'a read-only command changed the schema');
    assert.equal(cli(['db', 'sync']).status, 0);
    assert.equal(schemaVersion(file), current);
    assert.equal(cli(['project', 'list']).status, 0);
  });

  it('changelog: `serve` upgrades an older schema itself at start', async () => {
    const current = schemaVersion(file);
    setSchemaVersion(file, current - 1);
    const server = await startServer({ dataDir: fs.mkdtempSync(path.join(dir, 'serve-')), env: { PERMAFROST_DATABASE: `sqlite:${file}` } });
    await server.stop();
    assert.equal(schemaVersion(file), current);
  });

  it('changelog: a newer schema is refused, and left as it is', () => {
    const current = schemaVersion(file);
    setSchemaVersion(file, current + 1);
    const refused = cli(['db', 'sync']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /newer than this Permafrost/);
    assert.equal(schemaVersion(file), current + 1);
  });
});
