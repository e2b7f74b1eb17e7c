/** One condition of a search: the value found for the property name `key` must (not) equal `value`. */
export type Condition = { key: string; value: unknown };

/** A normalised search body (spec A.5.2): every `match` condition holds and no `matchNot` one does. */
export interface Search {
  match: Condition[];
  matchNot: Condition[];
}
