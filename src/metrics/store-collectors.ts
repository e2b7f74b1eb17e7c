import { Gauge, type Registry } from 'prom-client';

/** Labels and value of one series, as a collector reports it. */
export type Emit = (labels: Record<string, string>, value: number) => void;

/**
 * A gauge family whose values are read from the store when /metrics is scraped. Reading them from
 * the shared database (never from one process's memory) is what makes every API worker and
 * replica report the same values, whichever one answers the scrape.
 *
 * The seam for services: the runs service registers its families here (runs by status, last
 * success per job, bytes backed up, agents last seen) from the composition root (server.ts).
 */
export interface StoreGaugeFamily {
  name: string;
  help: string;
  labelNames: readonly string[];
  /**
   * true for families with one series per job, client or other tenant object: they are capped at
   * `metrics_series_limit` series, and the ones left out are counted in
   * permafrost_metrics_series_dropped{family}. false for families whose labels take a fixed set
   * of values (a status, a result).
   */
  perObject: boolean;
  /**
   * Reports the current series. Emit the ones that matter most first (e.g. the stalest jobs):
   * past the cap, the rest are dropped.
   */
  collect(emit: Emit): Promise<void>;
}

/** How often the store is read at most: scrapes closer together share one reading. */
const MIN_INTERVAL_MS = 1000;

/**
 * The store-backed families of one process. refresh() reads them all once (concurrent and
 * closely spaced scrapes share the reading), then the registry serialises what was read.
 */
export class StoreCollectors {
  private readonly families: Array<{ spec: StoreGaugeFamily; gauge: Gauge<string> }> = [];
  private readonly dropped: Gauge<'family'>;
  private readonly up: Gauge<'family'>;
  private reading: Promise<void> | null = null;
  private readAt = -Infinity;

  constructor(
    private readonly registry: Registry,
    private readonly seriesLimit: number,
    private readonly onError: (family: string, err: unknown) => void,
  ) {
    this.dropped = new Gauge({
      name: 'permafrost_metrics_series_dropped',
      help: 'Series of a per-object family left out of the last reading because of metrics_series_limit',
      labelNames: ['family'],
      registers: [registry],
    });
    this.up = new Gauge({
      name: 'permafrost_metrics_collector_up',
      help: '1 when the last reading of the family from the store succeeded, 0 when it failed',
      labelNames: ['family'],
      registers: [registry],
    });
  }

  register(spec: StoreGaugeFamily): void {
    const gauge = new Gauge({ name: spec.name, help: spec.help, labelNames: [...spec.labelNames], registers: [this.registry] });
    this.families.push({ spec, gauge });
  }

  /** Reads every family from the store, unless that was done less than MIN_INTERVAL_MS ago. */
  refresh(now = Date.now()): Promise<void> {
    if (this.reading) return this.reading;
    if (now - this.readAt < MIN_INTERVAL_MS) return Promise.resolve();
    this.reading = Promise.all(this.families.map((f) => this.read(f))).then(() => {
      this.readAt = Date.now();
      this.reading = null;
    });
    return this.reading;
  }

  private async read({ spec, gauge }: { spec: StoreGaugeFamily; gauge: Gauge<string> }): Promise<void> {
    const series: Array<[Record<string, string>, number]> = [];
    let dropped = 0;
    try {
      await spec.collect((labels, value) => {
        if (spec.perObject && series.length >= this.seriesLimit) dropped++;
        else series.push([labels, value]);
      });
    } catch (err) {
      this.onError(spec.name, err);
      gauge.reset();
      this.up.set({ family: spec.name }, 0);
      return;
    }
    gauge.reset();
    for (const [labels, value] of series) gauge.set(labels, value);
    this.up.set({ family: spec.name }, 1);
    if (spec.perObject) this.dropped.set({ family: spec.name }, dropped);
  }
}
