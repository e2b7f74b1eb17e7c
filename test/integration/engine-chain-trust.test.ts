import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import pino from 'pino';
import { backup, engineContext, ensureEngineTools, restore, slotOf, tempDir } from '../helpers/engine';
import { realTar } from '../helpers/tar-bytes';
import { makeTree, manifest, manifestDiff, mutateTree } from '../helpers/tree';

interface Level {
  name: string;
  meta: string;
  data: string;
}

/** The published levels of `<store>` for host h, name `name`, chain `t0`, oldest first. */
function levelsOf(store: string, name: string, t0: number): Level[] {
  const metaRoot = path.join(store, 'metadata/tar', `h_${name}`, String(t0));
  return fs.readdirSync(metaRoot)
    .sort((a, b) => Number(a.split('_')[1]) - Number(b.split('_')[1]))
    .map((dir) => ({ name: dir, meta: path.join(metaRoot, dir), data: path.join(store, 'data/tar', `h_${name}`, String(t0), dir) }));
}

function readMeta(level: Level): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(level.meta, 'metadata'), 'utf8')) as Record<string, unknown>;
}

function writeMeta(level: Level, meta: Record<string, unknown>): void {
  fs.writeFileSync(path.join(level.meta, 'metadata'), JSON.stringify(meta));
}

/** Renames both directories of a level to `<name>`. */
function relabel(level: Level, name: string): void {
  fs.renameSync(level.meta, path.join(path.dirname(level.meta), name));
  fs.renameSync(level.data, path.join(path.dirname(level.data), name));
}

/** Swaps the directories of two levels of one chain. */
function swap(a: Level, b: Level): void {
  relabel(a, 'swap');
  relabel(b, a.name);
  relabel({ name: 'swap', meta: path.join(path.dirname(a.meta), 'swap'), data: path.join(path.dirname(a.data), 'swap') }, b.name);
}

/** An attacker's level content: a gzip tar holding `pwned.txt`. */
function plainArchive(work: string): Buffer {
  const dir = path.join(work, `attacker-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'pwned.txt'), 'attacker data');
  return zlib.gzipSync(realTar(dir, ['pwned.txt']));
}

describe('engine chain trust: encrypted restores refuse what someone without the passphrase wrote', function () {
  this.timeout(180_000);
  let work = '';
  let n = 0;
  const fresh = () => path.join(work, `c${++n}`);
  let key = '';
  let key2 = '';
  before(() => {
    ensureEngineTools();
    work = tempDir('chain-trust');
    key = path.join(work, 'key');
    key2 = path.join(work, 'key2');
    fs.writeFileSync(key, 'the real passphrase\n');
    fs.writeFileSync(key2, 'a new passphrase\n');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  /** A chain of `levels` encrypted levels of a changing tree. */
  const chain = async (levels: number, extra: Record<string, unknown> = {}, name = 'tc') => {
    const src = fresh();
    makeTree(src, n);
    const store = (extra.container as string | undefined) ?? fresh();
    const common = { storage: 'local', container: store, backup_name: name, hostname: 'h', encrypt_pass_file: key, compression: 'gzip', ...extra };
    const states = [];
    let t0 = 0;
    for (let i = 0; i < levels; i++) {
      if (i > 0) mutateTree(src, i);
      const slot = slotOf(await backup({ ...common, path_to_backup: src }));
      assert.equal(slot.level, i);
      t0 = slot.t0;
      states.push(manifest(src));
    }
    return { src, store, common, states, levels: levelsOf(store, name, t0), t0 };
  };

  /** The restore fails with `pattern`, and the target holds nothing at all. */
  const refusedEmpty = async (opts: Record<string, unknown>, pattern: RegExp) => {
    const target = fresh();
    await assert.rejects(restore({ ...opts, restore_abs_path: target }), pattern);
    assert.deepEqual(fs.existsSync(target) ? fs.readdirSync(target) : [], [], 'nothing was restored');
  };

  it('trust 2: a level whose metadata says "encryption": false, holding a plain gzip tar, is refused (and nothing is restored)', async () => {
    const { common, levels } = await chain(2);
    writeMeta(levels[1], { engine_name: 'tar', compression: 'gzip', encryption: false });
    fs.writeFileSync(path.join(levels[1].data, 'data'), plainArchive(work));
    await refusedEmpty(common, new RegExp(`backup ${levels[1].name} is not encrypted, but a passphrase was given`));
  });

  it('trust 2: a plaintext level appended to a sealed chain is refused', async () => {
    const { common, levels, store, t0 } = await chain(2);
    const ts = Number(levels[1].name.split('_')[1]) + 10;
    const meta = path.join(store, 'metadata/tar/h_tc', String(t0), `2_${ts}`);
    const data = path.join(store, 'data/tar/h_tc', String(t0), `2_${ts}`);
    fs.mkdirSync(meta, { recursive: true });
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(meta, 'metadata'), '{"engine_name": "tar", "compression": "gzip", "encryption": false}');
    fs.writeFileSync(path.join(data, 'data'), plainArchive(work));
    await refusedEmpty(common, new RegExp(`backup 2_${ts} is not encrypted`));
    // Claiming to be encrypted does not help: it has no MAC.
    fs.writeFileSync(path.join(meta, 'metadata'), '{"engine_name": "tar", "compression": "gzip", "encryption": true, "encryption_format": "sealed"}');
    await refusedEmpty(common, new RegExp(`backup 2_${ts} .*no chain_mac`));
  });

  it('trust 2: a genuine level dropped from the middle of a chain is noticed', async () => {
    const { common, levels } = await chain(3);
    fs.rmSync(levels[1].meta, { recursive: true });
    await refusedEmpty(common, new RegExp(`holds backup ${levels[2].name}, newer than ${levels[0].name}.*missing`));
  });

  it('trust 2: swapped or relabelled levels (renamed directories) fail authentication', async () => {
    const { common, levels, states } = await chain(3);
    swap(levels[1], levels[2]);
    await refusedEmpty(common, new RegExp(`backup ${levels[1].name} of h_tc failed authentication`));
    // Put them back (the chain restores again), then move the newest level to a later timestamp.
    swap(levels[1], levels[2]);
    const target = fresh();
    await restore({ ...common, restore_abs_path: target });
    assert.deepEqual(manifestDiff(states[2], manifest(target)), []);
    const later = `2_${Number(levels[2].name.split('_')[1]) + 100}`;
    relabel(levels[2], later);
    await refusedEmpty(common, new RegExp(`backup ${later} of h_tc failed authentication`));
  });

  for (const format of ['sealed', 'openssl']) {
    it(`trust 2: a level's data replaced by another genuine backup's data (same passphrase, ${format}) is refused before it is decrypted`, async () => {
      const victim = await chain(2, { encryption_format: format });
      const other = await chain(2, { encryption_format: format, container: victim.store }, 'other');
      fs.copyFileSync(path.join(other.levels[1].data, 'data'), path.join(victim.levels[1].data, 'data'));
      const target = fresh();
      await assert.rejects(restore({ ...victim.common, restore_abs_path: target }), /altered/);
      // Level 0 was restored; nothing of the foreign level 1 was.
      assert.equal(fs.existsSync(path.join(target, 'added/round-1.txt')), false);
      assert.deepEqual(manifestDiff(victim.states[0], manifest(target)), []);
      // Its metadata copied along does not help either: the MAC names the level's place.
      fs.copyFileSync(path.join(other.levels[1].meta, 'metadata'), path.join(victim.levels[1].meta, 'metadata'));
      await refusedEmpty(victim.common, new RegExp(`backup ${victim.levels[1].name} of h_tc failed authentication`));
    });
  }

  it('trust 2: an openssl level with a flipped bit leaves the target empty (verified before tar sees a byte)', async () => {
    const { common, levels } = await chain(1, { encryption_format: 'openssl' });
    const file = path.join(levels[0].data, 'data');
    const data = fs.readFileSync(file);
    data[Math.floor(data.length / 2)] ^= 0x10;
    fs.writeFileSync(file, data);
    const spools = () => new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('permafrost-restore-')));
    const before = spools();
    await refusedEmpty(common, /backup 0_\d+ does not match the checksum.*nothing of it was restored/);
    assert.deepEqual([...spools()].filter((f) => !before.has(f)), [], 'no spool left behind');
  });

  it('trust 2: a chain whose MACs were stripped is refused (one level, or all of them)', async () => {
    const { common, levels } = await chain(2);
    const level1 = readMeta(levels[1]);
    writeMeta(levels[1], { ...level1, chain_mac: undefined });
    await refusedEmpty(common, new RegExp(`backup ${levels[1].name} .*no chain_mac`));
    for (const level of levels) writeMeta(level, { ...readMeta(level), chain_mac: undefined, chain_salt: undefined });
    await refusedEmpty(common, /carries no chain authentication.*accept_unauthenticated/);
  });

  it('trust 2: a passphrase changed mid-chain at backup time starts a new chain, with a warning; both chains restore with their key', async () => {
    const { common, src, states, levels, t0 } = await chain(2);
    const warnings: string[] = [];
    const ctx = { ...engineContext(), log: pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }) };
    mutateTree(src, 2);
    const outcome = await backup({ ...common, encrypt_pass_file: key2, path_to_backup: src }, ctx);
    const slot = slotOf(outcome);
    assert.equal(slot.level, 0);
    assert.notEqual(slot.t0, t0);
    assert.match(outcome.message, /a new chain: backup 0_\d+ of h_tc failed authentication/);
    assert.ok(warnings.some((w) => /starting a new chain of h_tc instead of an incremental/.test(w)), warnings.join('\n'));
    const target = fresh();
    await restore({ ...common, encrypt_pass_file: key2, restore_abs_path: target });
    assert.deepEqual(manifestDiff(manifest(src), manifest(target)), []);
    const old = fresh();
    await restore({ ...common, restore_abs_path: old, restore_from_date: levels[1].name.split('_')[1] });
    assert.deepEqual(manifestDiff(states[1], manifest(old)), []);
  });

  it('trust 2: an encrypted incremental does not build on a chain whose snapshot file was altered', async () => {
    const { common, src, levels } = await chain(1);
    fs.appendFileSync(path.join(levels[0].data, 'engine_metadata'), 'x');
    const outcome = await backup({ ...common, path_to_backup: src });
    assert.equal(slotOf(outcome).level, 0);
    assert.match(outcome.message, /a new chain: the tar snapshot \(engine_metadata\) of 0_\d+ .* altered/);
  });

  it('trust 2: an unencrypted incremental does not build on an encrypted chain', async () => {
    const { common, src } = await chain(1);
    const outcome = await backup({ ...common, encrypt_pass_file: undefined, path_to_backup: src });
    assert.equal(slotOf(outcome).level, 0);
    assert.match(outcome.message, /a new chain: chain \d+ is encrypted/);
  });

  it('trust 2: a stock-shaped encrypted chain (no MAC, no checksum) is refused without accept_unauthenticated, restored with it', async () => {
    const { common, levels, states } = await chain(2, { encryption_format: 'openssl' });
    for (const level of levels) writeMeta(level, { engine_name: 'tar', compression: 'gzip', encryption: true });
    await refusedEmpty(common, new RegExp(`backup ${levels[0].name} \\(chain \\d+ of h_tc\\) carries no chain authentication.*accept_unauthenticated: true`));
    const target = fresh();
    await restore({ ...common, accept_unauthenticated: 'true', restore_abs_path: target });
    assert.deepEqual(manifestDiff(states[1], manifest(target)), []);
    // The opt-in never lets an unencrypted level in.
    writeMeta(levels[1], { engine_name: 'tar', compression: 'gzip', encryption: false });
    await refusedEmpty({ ...common, accept_unauthenticated: true }, /is not encrypted/);
  });
});
