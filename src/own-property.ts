/**
 * Property access that user-chosen names cannot subvert. Documents arrive as JSON, so any key,
 * `__proto__`, `constructor` and `prototype` included, may be an own data property of them. A
 * plain read `obj[key]` of a missing key finds the prototype chain instead (obj['__proto__'] is
 * Object.prototype, and writing into it pollutes every object of the process); a plain write
 * `obj['__proto__'] = v` replaces the object's prototype instead of storing the key.
 */

/** The object's own property `key`, or undefined: never a value inherited from a prototype. */
export function ownValue(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Stores `value` as an own, enumerable data property, whatever the key (as JSON.parse does). */
export function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Defence in depth for the API process, what `node --disable-proto=delete` does: without the
 * `Object.prototype.__proto__` accessor, `obj['__proto__']` is an ordinary (missing or own) key,
 * so a lookup or assignment the audit missed cannot reach Object.prototype through it. Nothing
 * Permafrost runs depends on the accessor (Object.getPrototypeOf/setPrototypeOf and `{__proto__: x}`
 * literals are unaffected); the API test suites run with it removed.
 */
export function removeProtoAccessor(): void {
  delete (Object.prototype as { __proto__?: unknown }).__proto__;
}
