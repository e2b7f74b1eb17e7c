import { createHmac } from 'node:crypto';

/**
 * `X-Permafrost-Signature`: `sha256=` + hex HMAC-SHA256 keyed with the webhook's secret over
 * `<timestamp>.<body>` (the timestamp is `X-Permafrost-Timestamp`), so a receiver can refuse
 * both forged bodies and replays of old ones.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
