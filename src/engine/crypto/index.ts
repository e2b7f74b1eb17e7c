/** Encryption streams of the backup engine: Freezer's openssl CFB (interop) and the sealed format (default). */
export { readPassphrase } from './passphrase';
export { evpBytesToKey, opensslEncrypt, opensslDecrypt } from './openssl-cfb';
export { SEALED_HEADER_LEN, SEALED_MAGIC, isSealed, sealEncrypt, sealDecrypt } from './sealed-stream';
export { chainMacKey, levelMac, macInput, macMatches, newChainSalt, type LevelAuthFacts } from './chain-auth';
export { expectHeader } from './header-check';
