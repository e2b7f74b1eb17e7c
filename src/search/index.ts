/**
 * Freezer's list search (spec A.5.2): `{"match":[{k:v}], "match_not":[{k:v}]}`, where k is a
 * property NAME found anywhere in the document and v must equal its value exactly. Stores make it
 * indexable with docTerms/termOf, or filter in memory with matches.
 */
export type { Condition, Search } from './types';
export { parseSearch } from './parse-search';
export { leafValues } from './leaf-values';
export { canonical } from './canonical';
export { sameValue } from './same-value';
export { termOf, MAX_INLINE_BYTES } from './term-of';
export { docTerms } from './doc-terms';
export { matches } from './matches';
