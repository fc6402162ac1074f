/**
 * Loss-weight calibration (the seed's LambdaCalibration): measures each composite-loss term on
 * a few batches of the untrained model and proposes weights that make every weighted term as
 * large as the price term at initialisation:
 *
 *   w_term = |mean price term| / max(|mean term|, 1e-8),   w_price = 1.
 *
 * Magnitudes, not signs, are balanced (the Gaussian NLL can be negative). The proposal is a
 * starting point: terms that matter more for trading can be scaled up from there.
 */
import * as tf from '@tensorflow/tfjs';

import type { PipelineConfig } from '../config/index.js';
import type { SymbolCandles } from '../data/candles.js';
import { Dataset } from '../data/dataset.js';
import { compositeLoss, TERMS, type Term } from '../losses/index.js';
import { buildModel } from '../models/index.js';
import { batchTensors, disposeBatch, namedOutputs } from './batch-tensors.js';
import { lossOptionsFor, modelConfigFor } from './model-config.js';
import { prepareRuntime } from './runtime.js';

export interface Calibration {
  batches: number;
  /** Mean of each term (before weights) over the batches. */
  means: Record<Term, number>;
  /** Proposed losses.weights. */
  weights: Record<Term, number>;
}

export async function calibrateLossWeights(config: PipelineConfig, series: readonly SymbolCandles[], batches = 5): Promise<Calibration> {
  if (!Number.isInteger(batches) || batches < 1) throw new RangeError(`calibrate: batches must be an integer >= 1 (got ${batches})`);
  await prepareRuntime(config);
  const dataset = new Dataset(series, {
    lookback: config.windows.lookback, features: config.features, horizons: config.windows.horizons,
    fractions: [config.split.train, config.split.val, config.split.test], embargo: config.split.embargo,
    scaler: config.scaler.method, batchSize: config.dataset.batchSize, seed: config.training.seed,
  });
  const model = buildModel(modelConfigFor(config, dataset.features.length, dataset.horizons.length),
    { seed: config.training.seed });
  const sums = Object.fromEntries(TERMS.map((t) => [t, 0])) as Record<Term, number>;
  let seen = 0;
  for await (const batch of dataset.batches('train', { epoch: 0 })) {
    const t = batchTensors(batch);
    tf.tidy(() => {
      const out = namedOutputs(model, model.predict([t.features, t.close]) as tf.Tensor[]);
      const loss = compositeLoss(out, { y: t.y, d: t.d }, lossOptionsFor(config));
      for (const term of TERMS) sums[term] += loss.terms[term].dataSync()[0];
    });
    disposeBatch(t);
    if (++seen >= batches) break;
  }
  model.dispose();
  if (seen === 0) throw new Error('calibrate: the training split has no batches');
  const means = Object.fromEntries(TERMS.map((t) => [t, sums[t] / seen])) as Record<Term, number>;
  const ref = Math.abs(means.price);
  const weights = Object.fromEntries(TERMS.map((t) => [t, t === 'price' ? 1 : ref / Math.max(Math.abs(means[t]), 1e-8)])) as Record<Term, number>;
  return { batches: seen, means, weights };
}
