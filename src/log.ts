import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout; secrets are redacted by path wherever they might appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { name: 'permafrost' },
    redact: ['req.headers["x-auth-token"]', 'req.headers.authorization', '*.password', '*.secret', '*.token'],
  });
}
