import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { KILL_GRACE_MS } from '../../src/engine';
import { findProgram } from '../../src/engine/pipeline/find-program';
import { admin, backup, engineContext, ensureEngineTools, filesUnder, restore, slotOf, tempDir } from '../helpers/engine';
import { descendantsOf, killSurvivors, pollUntil, survivors, waitGone, type ProcInfo } from '../helpers/processes';
import { makeBigTree, makeTree, manifest, manifestDiff } from '../helpers/tree';
import { tarArchive, tarFile, tarHardLink, tarSymlink, utf8, writeLevel } from '../helpers/tar-bytes';

const DAY = 86400;

/** Finds the one file of a store whose path ends with `suffix`. */
function only(store: string, suffix: string): string {
  const hits = filesUnder(store).filter((f) => f.endsWith(suffix));
  assert.equal(hits.length, 1, `${suffix} in ${hits.join(', ')}`);
  return path.join(store, hits[0]);
}

/** Aborts, and waits for the run to end (at most KILL_GRACE_MS + 10 s): its error and how long that took. */
async function abortAndTime(abort: AbortController, ended: Promise<Error | null>): Promise<{ err: Error | null | string; ms: number }> {
  const started = Date.now();
  abort.abort();
  let timer: NodeJS.Timeout | undefined;
  const limit = KILL_GRACE_MS + 10_000;
  const err = await Promise.race([ended, new Promise<string>((r) => (timer = setTimeout(() => r(`still running ${limit} ms after the abort`), limit)))]);
  clearTimeout(timer);
  return { err, ms: Date.now() - started };
}

function flipByte(file: string, at: number): void {
  const data = fs.readFileSync(file);
  data[at] ^= 0x01;
  fs.writeFileSync(file, data);
}

describe('engine safety: tampering, hostile archives, dry runs, retention', function () {
  this.timeout(120_000);
  let work = '';
  let n = 0;
  const fresh = () => path.join(work, `c${++n}`);
  before(() => {
    ensureEngineTools();
    work = tempDir('safety');
    fs.writeFileSync(path.join(work, 'key'), 'k1\n');
    fs.writeFileSync(path.join(work, 'other-key'), 'k2\n');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  /** A store holding one backup of a small tree; returns its options. */
  const oneBackup = async (extra: Record<string, unknown> = {}) => {
    const src = fresh();
    makeTree(src, n);
    const common = { storage: 'local', container: fresh(), backup_name: 's', hostname: 'h', ...extra };
    await backup({ ...common, path_to_backup: src });
    return { src, common, store: common.container as string };
  };

  for (const [label, extra, where] of [
    ['sealed encryption', { encrypt_pass_file: 'key' }, 4000],
    ['sealed encryption, header', { encrypt_pass_file: 'key' }, 20],
    ['no encryption (the compressor\'s check)', {}, 4000],
    ['openssl encryption (sha256)', { encrypt_pass_file: 'key', encryption_format: 'openssl' }, 4000],
  ] as const) {
    it(`a flipped byte of stored data makes restore fail loudly (${label})`, async () => {
      const opts = { ...extra, ...('encrypt_pass_file' in extra ? { encrypt_pass_file: path.join(work, 'key') } : {}) };
      const { common, store } = await oneBackup({ ...opts, compression: 'gzip' });
      flipByte(only(store, '/data'), where);
      await assert.rejects(restore({ ...common, restore_abs_path: fresh() }), /failed authentication|altered|corrupt|checksum/);
    });
  }

  it('a truncated data file makes restore fail loudly', async () => {
    const { common, store } = await oneBackup({ compression: 'zstd', encrypt_pass_file: path.join(work, 'key') });
    const data = only(store, '/data');
    fs.truncateSync(data, fs.statSync(data).size - 100);
    await assert.rejects(restore({ ...common, restore_abs_path: fresh() }), /failed authentication|truncated/);
  });

  it('the wrong passphrase, or none, is refused', async () => {
    const { common } = await oneBackup({ encrypt_pass_file: path.join(work, 'key') });
    await assert.rejects(restore({ ...common, encrypt_pass_file: path.join(work, 'other-key'), restore_abs_path: fresh() }), /failed authentication/);
    await assert.rejects(restore({ ...common, encrypt_pass_file: undefined, restore_abs_path: fresh() }), /Cannot restore encrypted backup without key/);
  });

  it('refuses archive members with absolute paths or .., and writes nothing outside the target', async () => {
    const { common, store } = await oneBackup({ compression: 'gzip' });
    // Replace the stored data by a hostile archive: GNU tar with --absolute-names and a ../ name.
    const inner = path.join(fresh(), 'inner');
    fs.mkdirSync(inner, { recursive: true });
    const outside = path.join(work, 'escaped');
    fs.writeFileSync(outside, 'evil');
    // The guard's own message: GNU tar's "Removing leading `../'" must not be what satisfies this.
    for (const [member, refusal] of [
      [outside, /Refusing to restore: archive member "\/[^"]*\/escaped" is an absolute path/],
      ['../../escaped', /Refusing to restore: archive member "\.\.\/\.\.\/escaped" has a '\.\.' component/],
    ] as const) {
      const archive = execFileSync('tar', ['-czf', '-', '--absolute-names', member], { cwd: inner, stdio: ['ignore', 'pipe', 'ignore'] });
      await assertRefused(archive, member, refusal);
    }
    async function assertRefused(archive: Buffer, member: string, refusal: RegExp) {
    const data = only(store, '/data');
    fs.writeFileSync(data, archive);
    const metaFile = only(store, '/metadata');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    delete meta.data_size;
    delete meta.data_sha256;
    fs.writeFileSync(metaFile, JSON.stringify(meta));
    fs.writeFileSync(outside, 'must stay');
    const target = fresh();
    await assert.rejects(restore({ ...common, restore_abs_path: target }), refusal, member);
    assert.equal(fs.readFileSync(outside, 'utf8'), 'must stay');
    assert.deepEqual(filesUnder(target), []);
    }
  });

  it('refuses a later level that writes below a symlink an earlier level left (tar would follow it)', async () => {
    const src = fresh();
    fs.mkdirSync(src);
    const victim = fresh();
    fs.mkdirSync(victim);
    fs.symlinkSync(victim, path.join(src, 'evil'));
    fs.writeFileSync(path.join(src, 'ok.txt'), 'ok');
    const store = fresh();
    const common = { storage: 'local', container: store, backup_name: 'sl', hostname: 'h', compression: 'gzip' };
    const level0 = slotOf(await backup({ ...common, path_to_backup: src }));
    // A forged level 1 whose archive holds evil/pwned (no directory member for evil).
    const forged = fresh();
    fs.mkdirSync(path.join(forged, 'evil'), { recursive: true });
    fs.writeFileSync(path.join(forged, 'evil', 'pwned'), 'pwned');
    const archive = execFileSync('tar', ['-czf', '-', 'evil/pwned'], { cwd: forged });
    const ts = level0.ts + 1;
    const meta = path.join(store, `metadata/tar/h_sl/${level0.t0}/1_${ts}`);
    const data = path.join(store, `data/tar/h_sl/${level0.t0}/1_${ts}`);
    fs.mkdirSync(meta, { recursive: true });
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(meta, 'metadata'), '{"engine_name": "tar", "compression": "gzip", "encryption": false}');
    fs.writeFileSync(path.join(data, 'data'), archive);
    const target = fresh();
    await assert.rejects(restore({ ...common, restore_abs_path: target }), /lies below the symlink "evil"/);
    assert.deepEqual(fs.readdirSync(victim), [], 'nothing was written through the symlink');
  });

  it('trust 1: a hard link to a symlink an earlier level left, then a member below it, is refused; nothing lands outside', async () => {
    const outside = fresh();
    fs.mkdirSync(outside);
    const store = fresh();
    const common = { storage: 'local', container: store, backup_name: 'hl', hostname: 'h' };
    writeLevel(store, 'h_hl', { t0: 1000, level: 0, ts: 1000 }, tarArchive(tarSymlink('s', outside), tarFile('ok.txt', 'ok')));
    writeLevel(store, 'h_hl', { t0: 1000, level: 1, ts: 1001 }, tarArchive(tarHardLink('h', 's'), tarFile('h/victim.txt')));
    // And one level further: a hard link to that hard link, the member below it in a level of its own.
    const target = fresh();
    await assert.rejects(restore({ ...common, restore_abs_path: target }), /"h\/victim.txt" \(its name\) lies below the symlink "h"/);
    assert.deepEqual(fs.readdirSync(outside), []);
    writeLevel(store, 'h_hl', { t0: 1000, level: 1, ts: 1001 }, tarArchive(tarHardLink('h', 's')));
    writeLevel(store, 'h_hl', { t0: 1000, level: 2, ts: 1002 }, tarArchive(tarHardLink('h2', 'h')));
    writeLevel(store, 'h_hl', { t0: 1000, level: 3, ts: 1003 }, tarArchive(tarFile('./h2//victim.txt')));
    await assert.rejects(restore({ ...common, restore_abs_path: fresh() }), /lies below the symlink "h2"/);
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('trust 1: an overwrite target already holding symlinks (any name, hard-linked in the archive) is not written through', async () => {
    const outside = fresh();
    fs.mkdirSync(outside);
    const store = fresh();
    const common = { storage: 'local', container: store, backup_name: 'ow', hostname: 'h', overwrite: true };
    for (const [link, members, refused] of [
      ['s', [tarHardLink('h', 's'), tarFile('h/victim.txt')], /lies below the symlink "h"/],
      ['sub/ünï', [tarFile(utf8('sub/ünï/victim.txt'))], /lies below the symlink "sub\/ünï"/],
    ] as const) {
      const target = fresh();
      fs.mkdirSync(path.dirname(path.join(target, link)), { recursive: true });
      fs.symlinkSync(outside, path.join(target, link));
      writeLevel(store, 'h_ow', { t0: 1000, level: 0, ts: 1000 }, tarArchive(...members));
      await assert.rejects(restore({ ...common, restore_abs_path: target }), refused);
      assert.deepEqual(fs.readdirSync(outside), []);
    }
  });

  it('an abort mid-backup ends it as aborted within the grace period, stops tar and gzip, publishes nothing and removes its staging area', async () => {
    const src = fresh();
    makeBigTree(src);
    const store = fresh();
    const abort = new AbortController();
    const common = { storage: 'local', container: store, backup_name: 'ab', hostname: 'h' };
    const ended = backup({ ...common, path_to_backup: src, compression: 'gzip', compression_level: 9 }, engineContext(abort.signal)).then(() => null, (err: Error) => err);
    // Mid-run: both tools at work and compressed bytes already staged.
    const tools = await pollUntil('tar and gzip at work with bytes staged', 60_000, () => {
      const running = descendantsOf(process.pid).filter((p) => ['tar', 'gzip', 'pigz'].includes(p.name));
      return running.length === 2 && filesUnder(path.join(store, '.permafrost-partial')).some((f) => fs.statSync(path.join(store, '.permafrost-partial', f)).size > 0) && running;
    });
    const { err, ms } = await abortAndTime(abort, ended);
    assert.match(String(err), /aborted/);
    assert.ok(ms < KILL_GRACE_MS, `the abort returned after ${ms} ms: tar and gzip should stop at the SIGTERM`);
    assert.deepEqual(survivors(tools), []);
    assert.deepEqual(filesUnder(path.join(store, 'metadata')), []);
    assert.deepEqual(filesUnder(path.join(store, '.permafrost-partial')), []);
  });

  // A tar that started a process of its own and waits for it (never ending by itself), and one that
  // also ignores SIGTERM (as its children do then): an abort must still stop the whole process group.
  for (const [label, trap] of [['', ''], [' that ignores SIGTERM', "trap '' TERM\n"]] as const) {
    for (const action of ['backup', 'restore'] as const) {
      it(`an aborted ${action} stops a tool${label} with everything it started, within the grace period`, async () => {
        const src = fresh();
        makeTree(src);
        const common = { storage: 'local', container: fresh(), backup_name: 'ag', hostname: 'h', compression: 'gzip' };
        if (action === 'restore') await backup({ ...common, path_to_backup: src });
        const bin = fresh();
        fs.mkdirSync(bin);
        const realTar = findProgram('tar');
        fs.writeFileSync(path.join(bin, 'tar'), `#!/bin/sh\n${trap}sleep 600 </dev/null >/dev/null 2>&1 &\n${realTar} "$@"\nwait\n`, { mode: 0o755 });
        const saved = process.env.PATH;
        process.env.PATH = `${bin}:${saved}`;
        const abort = new AbortController();
        let tools: ProcInfo[] = [];
        try {
          const opts = action === 'backup' ? { ...common, path_to_backup: src } : { ...common, restore_abs_path: fresh() };
          const ended = (action === 'backup' ? backup : restore)(opts, engineContext(abort.signal)).then(() => null, (err: Error) => err);
          // A run that ends before the abort (it cannot succeed: the wrapper waits for its sleep) says why.
          let endedEarly: { err: Error | null } | null = null;
          void ended.then((err) => (endedEarly = { err }));
          // Once the real tar has exited all data has flowed, and only the wrapper keeps the run going.
          tools = await pollUntil('the real tar done, its wrapper waiting for its child', 60_000, () => {
            if (endedEarly) throw new Error(`the ${action} ended before the abort: ${String(endedEarly.err)}`);
            const running = descendantsOf(process.pid);
            return running.some((p) => p.name === 'sleep') && running.filter((p) => p.name === 'tar').length === 1 && running;
          });
          const { err, ms } = await abortAndTime(abort, ended);
          assert.match(String(err), /aborted/);
          if (trap) assert.ok(ms >= KILL_GRACE_MS - 50, `returned after ${ms} ms: SIGTERM is ignored, only the SIGKILL after ${KILL_GRACE_MS} ms stops it`);
          else assert.ok(ms < KILL_GRACE_MS, `returned after ${ms} ms: the SIGTERM should have stopped it`);
          await waitGone(tools, 2000, `the ${action} tools after the abort`);
        } finally {
          process.env.PATH = saved;
          killSurvivors(tools);
        }
      });
    }
  }

  it('dry runs write nothing: a backup dry run leaves the storage empty, a restore dry run the target absent', async () => {
    const src = fresh();
    makeTree(src);
    const store = fresh();
    const common = { storage: 'local', container: store, backup_name: 'd', hostname: 'h' };
    const planned = await backup({ ...common, path_to_backup: src, dry_run: true });
    assert.equal(planned.metadata, null);
    assert.match(planned.message, /dry run: would back up \d+ files .* as level 0 of a new chain/);
    assert.deepEqual(filesUnder(store), []);
    await backup({ ...common, path_to_backup: src });
    const target = fresh();
    const listed = await restore({ ...common, restore_abs_path: target, dry_run: true });
    assert.match(listed.message, /dry run: listed \d+ members/);
    assert.equal(fs.existsSync(target), false);
  });

  it('retention removes old chains, never one a kept backup needs; dry run only lists', async () => {
    const src = fresh();
    makeTree(src);
    const store = fresh();
    const common = { storage: 'local', container: store, backup_name: 'r', hostname: 'h' };
    const at = (days: number) => ({ ...engineContext(), now: () => (1_800_000_000 + days * DAY) * 1000 });
    // Chain A: level 0 at day 0, level 1 at day 1. Chain B: level 0 at day 10, level 1 at day 30. Chain C: level 0 at day 40.
    const slots = [];
    for (const [day, noIncremental] of [[0, true], [1, false], [10, true], [30, false], [40, true]] as const) {
      fs.writeFileSync(path.join(src, 'data', 'changing.txt'), `day ${day}`);
      slots.push(slotOf(await backup({ ...common, path_to_backup: src, no_incremental: noIncremental }, at(day))));
    }
    assert.deepEqual(slots.map((s) => s.level), [0, 1, 0, 1, 0]);
    const chains = () => fs.readdirSync(path.join(store, 'metadata/tar/h_r')).sort();
    assert.equal(chains().length, 3);

    // Cutoff day 20: chain A is older; chain B's level 0 is older, but its level 1 (day 30) is kept, so B stays.
    const dry = await admin({ ...common, remove_older_than: 21, dry_run: true }, at(41));
    assert.match(dry.message, /would remove 1 chain\(s\)/);
    assert.equal(chains().length, 3);
    await admin({ ...common, remove_older_than: 21 }, at(41));
    assert.deepEqual(chains(), [String(slots[2].t0), String(slots[4].t0)]);
    assert.equal(fs.readdirSync(path.join(store, 'data/tar/h_r')).length, 2);
    // Chain B still restores fully (its level 0 was needed by the kept level 1).
    const target = fresh();
    await restore({ ...common, restore_abs_path: target, restore_from_date: String(slots[3].ts) });
    assert.equal(fs.readFileSync(path.join(target, 'data', 'changing.txt'), 'utf8'), 'day 30');
    await assert.rejects(admin({ ...common }, at(41)), /You need to provide to remove backup older than this time/);
  });

  it('levels follow max_level and always_level given as INI strings (the stock agent crashes on them)', async () => {
    const src = fresh();
    makeTree(src);
    const maxed = { storage: 'local', container: fresh(), backup_name: 'lv', hostname: 'h', max_level: '2' };
    const levels = [];
    for (let i = 0; i < 4; i++) levels.push(slotOf(await backup({ ...maxed, path_to_backup: src })).level);
    assert.deepEqual(levels, [0, 1, 2, 0]);

    const always = { storage: 'local', container: fresh(), backup_name: 'al', hostname: 'h', always_level: '1' };
    const slots = [];
    for (let i = 0; i < 3; i++) {
      fs.writeFileSync(path.join(src, 'data', 'diff.txt'), `version ${i}`);
      slots.push(slotOf(await backup({ ...always, path_to_backup: src })));
    }
    assert.deepEqual(slots.map((s) => s.level), [0, 1, 1]);
    // Two differentials at level 1: restore takes the newest, whatever the listing order.
    const target = fresh();
    await restore({ ...always, restore_abs_path: target });
    assert.equal(fs.readFileSync(path.join(target, 'data', 'diff.txt'), 'utf8'), 'version 2');
  });

  it("tar's exit status 1 (a file changed while read) still gives a whole backup, with a warning", async () => {
    const bin = fresh();
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'tar'), '#!/bin/sh\n/usr/bin/tar "$@"; s=$?; [ $s -eq 0 ] && exit 1; exit $s\n', { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      const src = fresh();
      makeTree(src);
      const common = { storage: 'local', container: fresh(), backup_name: 't1', hostname: 'h' };
      const warnings: string[] = [];
      const ctx = { ...engineContext(), log: pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }) };
      await backup({ ...common, path_to_backup: src }, ctx);
      assert.ok(warnings.some((w) => /some files changed while they were read/.test(w)), warnings.join('\n'));
      process.env.PATH = saved;
      const target = fresh();
      await restore({ ...common, restore_abs_path: target });
      assert.deepEqual(manifestDiff(manifest(src), manifest(target)), []);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('the restored tree of a simple backup equals the source (control for the failure cases above)', async () => {
    const { src, common } = await oneBackup({ encrypt_pass_file: path.join(work, 'key') });
    const target = fresh();
    await restore({ ...common, restore_abs_path: target });
    assert.deepEqual(manifestDiff(manifest(src), manifest(target)), []);
  });
});
