import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Doc, Stored } from '../store/types';
import { joinClusterMetrics } from './cluster-metrics';
import { StoreCollectors, type StoreGaugeFamily } from './store-collectors';
import type { StoreObserver } from './timed-store';

export interface ServerMetricsOptions {
  /** Most series a per-object family reports (metrics_series_limit). */
  seriesLimit: number;
  /** A worker of `--workers N`: scrapes show the sum over every worker (cluster-metrics.ts). */
  clusterWorker: boolean;
  onCollectError: (family: string, err: unknown) => void;
}

/** HTTP methods kept as label values; anything else is `other` (Node accepts a few dozen). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The metrics of one API process, in two registries:
 * - `own`: what this process observes (requests, store calls, backups written, process figures);
 *   with several workers these are summed over all of them at scrape time;
 * - `shared`: gauges read from the store at scrape time (StoreCollectors), the same in every worker.
 *
 * Label cardinality is bounded by construction: routes are route templates (RouteMatcher, never
 * the raw URL; `unmatched` for paths no route has), methods are a fixed set, status codes are the
 * few the code answers with, store labels are collection and method names from the code, and
 * per-object families (one series per job) are capped at metrics_series_limit with the dropped
 * ones counted.
 */
export class ServerMetrics {
  readonly own = new Registry();
  readonly shared = new Registry();
  readonly collectors: StoreCollectors;
  private readonly requests: Histogram<'method' | 'route' | 'code'>;
  private readonly storeCalls: Histogram<'collection' | 'operation' | 'outcome'>;
  private readonly backups: Counter;
  private readonly backupBytes: Counter;
  private readonly clusterText: (() => Promise<string>) | null;

  constructor(opts: ServerMetricsOptions) {
    const registers = [this.own];
    this.requests = new Histogram({
      name: 'permafrost_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route template, method and status code',
      labelNames: ['method', 'route', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.storeCalls = new Histogram({
      name: 'permafrost_store_operation_duration_seconds',
      help: 'Time of one repository call on the database, by collection, operation and outcome',
      labelNames: ['collection', 'operation', 'outcome'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.backups = new Counter({ name: 'permafrost_backups_recorded_total', help: 'Backup metadata documents recorded (POST /backups)', registers });
    this.backupBytes = new Counter({
      name: 'permafrost_backup_stored_bytes_total',
      help: "Bytes stored by the backups recorded, as Permafrost's agent reports them (backup_metadata.permafrost.stored_bytes)",
      registers,
    });
    // Summed over workers, this says how many processes a scrape covers.
    new Gauge({ name: 'permafrost_api_processes', help: 'API processes whose figures this scrape includes', registers }).set(1);
    collectDefaultMetrics({ register: this.own });
    this.collectors = new StoreCollectors(this.shared, opts.seriesLimit, opts.onCollectError);
    this.clusterText = opts.clusterWorker ? joinClusterMetrics(this.own) : null;
  }

  get contentType(): string {
    return this.own.contentType;
  }

  /** Registers a family read from the store at scrape time (the seam for services, e.g. runs). */
  registerStoreFamily(family: StoreGaugeFamily): void {
    this.collectors.register(family);
  }

  observeRequest(method: string, route: string | null, status: number, seconds: number): void {
    this.requests.observe({ method: METHODS.has(method) ? method : 'other', route: route ?? 'unmatched', code: String(status) }, seconds);
  }

  /** The store decorator's (timed-store.ts) view of this registry. */
  get storeObserver(): StoreObserver {
    return {
      timed: (collection, operation, seconds, ok) => this.storeCalls.observe({ collection, operation, outcome: ok ? 'ok' : 'error' }, seconds),
      inserted: (collection, item) => {
        if (collection === 'backups') this.countBackup(item);
      },
    };
  }

  /** The Prometheus text of the whole server. */
  async render(): Promise<string> {
    const [own] = await Promise.all([this.clusterText ? this.clusterText() : this.own.metrics(), this.collectors.refresh()]);
    return `${own.replace(/\n*$/, '\n')}${await this.shared.metrics()}`;
  }

  private countBackup(item: Stored): void {
    this.backups.inc();
    const ours = ((item.doc.backup_metadata as Doc | undefined)?.permafrost ?? null) as Doc | null;
    const bytes = ours?.stored_bytes;
    if (typeof bytes === 'number' && Number.isFinite(bytes) && bytes > 0) this.backupBytes.inc(bytes);
  }
}
