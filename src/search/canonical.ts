/**
 * Canonical JSON text of a value: object keys sorted (by UTF-16 code units, JavaScript's default
 * sort), no whitespace, numbers in JavaScript's shortest form (so 1.0 is `1` and -0 is `0`).
 * Two values are equal under the search rules (see sameValue) iff their canonical texts are.
 * Like JSON.stringify, an undefined property is left out and undefined or a non-finite number
 * is `null`: documents are compared as the API returns them. The text never contains a raw
 * control character (JSON escapes them), which term strings rely on.
 */
export function canonical(value: unknown): string {
  return canonicalChunks(value).chunks.join('');
}

/** A canonical text held as consecutive pieces (see canonicalChunks). */
export interface Chunks {
  chunks: readonly string[];
  /** Total length in UTF-16 code units. */
  length: number;
}

/**
 * Pieces shorter than this are merged into one string; longer ones are kept as they are, by
 * reference, so a large subtree is never copied again for each of its ancestors.
 */
const MERGE_LENGTH = 16 * 1024;

/**
 * The canonical text of `value` as pieces whose concatenation is canonical(value). docTerms
 * needs the text of every nested value of a document that a search key names, each inside its
 * ancestors' texts: rendered as one string per level, a deep document would cost its size times
 * its depth in copies. Here large pieces are shared between levels, and hashing reads them in
 * place. `memo` keeps each object's result for the duration of one document (which must not
 * change meanwhile). Pieces never split a JSON token, so they never split a surrogate pair, and
 * hashing them one after the other as UTF-8 gives the hash of the whole text.
 */
export function canonicalChunks(value: unknown, memo?: Map<object, Chunks>): Chunks {
  if (typeof value !== 'object' || value === null) {
    const text = value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? 'null' : JSON.stringify(value);
    return { chunks: [text], length: text.length };
  }
  const known = memo?.get(value);
  if (known) return known;
  const out = new ChunkBuilder();
  if (Array.isArray(value)) {
    out.add('[');
    value.forEach((v, i) => {
      if (i > 0) out.add(',');
      out.addAll(canonicalChunks(v, memo));
    });
    out.add(']');
  } else {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    out.add('{');
    keys.forEach((k, i) => {
      out.add(i > 0 ? `,${JSON.stringify(k)}:` : `${JSON.stringify(k)}:`);
      out.addAll(canonicalChunks(o[k], memo));
    });
    out.add('}');
  }
  const result = out.finish();
  memo?.set(value, result);
  return result;
}

/** Collects pieces, joining runs of short ones so the piece count stays small. */
class ChunkBuilder {
  private readonly chunks: string[] = [];
  private small: string[] = [];
  private smallLength = 0;
  private length = 0;

  add(piece: string): void {
    this.length += piece.length;
    if (piece.length >= MERGE_LENGTH) {
      this.flush();
      this.chunks.push(piece);
      return;
    }
    this.small.push(piece);
    this.smallLength += piece.length;
    if (this.smallLength >= MERGE_LENGTH) this.flush();
  }

  addAll(part: Chunks): void {
    for (const piece of part.chunks) this.add(piece);
  }

  finish(): Chunks {
    this.flush();
    return { chunks: this.chunks, length: this.length };
  }

  private flush(): void {
    if (this.small.length === 0) return;
    this.chunks.push(this.small.length === 1 ? this.small[0] : this.small.join(''));
    this.small = [];
    this.smallLength = 0;
  }
}
