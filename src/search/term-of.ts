import { createHash } from 'node:crypto';
import { canonicalChunks, type Chunks } from './canonical';

/**
 * Canonical texts up to this many UTF-8 bytes go into the term as they are; longer ones are
 * replaced by a 43-character digest. Index rows then stay small (at most the key plus ~44 bytes
 * of value) while the common values (ids, names, statuses, numbers) stay readable in the index.
 */
export const MAX_INLINE_BYTES = 96;

/**
 * The index term for key=value: `<key>\0<canonical JSON>`, or `<key>\0#<SHA-256 base64url>` of
 * the canonical JSON when that is longer than MAX_INLINE_BYTES. Two values are equal under the
 * search rules iff their terms are equal (up to SHA-256 collisions), because canonical text is.
 * The mapping is injective: the value part never contains a NUL (JSON escapes control
 * characters), so the key is everything before the last NUL even when the key has NULs, and
 * canonical JSON never starts with `#`, so an inline value never looks like a digest. All terms
 * of one key share the prefix `<key>\0`, so a store can range-scan "has this key".
 * Stores persist these strings: changing the format means re-indexing.
 */
export function termOf(key: string, value: unknown): string {
  return termOfChunks(key, canonicalChunks(value));
}

/** termOf for a value whose canonical text is already known, as pieces (canonicalChunks). */
export function termOfChunks(key: string, text: Chunks): string {
  // A UTF-8 encoding is at least as long as the UTF-16 length: long texts skip the byte count.
  if (text.length <= MAX_INLINE_BYTES) {
    const whole = text.chunks.join('');
    if (Buffer.byteLength(whole, 'utf8') <= MAX_INLINE_BYTES) return `${key}\u0000${whole}`;
  }
  // Hashing the pieces in order is hashing their concatenation: nothing is joined or copied.
  const hash = createHash('sha256');
  for (const piece of text.chunks) hash.update(piece, 'utf8');
  return `${key}\u0000#${hash.digest('base64url')}`;
}
