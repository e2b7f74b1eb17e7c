import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Api } from '../helpers/http';
import { startServer } from '../helpers/server';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_')));
const NAMES = ['jobs', 'actions', 'sessions', 'backups', 'clients', 'projects', 'users', 'roles', 'credentials', 'revocations', 'runs'];

/** `permafrost db sync|migrate|checksum`: database maintenance from a shell. */
describe('permafrost db subcommands', function () {
  this.timeout(60000);
  let dir: string;
  const cli = (args: string[]) => {
    const run = spawnSync(process.execPath, [ENTRY, 'db', ...args], { encoding: 'utf8', env: cleanEnv(), cwd: dir });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const ok = (args: string[]) => {
    const run = cli(args);
    assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };
  const fails = (args: string[], message: RegExp, oneLine = true) => {
    const run = cli(args);
    assert.equal(run.status, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
    // Usage mistakes are followed by the command's help, as everywhere in permafrost.
    if (oneLine) assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
    return run;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-cli-db-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs a server on `file`, lets `fn` use it, and stops it (its data dir goes, the database stays). */
  const withServer = async <T>(file: string, fn: (url: string) => Promise<T>): Promise<T> => {
    const server = await startServer({ dataDir: fs.mkdtempSync(path.join(dir, 'data-')), env: { PERMAFROST_DATABASE: `sqlite:${file}` } });
    try {
      return await fn(server.url);
    } finally {
      await server.stop();
    }
  };

  /** Everything the API shows of the seeded tenants, to compare before and after a migration. */
  const snapshot = async (url: string) => {
    const alice = Api.v2(url, 'projA', 'alice');
    const bob = Api.v1(url, 'bob');
    const lists = await Promise.all(['/jobs', '/clients', '/backups', '/sessions', '/actions'].flatMap((p) => [alice.get(p), bob.get(p)]));
    const jobs = lists[0].json.jobs as Array<{ job_id: string }>;
    const one = await alice.get(`/jobs/${jobs[1].job_id}`);
    return { lists: lists.map((r) => [r.status, r.json]), one: one.json };
  };

  it('migrates a deployment to a new database that a server then serves identically', async () => {
    const source = path.join(dir, 'source.db');
    const copy = path.join(dir, 'copy.db');
    const before = await withServer(source, async (url) => {
      const alice = Api.v2(url, 'projA', 'alice');
      for (let i = 0; i < 5; i++) {
        const res = await alice.post('/jobs', { client_id: 'projA_h1', description: `job ${i} — données ✓`, job_actions: [{ freezer_action: { action: 'backup', mode: 'fs', backup_name: `b${i}` } }] });
        assert.equal(res.status, 201, res.text);
      }
      assert.equal((await alice.post('/clients', { client_id: 'projA_h1', hostname: 'h1' })).status, 201);
      assert.equal((await alice.post('/backups', { container: 'c', hostname: 'h1', backup_name: 'b0' })).status, 201);
      assert.equal((await alice.post('/sessions', { description: 's', schedule: {} })).status, 201);
      const bob = Api.v1(url, 'bob');
      assert.equal((await bob.post('/jobs', { client_id: 'bob_h', description: 'v1 job', job_actions: [] })).status, 201);
      return snapshot(url);
    });
    assert.equal((before.lists[0][1] as { jobs: unknown[] }).jobs.length, 5);

    const sums = ok(['checksum', '--database', `sqlite:${source}`]);
    const lines = sums.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), NAMES);
    for (const line of lines) assert.match(line, /^\w+ \d+ [0-9a-f]{64}$/);
    assert.match(sums, /^jobs 6 /m);

    const out = ok(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${copy}`]);
    assert.match(out, /copied jobs: 6 documents/);
    const source_ = out.slice(out.indexOf('source sqlite'), out.indexOf('target sqlite'));
    const target_ = out.slice(out.indexOf('target sqlite'), out.indexOf('identical'));
    assert.equal(source_.split('\n').slice(1).join('\n'), sums);
    assert.equal(target_.split('\n').slice(1).join('\n'), sums);
    assert.match(out, /\nidentical: \d+ documents and records\n$/);
    assert.equal(ok(['checksum', '--database', `sqlite:${copy}`]), sums);

    const after = await withServer(copy, snapshot);
    assert.deepEqual(after, before);

    // A second run would mix deployments: refused, and the copy is unchanged.
    fails(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${copy}`], /^permafrost: the target is not empty \(jobs has documents\)/);
    assert.equal(ok(['checksum', '--database', `sqlite:${copy}`]), sums);
  });

  it('answers bad URLs, missing or unreachable databases with one clear line, without credentials', () => {
    const source = path.join(dir, 'source.db');
    ok(['sync', '--database', `sqlite:${source}`]);
    const notADir = path.join(dir, 'plain-file');
    fs.writeFileSync(notADir, '');
    const secret = fails(['migrate', '--from', `sqlite:${source}`, '--to', 'postgres://admin:s3cret@db.example/pf'], /unsupported database URL 'postgres:\/\/\*\*\*@db\.example\/pf'/);
    assert.equal(`${secret.stdout}${secret.stderr}`.includes('s3cret'), false);
    fails(['migrate', '--from', `sqlite:${path.join(dir, 'typo.db')}`, '--to', `sqlite:${path.join(dir, 'new.db')}`], /no Permafrost database at .*typo\.db/);
    assert.equal(fs.existsSync(path.join(dir, 'typo.db')), false, 'a mistyped source is not created');
    fails(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${path.join(notADir, 'x', 'copy.db')}`], /cannot open sqlite:.*copy\.db: /);
    fails(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${source}`], /--from and --to name the same database/);
    fails(['migrate', '--from', `sqlite:${source}`], /required option '--to <url>'/, false);
    fails(['checksum', '--database', `sqlite:${path.join(dir, 'missing.db')}`], /no Permafrost database at .*missing\.db .*db sync/);
    assert.equal(fs.existsSync(path.join(dir, 'missing.db')), false, 'checksum creates nothing');
  });

  it('creates or upgrades the configured database with db sync', () => {
    assert.match(ok(['sync', '--data-dir', path.join(dir, 'd')]), /^sqlite sqlite:.*permafrost\.db: schema and indexes are up to date\ntoken signing keys \(HS256\): ready in .*d\n$/);
    assert.equal(fs.statSync(path.join(dir, 'd', 'jwt-secret')).mode & 0o777, 0o600);
    assert.ok(fs.existsSync(path.join(dir, 'd', 'permafrost.db')));
    // Running it again on an existing database changes nothing and says the same.
    assert.match(ok(['sync', '--data-dir', path.join(dir, 'd')]), /schema and indexes are up to date/);
    const empty = ok(['checksum', '--data-dir', path.join(dir, 'd')]);
    assert.deepEqual(empty.trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' ')), NAMES.map((n) => `${n} 0`));
  });

  it('explains each subcommand with --help', () => {
    const help = (args: string[]) => spawnSync(process.execPath, [ENTRY, 'db', ...args, '--help'], { encoding: 'utf8', env: cleanEnv() }).stdout;
    assert.match(help([]), /sync[\s\S]*migrate[\s\S]*checksum/);
    assert.match(help(['migrate']), /--from <url>[\s\S]*--to <url>/);
    assert.match(help(['sync']), /--data-dir <dir>[\s\S]*--database <url>/);
    assert.match(help(['checksum']), /--database <url>/);
  });
});
