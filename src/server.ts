import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { setupAuth, type AuthSetup } from './auth/setup';
import type { Config } from './config/config';
import { ensurePrivateDataDir } from './config/data-dir';
import { StreamedRequests } from './http/streamed-requests';
import { createApp } from './http/app';
import { metricsBindServer } from './http/metrics/metrics-endpoint';
import { clientLastSeenFamily } from './metrics/client-collectors';
import { jobLastSuccessFamily } from './metrics/job-collectors';
import { runEventMetrics } from './metrics/run-event-metrics';
import { ServerMetrics } from './metrics/server-metrics';
import { withStoreMetrics } from './metrics/timed-store';
import { removeProtoAccessor } from './own-property';
import { createServices, type Services } from './services';
import { ChangeFeed } from './services/changes/change-feed';
import { joinClusterFeed } from './services/changes/cluster-feed';
import { RunsSweeper } from './services/runs/runs-sweeper';
import { systemClock } from './services/common';
import { EventsRuntime } from './services/events/events-runtime';
import { fanOut } from './services/events/fan-out';
import { withChangeRecording } from './store/change-recording';
import { withDocumentLimits } from './store/document-limits';
import { openStore } from './store/open-store';
import { redactCredentials } from './store/redact-credentials';
import type { Store } from './store/types';
import { createValidator } from './validation';

/** The API process: the composition root for store -> services -> HTTP. Nothing runs until start(). */
export class ApiServer {
  private store: Store | null = null;
  private server: http.Server | null = null;
  private metricsServer: http.Server | null = null;
  private auth: AuthSetup | null = null;
  private events: EventsRuntime | null = null;
  private feed: ChangeFeed | null = null;
  private leaveClusterFeed: (() => void) | null = null;
  private sweeper: RunsSweeper | null = null;
  private streams: StreamedRequests | null = null;
  private services: Services | null = null;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  async start(): Promise<AddressInfo> {
    const { config, log } = this;
    preparePrivateDataDir(config.data_dir, log);
    removeProtoAccessor();
    // First, so that the primary of `--workers N` can read this worker's figures early.
    const metrics = new ServerMetrics({
      seriesLimit: config.metrics_series_limit,
      clusterWorker: cluster.isWorker,
      onCollectError: (family, err) => log.warn({ err, family }, 'metrics: cannot read a family from the store'),
    });
    // Innermost: the store latency is the database's, not the limit checks'.
    // Outermost: a job write is announced once it went through every check (wait-for-change channel).
    const feed = new ChangeFeed();
    this.feed = feed;
    if (cluster.isWorker) this.leaveClusterFeed = joinClusterFeed(feed);
    const store = withChangeRecording(
      withDocumentLimits(withStoreMetrics(openStore(config), metrics.storeObserver), config.limits, config.body_limit),
      (changes) => feed.publish(changes),
    );
    await store.start();
    this.store = store;
    const validator = createValidator();
    const auth = await setupAuth(config, store, validator, log);
    this.auth = auth;
    // Events and webhooks (issue 12, item 5): their own store on the same database, loops started
    // here; the events service is the EventSink the runs service emits run.* events through (and
    // the freshness sweep its job.stale and client.silent: createServices fans run.* out to both).
    const events = new EventsRuntime(config, validator, log);
    await events.start();
    this.events = events;
    const services = createServices(
      {
        store,
        validator,
        clock: systemClock,
        strictFreezerAction: config.strict_freezer_action,
        runs: config.runs,
        // Stored and delivered by the events service; counted for /metrics on the way.
        events: fanOut(events.events, runEventMetrics(metrics.own)),
        freshness: config.freshness,
        feed,
        feedMaxWaitS: config.feed.max_wait,
        onBackgroundError: (err, what) => log.warn({ err }, `${what}: failed (retried later)`),
      },
      { events: events.events, webhooks: events.webhooks },
    );
    this.services = services;
    // Agent lost, queue timeout and retention of run records, in the background.
    this.sweeper = new RunsSweeper(services.runs, services.lastSeen, log);
    this.sweeper.start();
    // Families read from the store at scrape time (bounded: see store-collectors.ts).
    metrics.registerStoreFamily(jobLastSuccessFamily(store));
    metrics.registerStoreFamily(clientLastSeenFamily(store));
    const streams = new StreamedRequests(config.runs.stream_seconds, config.request_timeout_ms);
    this.streams = streams;
    const app = createApp({
      services,
      store,
      identity: auth.identity,
      publicUrl: config.public_url,
      enforceProjectScope: config.enforce_project_scope && config.auth !== 'noauth',
      authenticator: auth.authenticator,
      policy: auth.policy,
      log,
      versions: config.api_versions,
      bodyLimit: config.body_limit,
      limits: config.limits,
      healthcheckDisableFile: config.healthcheck_disable_file,
      accessLog: config.access_log,
      metrics,
      streams,
    });
    // A client that stops sending mid-request gets 408 and its socket closed, instead of holding
    // a connection (and a half-read upload) forever.
    const timeout = config.request_timeout_ms;
    const server = http.createServer(
      { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.min(30_000, Math.max(250, timeout / 4)) },
      app.callback(),
    );
    // Run report streams are exempt from that timeout: no line for as long cuts them instead.
    streams.install(server);
    await listen(server, config.bind);
    this.server = server;
    if (config.metrics_bind) {
      this.metricsServer = metricsBindServer(metrics, log);
      await listen(this.metricsServer, config.metrics_bind).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot listen on ${config.metrics_bind} (metrics_bind): ${err.code ?? err.message}; choose another with --metrics-bind (PERMAFROST_METRICS_BIND)`);
      });
    }
    // Background work starts once the API answers: the freshness sweep (stale jobs, silent clients).
    services.freshness.start();
    const address = server.address() as AddressInfo;
    // The ports actually bound (a bind to port 0 gets one from the system), so whoever started us can find them.
    const metricsAddress = this.metricsServer?.address() as AddressInfo | undefined;
    log.info({ bind: `${address.address}:${address.port}`, ...(metricsAddress ? { metrics_bind: `${metricsAddress.address}:${metricsAddress.port}` } : {}), database: redactCredentials(config.database), engine: store.engine, auth: config.auth }, 'listening');
    return address;
  }

  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the store. */
  async stop(graceMs = 5000): Promise<void> {
    this.metricsServer?.close();
    this.metricsServer?.closeAllConnections();
    this.metricsServer = null;
    const server = this.server;
    this.server = null;
    // Open event streams would hold server.close() until the grace period ends.
    this.events?.closeStreams();
    // Run report streams too: their agents send what was in flight again to the next server.
    this.streams?.closeAll();
    this.streams = null;
    // Held change requests answer now rather than hold the close up for the grace period.
    this.feed?.close();
    this.leaveClusterFeed?.();
    this.leaveClusterFeed = null;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    }
    await this.sweeper?.stop();
    this.sweeper = null;
    await this.services?.freshness.stop();
    this.services = null;
    this.auth?.stop();
    this.auth = null;
    await this.events?.stop();
    this.events = null;
    await this.store?.stop();
    this.store = null;
  }
}

/** The data directory is made owner-only before anything is written to it (see ensurePrivateDataDir). */
export function preparePrivateDataDir(dir: string, log: Logger): void {
  if (ensurePrivateDataDir(dir) === 'tightened') {
    log.warn({ dir }, 'the data directory was open to group or others: it is now owner-only (0700)');
  }
}

function listen(server: http.Server, bind: string): Promise<void> {
  const [host, port] = splitBind(bind);
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function splitBind(bind: string): [string, number] {
  const i = bind.lastIndexOf(':');
  return [bind.slice(0, i).replace(/^\[|\]$/g, ''), Number(bind.slice(i + 1))];
}
