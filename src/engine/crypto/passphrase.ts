import { open } from 'node:fs/promises';
import { EngineError } from '../engine-error';

/**
 * `openssl enc -pass file:F` reads the password with BIO_gets into a 1024-byte buffer, so it sees
 * at most 1023 bytes of the first line; it then cuts at the first '\n' and, being a C string, at
 * the first NUL. A '\r' (CRLF key files) is kept. We mirror all of it so a key file gives the same
 * key to Permafrost as to the stock Freezer agent.
 */
const OPENSSL_PASS_MAX = 1023;

/** Bytes openssl would take as the passphrase from the start of `head`. */
function firstLine(head: Buffer): Buffer {
  let end = Math.min(head.length, OPENSSL_PASS_MAX);
  for (const stop of [0x0a, 0x00]) {
    const at = head.indexOf(stop);
    if (at !== -1 && at < end) end = at;
  }
  return head.subarray(0, end);
}

/** Read at most what openssl reads: stop at the first newline, the cap, or end of file. */
async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(OPENSSL_PASS_MAX);
    let got = 0;
    // Loop because a FIFO or /dev/fd path may hand the line over in several reads.
    while (got < buf.length && buf.subarray(0, got).indexOf(0x0a) === -1) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/**
 * The passphrase of a key file, as `openssl enc -pass file:F` uses it. Errors name the file and
 * never echo its content, since it is a secret.
 */
export async function readPassphrase(file: string): Promise<Buffer> {
  let head: Buffer;
  try {
    head = await readHead(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new EngineError(`Cannot read the passphrase file ${file} (${code})`, { cause: err });
  }
  const pass = firstLine(head);
  if (pass.length === 0) {
    throw new EngineError(`The passphrase file ${file} is empty: its first line holds no passphrase`);
  }
  return Buffer.from(pass);
}
