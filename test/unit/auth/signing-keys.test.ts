import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSigningKeys } from '../../../src/auth/signing-keys';
import { TokenIssuer, TokenVerifier } from '../../../src/auth/tokens';
import { loadConfig, type JwtSettings } from '../../../src/config/config';

/** The built-in jwt settings, with overrides. */
const settings = (over: Partial<JwtSettings> = {}): JwtSettings => ({ ...loadConfig({}, {}).jwt, ...over });

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('loadSigningKeys', () => {
  let root: string;
  let n = 0;
  /** A fresh directory path per test (not created: the loader must create it). */
  const freshDir = () => path.join(root, `case-${n++}`, 'data');
  const write = (name: string, content: string | Buffer, mode: number) => {
    const file = path.join(root, `${n++}-${name}`);
    fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode); // the umask may have narrowed it
    return file;
  };

  let rsa: { privatePem: string; publicPem: string };
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-keys-'));
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsa = {
      privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    };
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  describe('HS256', () => {
    it('generates a private 64-byte secret on first start and reuses it afterwards', () => {
      const dir = freshDir();
      const first = loadSigningKeys(settings(), dir);
      const file = path.join(dir, 'jwt-secret');
      assert.equal(first.algorithm, 'HS256');
      assert.equal(modeOf(dir), 0o700);
      assert.equal(modeOf(file), 0o600);
      const onDisk = fs.readFileSync(file);
      assert.equal(onDisk.length, 64);
      assert.deepEqual(first.signKey, onDisk);
      assert.deepEqual(fs.readdirSync(dir), ['jwt-secret'], 'no temp file is left behind');

      const second = loadSigningKeys(settings(), dir);
      assert.deepEqual(second.signKey, onDisk);
    });

    it('gives every process the same secret when several start at once', async () => {
      const dir = freshDir();
      const modulePath = path.resolve(__dirname, '../../../src/auth/signing-keys.js');
      const script =
        `const { loadSigningKeys } = require(${JSON.stringify(modulePath)});` +
        `const s = { algorithm: 'HS256', secret_file: null, private_key_file: null, public_key_file: null };` +
        `const k = loadSigningKeys(s, ${JSON.stringify(dir)});` +
        `process.stdout.write(require('crypto').createHash('sha256').update(k.signKey).digest('hex'));`;
      const run = () =>
        new Promise<string>((resolve, reject) =>
          execFile(process.execPath, ['-e', script], (err, stdout) => (err ? reject(err) : resolve(stdout))),
        );
      const digests = await Promise.all(Array.from({ length: 6 }, run));
      const onDisk = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'jwt-secret'))).digest('hex');
      assert.deepEqual(new Set(digests), new Set([onDisk]));
      assert.deepEqual(fs.readdirSync(dir), ['jwt-secret']);
    });

    it('uses a configured secret file as is', () => {
      const secret = crypto.randomBytes(32);
      const keys = loadSigningKeys(settings({ secret_file: write('secret', secret, 0o600) }), freshDir());
      assert.deepEqual(keys.signKey, secret);
    });

    it('refuses a secret file readable by group or others, saying how to fix it', () => {
      const file = write('secret', crypto.randomBytes(64), 0o644);
      assert.throws(() => loadSigningKeys(settings({ secret_file: file }), freshDir()), (err: Error) => {
        assert.ok(err.message.includes(file));
        assert.match(err.message, /group or others \(mode 0644\)/);
        assert.match(err.message, /chmod 600/);
        return true;
      });
    });

    it('refuses a generated secret whose mode was widened later', () => {
      const dir = freshDir();
      loadSigningKeys(settings(), dir);
      fs.chmodSync(path.join(dir, 'jwt-secret'), 0o640);
      assert.throws(() => loadSigningKeys(settings(), dir), /chmod 600/);
    });

    it('refuses a secret shorter than 32 bytes', () => {
      const file = write('short', crypto.randomBytes(31), 0o600);
      assert.throws(() => loadSigningKeys(settings({ secret_file: file }), freshDir()), /holds 31 bytes; HS256 needs at least 32/);
    });

    it('names a missing secret file', () => {
      const file = path.join(root, 'nope', 'secret');
      assert.throws(() => loadSigningKeys(settings({ secret_file: file }), freshDir()), (err: Error) => {
        assert.equal(err.message, `JWT secret file ${file} does not exist`);
        return true;
      });
    });

    it('refuses a directory as secret file', () => {
      const dir = path.join(root, `dir-${n++}`);
      fs.mkdirSync(dir, { mode: 0o700 });
      assert.throws(() => loadSigningKeys(settings({ secret_file: dir }), freshDir()), /is not a regular file/);
    });
  });

  describe('RS256', () => {
    const rs = (over: Partial<JwtSettings> = {}) => settings({ algorithm: 'RS256', ...over });

    it('generates a 3072-bit pair on first start (private key 0600) and reuses it afterwards', () => {
      const dir = freshDir();
      const first = loadSigningKeys(rs(), dir);
      const privateFile = path.join(dir, 'jwt-private.pem');
      const publicFile = path.join(dir, 'jwt-public.pem');
      assert.equal(modeOf(privateFile), 0o600);
      assert.equal(modeOf(publicFile) & 0o022, 0, 'nobody else can replace the public key');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['jwt-private.pem', 'jwt-public.pem']);
      assert.equal(first.signKey, fs.readFileSync(privateFile, 'utf8'));
      const publicKey = crypto.createPublicKey(fs.readFileSync(publicFile));
      assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 3072);
      assert.ok(publicKey.equals(first.verifyKey as crypto.KeyObject));

      const second = loadSigningKeys(rs(), dir);
      assert.equal(second.signKey, first.signKey);
    });

    it('signs and verifies with a configured pair', () => {
      const keys = loadSigningKeys(
        rs({ private_key_file: write('key.pem', rsa.privatePem, 0o600), public_key_file: write('pub.pem', rsa.publicPem, 0o644) }),
        freshDir(),
      );
      const { token } = new TokenIssuer(keys, rs()).issue({ sub: 'u', name: 'n', project: null, roles: [], methods: ['password'] });
      assert.equal(new TokenVerifier(keys, rs()).verify(token).sub, 'u');
    });

    it('runs as a verify-only replica with the public key alone: it verifies, but cannot issue', () => {
      const full = loadSigningKeys(rs({ private_key_file: write('key.pem', rsa.privatePem, 0o600) }), freshDir());
      const replica = loadSigningKeys(rs({ public_key_file: write('pub.pem', rsa.publicPem, 0o644) }), freshDir());
      assert.equal(replica.signKey, null);

      const { token, claims } = new TokenIssuer(full, rs()).issue({ sub: 'u', name: 'n', project: 'p', roles: ['member'], methods: ['password'] });
      assert.deepEqual(new TokenVerifier(replica, rs()).verify(token), claims);
      const input = { sub: 'u', name: 'n', project: 'p', roles: ['member'], methods: ['password'] };
      assert.throws(() => new TokenIssuer(replica, rs()).issue(input), /verify-only/);
    });

    it('refuses a private key readable by others', () => {
      const file = write('key.pem', rsa.privatePem, 0o604);
      assert.throws(() => loadSigningKeys(rs({ private_key_file: file }), freshDir()), /mode 0604.*chmod 600/);
    });

    it('refuses files that are not RSA PEM keys', () => {
      const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const ecPrivate = write('ec.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
      const ecPublic = write('ec-pub.pem', ec.publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
      const junk = write('junk.pem', 'not a key at all\n', 0o600);
      assert.throws(() => loadSigningKeys(rs({ private_key_file: ecPrivate }), freshDir()), /holds a ec key; RS256 needs an RSA key/);
      assert.throws(() => loadSigningKeys(rs({ public_key_file: ecPublic }), freshDir()), /RS256 needs an RSA key/);
      assert.throws(() => loadSigningKeys(rs({ private_key_file: junk }), freshDir()), /is not an unencrypted PEM private key/);
      assert.throws(() => loadSigningKeys(rs({ public_key_file: junk }), freshDir()), /is not a PEM public key/);
    });

    it('refuses RSA keys shorter than 2048 bits', () => {
      const small = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
      const file = write('small.pem', small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
      assert.throws(() => loadSigningKeys(rs({ private_key_file: file }), freshDir()), /1024-bit RSA key; RS256 needs at least 2048/);
    });

    it('refuses a private key given as the public key file (it would leak to replicas)', () => {
      const file = write('pub.pem', rsa.privatePem, 0o600);
      assert.throws(() => loadSigningKeys(rs({ public_key_file: file }), freshDir()), /holds a private key/);
    });

    it('refuses a public key that does not belong to the private key', () => {
      const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyFile = write('key.pem', rsa.privatePem, 0o600);
      const pubFile = write('pub.pem', other.publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
      assert.throws(() => loadSigningKeys(rs({ private_key_file: keyFile, public_key_file: pubFile }), freshDir()), /does not match/);
    });
  });
});
