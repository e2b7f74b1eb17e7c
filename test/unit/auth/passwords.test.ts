import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { DUMMY_HASH, hashSecret, verifySecret } from '../../../src/auth/passwords';

const ENCODED = /^scrypt\$15\$8\$1\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

describe('passwords', () => {
  it('hashes into a self-describing scrypt string with a 16-byte salt and a 32-byte key', async () => {
    const encoded = await hashSecret('correct horse battery staple');
    const m = ENCODED.exec(encoded);
    assert.ok(m, `unexpected encoding: ${encoded}`);
    assert.equal(Buffer.from(m[1], 'base64').length, 16);
    assert.equal(Buffer.from(m[2], 'base64').length, 32);
    assert.ok(!encoded.includes('correct horse'));
  });

  it('verifies the right secret and refuses wrong ones', async () => {
    const encoded = await hashSecret('s3cret-Pässwörd');
    assert.equal(await verifySecret('s3cret-Pässwörd', encoded), true);
    assert.equal(await verifySecret('s3cret-Passwörd', encoded), false);
    assert.equal(await verifySecret('S3cret-Pässwörd', encoded), false);
    assert.equal(await verifySecret('', encoded), false);
  });

  it('salts: two hashes of the same secret differ and both verify', async () => {
    const [a, b] = await Promise.all([hashSecret('same'), hashSecret('same')]);
    assert.notEqual(a, b);
    assert.equal(await verifySecret('same', a), true);
    assert.equal(await verifySecret('same', b), true);
  });

  it('reads the parameters from the encoded string, so older or cheaper hashes keep working', async () => {
    const salt = crypto.randomBytes(16);
    const key = crypto.scryptSync('legacy', salt, 24, { N: 2 ** 10, r: 4, p: 2 });
    const encoded = `scrypt$10$4$2$${salt.toString('base64')}$${key.toString('base64')}`;
    assert.equal(await verifySecret('legacy', encoded), true);
    assert.equal(await verifySecret('legacy!', encoded), false);
  });

  it('answers false, never throws, for malformed hashes', async () => {
    const good = await hashSecret('x');
    const [, , , , salt, hash] = good.split('$');
    const malformed = [
      '',
      'garbage',
      'scrypt$15$8$1$only-five',
      `bcrypt$15$8$1$${salt}$${hash}`,
      `scrypt$0$8$1$${salt}$${hash}`,
      `scrypt$15$0$1$${salt}$${hash}`,
      `scrypt$x$8$1$${salt}$${hash}`,
      `scrypt$-15$8$1$${salt}$${hash}`,
      `scrypt$40$8$1$${salt}$${hash}`, // would need terabytes: refused before running scrypt
      `scrypt$15$8$1$${salt}$${hash}$extra`,
      `scrypt$15$8$1$${salt}$***`,
      `scrypt$15$8$1$$${hash}`,
      `scrypt$15$8$1$${salt}$${hash.slice(0, 8)}`, // 6-byte key: too short to mean anything
      null as unknown as string,
    ];
    for (const encoded of malformed) {
      assert.equal(await verifySecret('x', encoded), false, `for ${JSON.stringify(encoded)}`);
    }
  });

  it('offers a dummy hash with the current cost that nothing matches (unknown users take as long)', async () => {
    const real = await hashSecret('whatever');
    const prefix = (s: string) => s.split('$').slice(0, 4).join('$');
    assert.equal(prefix(DUMMY_HASH), prefix(real));
    assert.match(DUMMY_HASH, ENCODED);
    assert.equal(await verifySecret('', DUMMY_HASH), false);
    assert.equal(await verifySecret('whatever', DUMMY_HASH), false);
  });
});
