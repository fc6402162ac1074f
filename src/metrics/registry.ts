/**
 * Metrics by name (SPEC §7.2: every metric is reachable through a registry). A metric is a
 * factory of streaming accumulators, one per horizon; MetricSet names the results
 * `<name>_h<i>` and `<name>` (the mean over horizons).
 */
import { metricRegistry } from '../registry/index.js';
import type { HorizonBatch } from './batch.js';
import { accuracy, ConfusionAccumulator, f1, mcc } from './confusion.js';
import { withinOneSigma } from './coverage.js';
import { absPercentPriceError, absPriceError } from './price.js';
import { SampleMeanAccumulator } from './sample-mean.js';

export interface MetricAccumulator {
  /** Adds one horizon's slice of a validated batch. */
  update(b: HorizonBatch): void;
  /** The metric over every sample added so far. */
  value(): number;
}

export interface MetricDef {
  /** Which way is better, for early stopping and checkpoint choice; absent where neither is. */
  mode?: 'max' | 'min';
  create(): MetricAccumulator;
}

declare module '../registry/instances.js' {
  interface RegistryTypes {
    metric: MetricDef;
  }
}

export { metricRegistry };

metricRegistry.register('dir_acc', { mode: 'max', create: () => new ConfusionAccumulator(accuracy) });
metricRegistry.register('dir_f1', { mode: 'max', create: () => new ConfusionAccumulator(f1) });
metricRegistry.register('dir_mcc', { mode: 'max', create: () => new ConfusionAccumulator(mcc) });
metricRegistry.register('price_mae', { mode: 'min', create: () => new SampleMeanAccumulator(absPriceError) });
metricRegistry.register('price_mape', { mode: 'min', create: () => new SampleMeanAccumulator(absPercentPriceError) });
// 1-sigma coverage is best near 0.683, neither higher nor lower, so it has no mode.
metricRegistry.register('var_coverage', { create: () => new SampleMeanAccumulator(withinOneSigma) });
