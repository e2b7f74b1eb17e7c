import assert from 'node:assert/strict';
import { iecBytes, isoSeconds } from '../../src/human-units';

describe('human-units: sizes and times as people read them', () => {
  it('labels binary multiples as such: 62,515,200 bytes are 59.62 MiB', () => {
    assert.equal(iecBytes(62_515_200), '59.62 MiB');
    assert.equal(iecBytes(0), '0 B');
    assert.equal(iecBytes(1023), '1023 B');
    assert.equal(iecBytes(1024), '1 KiB');
    assert.equal(iecBytes(1536), '1.5 KiB');
    assert.equal(iecBytes(50 * 2 ** 20), '50 MiB');
    assert.equal(iecBytes(3 * 2 ** 30 + 2 ** 29), '3.5 GiB');
    assert.equal(iecBytes(2 ** 40), '1 TiB');
  });

  it('moves to the next unit when the rounded value would read 1024', () => {
    assert.equal(iecBytes(2 ** 20 - 1), '1 MiB');
    assert.equal(iecBytes(2 ** 20 - 6000), '1018.14 KiB');
  });

  it('writes epoch seconds as an ISO 8601 UTC date to the second', () => {
    assert.equal(isoSeconds(1796123631), '2026-12-01T11:13:51Z');
    assert.equal(isoSeconds(0), '1970-01-01T00:00:00Z');
    assert.equal(isoSeconds(1796123631.9), '2026-12-01T11:13:51Z');
  });

  it('gives the nearest date a Date holds for a cutoff beyond it (a huge remove_older_than)', () => {
    assert.equal(isoSeconds(-1e9 * 86400), '-271821-04-20T00:00:00Z');
    assert.equal(isoSeconds(1e20), '+275760-09-13T00:00:00Z');
  });
});
