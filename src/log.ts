import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs on stdout (or stderr, or appended to `file`); secrets are redacted by path wherever
 * they might appear. `time` is ISO 8601 (UTC): people read these lines, and log tools parse it as well.
 */
export function createLogger(level: string, opts: { name?: string; file?: string | null; stderr?: boolean } = {}): Logger {
  const options = {
    level,
    base: { name: opts.name ?? 'permafrost' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['req.headers["x-auth-token"]', 'req.headers.authorization', '*.password', '*.secret', '*.token'],
  };
  if (opts.file) return pino(options, pino.destination({ dest: opts.file, append: true, mkdir: true, sync: false }));
  return opts.stderr ? pino(options, pino.destination(2)) : pino(options);
}
