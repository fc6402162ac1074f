/**
 * Streams batches of predictions into every selected metric for every horizon and returns a
 * flat record: `dir_mcc_h1`, ... per horizon and `dir_mcc`, ... averaged over horizons.
 */
import { assertMetricBatch, horizonSlice, type MetricBatch } from './batch.js';
import { type MetricAccumulator, metricRegistry } from './registry.js';

export interface MetricSetOptions {
  /** Number of horizons (default 3: h0, h1, h2). */
  horizons?: number;
  /** Registry names of the metrics to compute (default: every registered metric). */
  metrics?: readonly string[];
}

export class MetricSet {
  readonly horizons: number;
  readonly metrics: readonly string[];
  private accumulators: MetricAccumulator[][] = [];

  constructor(options: MetricSetOptions = {}) {
    this.horizons = options.horizons ?? 3;
    if (!Number.isInteger(this.horizons) || this.horizons < 1) {
      throw new RangeError(`horizons must be an integer >= 1 (got ${options.horizons})`);
    }
    this.metrics = [...(options.metrics ?? metricRegistry.list())];
    this.reset();
  }

  /** Forgets everything accumulated (e.g. at the start of an epoch). */
  reset(): void {
    this.accumulators = this.metrics.map((name) => {
      const def = metricRegistry.get(name);
      return Array.from({ length: this.horizons }, () => def.create());
    });
  }

  /** Adds a batch; a batch with a bad shape or value throws before anything is added. */
  update(batch: MetricBatch): void {
    assertMetricBatch(batch, this.horizons);
    for (let h = 0; h < this.horizons; h++) {
      const slice = horizonSlice(batch, h);
      for (const perHorizon of this.accumulators) perHorizon[h].update(slice);
    }
  }

  result(): Record<string, number> {
    const out: Record<string, number> = {};
    this.metrics.forEach((name, m) => {
      let sum = 0;
      this.accumulators[m].forEach((acc, h) => {
        const v = acc.value();
        out[`${name}_h${h}`] = v;
        sum += v;
      });
      out[name] = sum / this.horizons;
    });
    return out;
  }
}
