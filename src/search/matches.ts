import { leafValues } from './leaf-values';
import { sameValue } from './same-value';
import type { Condition, Search } from './types';

/**
 * The search semantics themselves (spec A.5.2), for stores that filter in memory and as the
 * oracle the index-based stores are tested against: every `match` condition equals the value
 * found for its key and no `match_not` condition does. A key that is not found reads as
 * undefined, which sameValue takes as null, as the reference does.
 */
export function matches(doc: unknown, search: Search): boolean {
  const found = leafValues(doc);
  const holds = (c: Condition) => sameValue(found.get(c.key), c.value);
  return search.match.every(holds) && !search.matchNot.some(holds);
}
