/** Encryption streams of the backup engine: Freezer's openssl CFB (interop) and the sealed format (default). */
export { readPassphrase } from './passphrase';
export { evpBytesToKey, opensslEncrypt, opensslDecrypt } from './openssl-cfb';
export { SEALED_MAGIC, isSealed, sealEncrypt, sealDecrypt } from './sealed-stream';
