/**
 * Which flag or environment variable gave each setting, so that a problem names the place to fix
 * it. A setting with no source came from the config file, under the name the problem shows (or is
 * a default). Sources are recorded in the order layers are merged: the last one recorded for a
 * setting gave the value used.
 */
export class SettingSources {
  private readonly byKey = new Map<string, string>();

  /** `key` is a dotted setting name (limits.max_keys); `source` e.g. `--bind` or `PERMAFROST_BIND`. */
  set(key: string, source: string): void {
    this.byKey.set(key, source);
  }

  /** The setting's name as problems show it: `bind (from PERMAFROST_BIND)`, or just `bind` (the file's name for it). */
  named(key: string): string {
    const source = this.byKey.get(key);
    return source ? `${key} (from ${source})` : key;
  }
}
