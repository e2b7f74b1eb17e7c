import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MemberGuard } from '../../../../src/engine/tar';
import { tarArchive, tarDir, tarFile, tarHardLink, tarHeader, tarMember } from '../../../helpers/tar-bytes';

/** Runs `archive` through a guard; resolves to the refusal message, or null when it passed. */
async function refusal(archive: Buffer, confined: boolean | undefined): Promise<string | null> {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const opts = confined === undefined ? {} : { refuseSetIdAndDevices: confined };
  try {
    await pipeline(Readable.from([archive]), new MemberGuard(opts), sink);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A header whose mode field is base-256 (GNU tar reads it; a plain octal parse would not). */
function base256Mode(name: string, mode: number): Buffer {
  const field = Buffer.alloc(8);
  field[0] = 0x80;
  field.writeUInt32BE(mode, 4);
  return rawMode(name, field);
}

/** A header with `field` as its raw 8-byte mode field (checksum recomputed). */
function rawMode(name: string, field: Buffer): Buffer {
  const block = tarHeader({ name, mode: 0o644 });
  field.copy(block, 100);
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0`, 148);
  return Buffer.concat([block, Buffer.alloc(512)]);
}

describe('trust 12: a confined restore refuses setuid/setgid files and device nodes (engine/tar/member-guard.ts)', () => {
  const setuid = tarArchive(tarMember({ name: 'rootshell', mode: 0o4755 }, '#!/bin/sh\n'));
  const setgid = tarArchive(tarMember({ name: 'groupshell', mode: 0o2755 }, '#!/bin/sh\n'));
  const charDevice = tarArchive(tarMember({ name: 'mem', type: '3', mode: 0o666 }));
  const blockDevice = tarArchive(tarMember({ name: 'disk', type: '4', mode: 0o666 }));

  it('refuses them when confined, naming the member and the reason', async () => {
    assert.match(await refusal(setuid, true) ?? '', /"rootshell" is setuid or setgid \(mode 4755\).*allowed_paths/);
    assert.match(await refusal(setgid, true) ?? '', /"groupshell" is setuid or setgid \(mode 2755\)/);
    assert.match(await refusal(charDevice, true) ?? '', /"mem" is a character device node/);
    assert.match(await refusal(blockDevice, true) ?? '', /"disk" is a block device node/);
  });

  it('refuses a mode it cannot check (base-256, or bits beyond 07777): tar would read it anyway', async () => {
    assert.match(await refusal(tarArchive(base256Mode('odd', 0o4755)), true) ?? '', /"odd" is setuid or setgid \(mode 4755\)/);
    assert.match(await refusal(tarArchive(base256Mode('huge', 0o104755)), true) ?? '', /"huge" has a mode field this restore cannot check/);
    assert.equal(await refusal(tarArchive(rawMode('garbled', Buffer.from('rwsr-xr\0'))), true), 'Refusing to restore: archive member "garbled" has a mode field this restore cannot check');
    // 07777 is still a mode (every bit tar knows): refused for its setuid bit, not as unreadable.
    assert.match(await refusal(tarArchive(tarMember({ name: 'all', mode: 0o7777 })), true) ?? '', /"all" is setuid or setgid \(mode 7777\)/);
  });

  it('lets setgid directories, sticky bits, plain files and hard links through when confined', async () => {
    const fine = tarArchive(tarMember({ name: 'shared/', type: '5', mode: 0o2775 }), tarMember({ name: 'tmp/', type: '5', mode: 0o1777 }), tarFile('shared/a.txt'), tarHardLink('b.txt', 'shared/a.txt'), tarDir('d/'));
    assert.equal(await refusal(fine, true), null);
  });

  it('restores all of them unconfined (the operator restoring a whole system), which is the default', async () => {
    for (const archive of [setuid, setgid, charDevice, blockDevice]) {
      assert.equal(await refusal(archive, false), null);
      assert.equal(await refusal(archive, undefined), null);
    }
  });
});
