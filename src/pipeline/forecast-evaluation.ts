/**
 * Evaluation with the naive baselines: the model's losses and metrics on a dataset part plus
 * its direction calls scored against the baselines on the same windows, with block-bootstrap
 * intervals (evaluation.bootstrap). Used by `ntp evaluate`, `ntp walkforward` and the edge gate.
 */
import type * as tf from '@tensorflow/tfjs';

import type { EvaluationConfig } from '../config/index.js';
import type { Candles } from '../data/candles.js';
import type { Dataset, Part } from '../data/dataset.js';
import type { CompositeLossOptions } from '../losses/index.js';
import type { OutputCalibration } from '../models/index.js';
import { forecastQuality, type ForecastQuality, type HorizonQuality, type Interval } from '../metrics/forecast-quality.js';
import { evaluate, type Evaluation } from '../training/evaluate.js';

export interface QualifiedEvaluation {
  evaluation: Evaluation;
  quality: ForecastQuality;
}

export function qualityOptions(c: EvaluationConfig): Parameters<typeof forecastQuality>[3] {
  return { samples: c.bootstrap.samples, blockLength: c.bootstrap.blockLength, seed: c.bootstrap.seed };
}

export async function evaluateWithBaselines(
  model: tf.LayersModel, dataset: Dataset, part: Part, candles: readonly Candles[], lossOptions: CompositeLossOptions, config: EvaluationConfig,
  calibration?: OutputCalibration,
): Promise<QualifiedEvaluation> {
  const evaluation = await evaluate(model, dataset, part, candles, lossOptions, calibration, { collect: true });
  const quality = forecastQuality(candles, evaluation.forecasts!, dataset.horizons, qualityOptions(config));
  return { evaluation, quality };
}

const num = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const ci = (c: Interval) => `[${num(c[0])}, ${num(c[1])}]`;

/** One table per horizon: accuracy and MCC with intervals for the model and each baseline, then the paired difference. */
export function formatQuality(q: ForecastQuality): string {
  const lines = [`direction vs naive baselines: ${q.windows} windows, ${Math.round(q.level * 100)}% moving-block bootstrap intervals `
    + `(${q.samples} resamples, blocks of ${q.blockLength} windows, seed ${q.seed})`];
  const width = 2 + Math.max(...q.horizons.flatMap((h) => [`model - ${h.best}`, ...h.baselines.map((b) => b.name)].map((n) => n.length)));
  const row = (name: string, acc: number, accCi: Interval, m: number, mCi: Interval) =>
    `    ${name.padEnd(width)}${num(acc).padStart(8)} ${ci(accCi).padEnd(19)}${num(m).padStart(8)} ${ci(mCi)}`;
  for (const h of q.horizons as HorizonQuality[]) {
    lines.push(`  h${h.horizon} (+${h.bars} bars), up ${(h.upRate * 100).toFixed(1)}% of windows`,
      `    ${'predictor'.padEnd(width)}${'accuracy'.padStart(8)} ${'95% CI'.padEnd(19)}${'MCC'.padStart(8)} 95% CI`,
      row('model', h.model.accuracy, h.model.accuracyCi, h.model.mcc, h.model.mccCi),
      ...h.baselines.map((b) => row(b.name, b.accuracy, b.accuracyCi, b.mcc, b.mccCi)),
      row(`model - ${h.best}`, h.difference.accuracy, h.difference.accuracyCi, h.difference.mcc, h.difference.mccCi));
  }
  return lines.join('\n');
}
