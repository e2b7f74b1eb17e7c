import { leafValues } from './leaf-values';
import { canonicalChunks, type Chunks } from './canonical';
import { termOfChunks } from './term-of';

/**
 * The index terms of a document, computed once when it is written: one per property name the
 * search can find in it, so any condition `{key: value}` with a non-null value is a lookup of
 * termOf(key, value). A null condition also matches documents without the key, which have no term
 * for it; stores must handle that case apart (e.g. with matches()).
 */
export function docTerms(doc: unknown): string[] {
  // One memo for the whole document: nested values share their subtrees' canonical texts.
  const memo = new Map<object, Chunks>();
  return Array.from(leafValues(doc), ([key, value]) => termOfChunks(key, canonicalChunks(value, memo)));
}
