import { isObject } from './is-object';

/**
 * The value the search finds for every property name in the document (spec A.5.2), in one
 * depth-first pass instead of one walk per searched key.
 *
 * The reference walk for a key K visits properties in key order, records the value of a property
 * named K without descending into it, descends into objects and into the object elements of
 * arrays (never into arrays of arrays), and lets a later find overwrite an earlier one. Hence:
 *  - a property named K counts for K unless an ancestor property is also named K (the K walk
 *    never enters that ancestor's value), so the names on the current path are "blocked";
 *  - properties are recorded in pre-order (the property, then its value's contents, then its
 *    siblings), which is the order the per-key walk finds them in, so the last write wins
 *    exactly as the last find does.
 * Walks for different keys never influence each other: the reference code walks all searched
 * keys at once and also stops at a property named after ANY searched key, so a search naming
 * both `freezer_action` and `backup_name` differs from it there. Per-key lookup is what the
 * spec states and what lets a store index every key of a document once, at write time.
 *
 * Documents are seen as JSON text: a property whose value is undefined does not exist. "Key
 * order" is JavaScript's own-property order, the order the API serialises the document in.
 */
export function leafValues(doc: unknown): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const blocked = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const element of node) if (isObject(element)) visit(element);
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined) continue;
      const counts = !blocked.has(key);
      if (counts) found.set(key, value);
      if (typeof value !== 'object' || value === null) continue;
      if (counts) blocked.add(key);
      visit(value);
      if (counts) blocked.delete(key);
    }
  };
  visit(doc);
  return found;
}
