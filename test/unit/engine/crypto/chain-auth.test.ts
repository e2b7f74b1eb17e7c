import assert from 'node:assert/strict';
import { chainMacKey, levelMac, macInput, macMatches, newChainSalt, type LevelAuthFacts } from '../../../../src/engine/crypto';

const facts: LevelAuthFacts = {
  hbn: 'host_name', t0: 1000, level: 1, ts: 1005, compression: 'gzip', encryptionFormat: 'sealed', dataSize: 4096,
  dataSha256: null, sealedHeaderSha256: 'a'.repeat(64), engineMetadataSha256: 'b'.repeat(64), chainSalt: 'c'.repeat(32), prevMac: 'd'.repeat(64),
};

describe('chain authentication (engine/crypto/chain-auth.ts)', () => {
  it('trust 2: every field the MAC covers changes it, and the key depends on passphrase and salt', async () => {
    const salt = newChainSalt();
    assert.match(salt, /^[0-9a-f]{32}$/);
    const key = await chainMacKey(Buffer.from('pass'), salt);
    const mac = levelMac(key, facts);
    assert.ok(macMatches(key, facts, mac));
    const changes: Partial<LevelAuthFacts>[] = [
      { hbn: 'host_other' }, { t0: 1001 }, { level: 2 }, { ts: 1006 }, { compression: 'zstd' }, { encryptionFormat: 'openssl' },
      { dataSize: 4097 }, { dataSha256: 'e'.repeat(64) }, { sealedHeaderSha256: null }, { engineMetadataSha256: null },
      { chainSalt: 'f'.repeat(32) }, { prevMac: null },
    ];
    for (const change of changes) assert.equal(macMatches(key, { ...facts, ...change }, mac), false, JSON.stringify(change));
    assert.equal(macMatches(await chainMacKey(Buffer.from('pass2'), salt), facts, mac), false);
    assert.equal(macMatches(await chainMacKey(Buffer.from('pass'), newChainSalt()), facts, mac), false);
    assert.equal(macMatches(key, facts, mac.slice(0, 62)), false);
  });

  it('trust 2: fields are length-prefixed, so moving bytes between neighbours changes the input', () => {
    const a = macInput({ ...facts, hbn: 'h_ab', compression: 'gzip' });
    const b = macInput({ ...facts, hbn: 'h_a', compression: 'bgzip' });
    assert.notDeepEqual(a, b);
    assert.equal(a.subarray(0, 8).toString('latin1'), 'PFCHAIN1');
    assert.equal(a.readUInt32BE(8), 4);
  });
});
