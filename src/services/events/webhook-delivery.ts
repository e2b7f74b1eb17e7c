import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { WebhooksSettings } from '../../config/config';
import type { AttemptOutcome, DeliveryAttempt, DeliveryRecord, EventStore } from '../../store/events/event-store';
import { retryDelayMs } from './backoff';
import { eventDocument } from './events-service';
import { PokedLoop } from './poked-loop';
import { guardedLookup, isPrivateAddress } from './target-guard';
import { webhookSignature } from './webhook-signature';

/** Beyond the attempt's own timeout, how long a lease outlives a worker that died mid-attempt. */
const LEASE_MARGIN_MS = 10_000;
/** The receiver's answer is read (and dropped) up to this much. */
const MAX_ANSWER_BYTES = 64 * 1024;

interface PostResult {
  status: number | null;
  error: string | null;
}

/**
 * Delivers the stored webhook deliveries. Each process runs one: it leases due deliveries from
 * the store (so with several workers or servers each is attempted by one), posts them signed,
 * and records every attempt. A failed attempt is retried after base, 2 x base, 4 x base ...
 * (webhooks.base_delay_ms, up to max_delay_ms) until max_attempts; a delivery in flight when
 * the process dies is taken again by any process once its lease runs out.
 */
export class WebhookDelivery {
  /** Names this process's leases. */
  private readonly owner = randomBytes(8).toString('hex');
  private readonly inFlight = new Map<string, { done: Promise<void>; abort: AbortController }>();
  private readonly loop: PokedLoop;

  constructor(
    private readonly store: EventStore,
    private readonly settings: WebhooksSettings,
    private readonly onError: (what: string, err: unknown) => void,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.loop = new PokedLoop(() => this.claim(), settings.poll_ms);
  }

  start(): void {
    this.loop.start(true);
  }

  /** Stops taking deliveries and aborts those in flight: their leases run out and they are attempted again. */
  async stop(): Promise<void> {
    await this.loop.stop();
    for (const f of this.inFlight.values()) f.abort.abort();
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  /** Looks for due deliveries now (an event was just stored). */
  poke(): void {
    this.loop.poke();
  }

  private async claim(): Promise<void> {
    const free = this.settings.concurrency - this.inFlight.size;
    if (free <= 0) return;
    let claimed: DeliveryRecord[];
    try {
      claimed = await this.store.claimDue(this.nowMs(), this.settings.timeout_ms + LEASE_MARGIN_MS, this.owner, free);
    } catch (err) {
      this.onError('webhooks: cannot read due deliveries', err);
      return;
    }
    for (const d of claimed) {
      const abort = new AbortController();
      const done = this.attempt(d, abort.signal)
        .catch((err: unknown) => this.onError('webhooks: a delivery attempt could not be recorded', err))
        .finally(() => {
          this.inFlight.delete(d.delivery_id);
          // A slot is free: more may be due.
          this.poke();
        });
      this.inFlight.set(d.delivery_id, { done, abort });
    }
  }

  private async attempt(d: DeliveryRecord, signal: AbortSignal): Promise<void> {
    const started = this.nowMs();
    const [event, hook] = await Promise.all([this.store.get(d.event_id), this.store.webhookById(d.webhook_id)]);
    let result: PostResult;
    let final = false;
    if (!hook) return; // deleted with its deliveries
    if (!event) {
      result = { status: null, error: 'the event is no longer stored (retention)' };
      final = true;
    } else if (!hook.enabled) {
      result = { status: null, error: 'the webhook is disabled' };
      final = true;
    } else {
      const body = JSON.stringify(eventDocument(event));
      const timestamp = String(Math.floor(started / 1000));
      result = await this.post(hook.url, body, {
        'Content-Type': 'application/json',
        'User-Agent': 'Permafrost-Webhook/1',
        'X-Permafrost-Event': event.type,
        'X-Permafrost-Delivery': d.delivery_id,
        'X-Permafrost-Timestamp': timestamp,
        'X-Permafrost-Signature': webhookSignature(hook.secret, timestamp, body),
      }, signal);
      // Stopping: leave it to the lease (another process, or this one after a restart).
      if (signal.aborted) return;
    }
    const attempt: DeliveryAttempt = { at: started / 1000, status_code: result.status, error: result.error, duration_ms: Math.max(0, this.nowMs() - started) };
    await this.store.finishAttempt(d.delivery_id, this.owner, this.outcome(d, attempt, final));
  }

  private outcome(d: DeliveryRecord, attempt: DeliveryAttempt, final: boolean): AttemptOutcome {
    const ok = attempt.status_code !== null && attempt.status_code >= 200 && attempt.status_code < 300;
    if (ok) return { attempt, state: 'delivered', next_attempt_at: null };
    const made = d.attempts.length + 1;
    if (final || made >= this.settings.max_attempts) return { attempt, state: 'failed', next_attempt_at: null };
    return { attempt, state: 'pending', next_attempt_at: this.nowMs() + retryDelayMs(made, this.settings.base_delay_ms, this.settings.max_delay_ms) };
  }

  /** One POST, never following redirects, within timeout_ms; the connection goes to a checked address only. */
  private post(target: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<PostResult> {
    const url = new URL(target);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal address skips the lookup: check it here.
    if (net.isIP(host) && !this.settings.allow_private_targets && isPrivateAddress(host)) {
      return Promise.resolve({ status: null, error: `refused: ${host} is a loopback, private or link-local address` });
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const finish = (r: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
          agent: false,
          lookup: guardedLookup(this.settings.allow_private_targets) as never,
          signal,
        },
        (res) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) res.destroy();
          });
          res.on('end', () => finish({ status: res.statusCode ?? null, error: null }));
          res.on('close', () => finish({ status: res.statusCode ?? null, error: null }));
          res.on('error', () => finish({ status: res.statusCode ?? null, error: null }));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish({ status: null, error: `timeout: no answer within ${this.settings.timeout_ms} ms` });
      }, this.settings.timeout_ms);
      req.on('error', (err: NodeJS.ErrnoException) => finish({ status: null, error: describe(err) }));
      req.end(body);
    });
  }
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'EPRIVATETARGET') return err.message;
  if (err.name === 'AbortError') return 'aborted: the server is stopping';
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
