/**
 * A connection string fit for messages and logs: no user or password, no options (they may carry
 * secrets such as authMechanismProperties). Works for multi-host and mongodb+srv URLs, which
 * WHATWG URL cannot parse.
 */
export function safeUrl(url: string): string {
  return scrubCredentials(url).replace(/\?.*$/s, '');
}

/** Removes `user:password@` from every URL in a text (e.g. a driver error message). */
export function scrubCredentials(text: string): string {
  return text.replace(/(:\/\/)[^/?#\s]*@/g, '$1');
}
