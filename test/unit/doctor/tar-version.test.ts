import assert from 'node:assert/strict';
import { parseTarVersion, tarProblem } from '../../../src/doctor/tar-version';
import { compareVersions, minimumOf } from '../../../src/doctor/versions';

describe('doctor: which tar, which version (doctor/tar-version.ts, doctor/versions.ts)', () => {
  it('reads GNU tar, bsdtar and BusyBox from what `tar --version` prints', () => {
    const gnu = 'tar (GNU tar) 1.34\nCopyright (C) 2021 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later\n';
    assert.deepEqual(parseTarVersion(gnu), { kind: 'gnu', version: '1.34' });
    assert.deepEqual(parseTarVersion('tar (GNU tar) 1.35.90\n'), { kind: 'gnu', version: '1.35.90' });
    assert.deepEqual(parseTarVersion('bsdtar 3.6.2 - libarchive 3.6.2 zlib/1.2.13 liblzma/5.4.1\n'), { kind: 'bsdtar', version: '3.6.2' });
    // BusyBox has no --version: it complains and prints its banner on stderr.
    const busybox = "tar: unrecognized option '--version'\nBusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\nUsage: tar c|x|t [-ZzJjahmvokO] [-f TARFILE]";
    assert.deepEqual(parseTarVersion(busybox), { kind: 'busybox', version: '1.36.1' });
    assert.deepEqual(parseTarVersion(''), { kind: 'other', version: null });
    assert.deepEqual(parseTarVersion('star 1.6 (x86_64-unknown-linux-gnu)'), { kind: 'other', version: null });
  });

  it('accepts GNU tar from the minimum the engine\'s flags need, and says why for anything else', () => {
    assert.equal(tarProblem({ kind: 'gnu', version: '1.28' }), null);
    assert.equal(tarProblem({ kind: 'gnu', version: '1.34' }), null);
    assert.match(tarProblem({ kind: 'gnu', version: '1.27.1' }) ?? '', /GNU tar 1\.27\.1 is older than 1\.28/);
    assert.match(tarProblem({ kind: 'bsdtar', version: '3.6.2' }) ?? '', /bsdtar 3\.6\.2, not GNU tar.*Debian package: tar/);
    assert.match(tarProblem({ kind: 'busybox', version: '1.36.1' }) ?? '', /BusyBox tar 1\.36\.1, not GNU tar/);
    assert.match(tarProblem({ kind: 'other', version: null }) ?? '', /does not say "GNU tar"/);
  });

  it('compares dotted versions numerically, missing parts as 0', () => {
    assert.equal(compareVersions('1.28', '1.28.0'), 0);
    assert.equal(compareVersions('1.9', '1.28'), -1);
    assert.equal(compareVersions('1.34.1', '1.34'), 1);
    assert.equal(compareVersions('20.11.1', '20.12'), -1);
    assert.equal(compareVersions('22.0.0', '20.12'), 1);
  });

  it('reads the minimum of a package.json engines range, and nothing it cannot read', () => {
    assert.equal(minimumOf('>=20.12'), '20.12');
    assert.equal(minimumOf(' >= v18.0.1 '), '18.0.1');
    assert.equal(minimumOf('^20.12'), null);
    assert.equal(minimumOf('>=18 <23'), null);
  });
});
