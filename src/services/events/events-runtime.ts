import type { Logger } from 'pino';
import type { Config } from '../../config/config';
import type { EventStore } from '../../store/events/event-store';
import { openEventStore } from '../../store/events/open-event-store';
import type { StartOptions } from '../../store/types';
import type { Validator } from '../../validation';
import { EventsService } from './events-service';
import { WebhookDelivery } from './webhook-delivery';
import { WebhooksService } from './webhooks-service';

/**
 * Everything of item 5 built from the configuration: the events store (on the deployment's
 * database), the events service (the EventSink), webhooks and their delivery worker. `serve`
 * start()s it all; `permafrost events emit` only open()s the store and emits through the same
 * service, and the servers' tails and delivery workers pick the event up from the store.
 */
export class EventsRuntime {
  readonly store: EventStore;
  readonly events: EventsService;
  readonly webhooks: WebhooksService;
  private readonly delivery: WebhookDelivery;

  constructor(config: Pick<Config, 'database' | 'sqlite' | 'events' | 'webhooks'>, validator: Validator, log: Logger) {
    const onError = (what: string, err: unknown) => log.error({ err }, what);
    this.store = openEventStore(config);
    this.webhooks = new WebhooksService(this.store, validator, config.webhooks.allow_private_targets);
    this.delivery = new WebhookDelivery(this.store, config.webhooks, onError);
    this.events = new EventsService(this.store, config.events, Date.now, {
      webhooksFor: (owner, type) => this.webhooks.webhooksFor(owner, type),
      stored: () => this.delivery.poke(),
    }, onError);
  }

  /** The store only (the CLI). */
  open(opts?: StartOptions): Promise<void> {
    return this.store.start(opts);
  }

  async start(): Promise<void> {
    await this.open();
    await this.events.start();
    this.delivery.start();
  }

  /** Ends the open streams (before the HTTP server closes, which would otherwise wait for them). */
  closeStreams(): void {
    this.events.closeStreams();
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await this.delivery.stop();
    await this.store.stop();
  }
}
