/**
 * The text with the `user:password@` part of every URL in it masked. Database URLs carry
 * credentials (mongodb://user:pass@host/db), and drivers quote URLs in their error messages,
 * so anything printed about a database goes through this first.
 */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s'"]+@/gi, '$1***@');
}
