/** Evaluation metrics (SPEC §7.2): streaming per-horizon metrics, calibration helpers, the registry. */
export { assertMetricBatch, type HorizonBatch, type MetricBatch, type Values } from './batch.js';
export { accuracy, ConfusionAccumulator, type ConfusionCounts, f1, mcc, UP_THRESHOLD } from './confusion.js';
export { withinOneSigma } from './coverage.js';
export { MetricSet, type MetricSetOptions } from './metric-set.js';
export { absPercentPriceError, absPriceError } from './price.js';
export { type MetricAccumulator, type MetricDef, metricRegistry } from './registry.js';
export { ReliabilityAccumulator, type ReliabilityBin } from './reliability.js';
export { SampleMeanAccumulator, type SampleValue } from './sample-mean.js';
