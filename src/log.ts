import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs on stdout (or appended to `file`); secrets are redacted by path wherever
 * they might appear.
 */
export function createLogger(level: string, opts: { name?: string; file?: string | null } = {}): Logger {
  const options = {
    level,
    base: { name: opts.name ?? 'permafrost' },
    redact: ['req.headers["x-auth-token"]', 'req.headers.authorization', '*.password', '*.secret', '*.token'],
  };
  return opts.file ? pino(options, pino.destination({ dest: opts.file, append: true, mkdir: true, sync: false })) : pino(options);
}
