/**
 * Evaluation over a dataset part: the composite loss (mean over windows) and every metric of
 * SPEC §7.2 on unscaled returns, streaming batch by batch. Shared by the trainer's validation
 * step and `ntp evaluate`. With an output calibration (the run's, see Predictor.calibration)
 * the metrics and reliability bins read the calibrated P(up) and variance, as every consumer
 * of the predictor does; the loss stays the model's own (raw outputs).
 */
import * as tf from '@tensorflow/tfjs';

import type { Candles } from '../data/candles.js';
import type { Dataset, Part } from '../data/dataset.js';
import { compositeLoss, type CompositeLossOptions, TERMS } from '../losses/index.js';
import { applyCalibration, calibrationVolatility, isIdentity, type OutputCalibration } from '../models/index.js';
import { MetricSet, ReliabilityAccumulator, type ReliabilityBin } from '../metrics/index.js';
import { mergeForecasts, type ScoredForecasts } from '../metrics/forecast-quality.js';
import { batchTensors, disposeBatch, namedOutputs } from './batch-tensors.js';

export interface Evaluation {
  windows: number;
  /** loss, loss_price, loss_direction, ... and every metric (dir_mcc_h1, ...). */
  values: Record<string, number>;
  /** Reliability of P(up) per horizon (10 bins), calibrated when a calibration was given. */
  reliability: ReliabilityBin[][];
  /** The same bins for the raw P(up), when a non-identity calibration was given (before/after). */
  reliabilityUncalibrated?: ReliabilityBin[][];
  /** Per-window P(up) and outcomes in (symbol, end) order, when asked for with `collect`. */
  forecasts?: ScoredForecasts;
}

export async function evaluate(
  model: tf.LayersModel,
  dataset: Dataset,
  part: Part,
  candles: readonly Candles[],
  lossOptions: CompositeLossOptions,
  calibration?: OutputCalibration,
  { collect = false }: { collect?: boolean } = {},
): Promise<Evaluation> {
  const H = dataset.horizons.length;
  const std = dataset.scaler?.targetStd ?? new Array<number>(H).fill(1);
  const metrics = new MetricSet({ horizons: H });
  const reliability = Array.from({ length: H }, () => new ReliabilityAccumulator());
  const calibrated = calibration && !isIdentity(calibration) ? calibration : null;
  const raw = calibrated ? Array.from({ length: H }, () => new ReliabilityAccumulator()) : null;
  const sums: Record<string, number> = { loss: 0, ...Object.fromEntries(TERMS.map((t) => [`loss_${t}`, 0])) };
  let windows = 0;
  const kept: ScoredForecasts[] = [];
  for await (const batch of dataset.batches(part)) {
    const t = batchTensors(batch);
    try {
      const out = namedOutputs(model, model.predict([t.features, t.close], { batchSize: batch.size }) as tf.Tensor[]);
      const loss = compositeLoss(out, { y: t.y, d: t.d }, lossOptions);
      sums.loss += loss.total.dataSync()[0] * batch.size;
      for (const term of TERMS) sums[`loss_${term}`] += loss.terms[term].dataSync()[0] * batch.size;
      const read = (name: string) => out[name].dataSync();
      const lastClose = Float64Array.from(batch.ends, (e, i) => candles[batch.symbols[i]].close[e]);
      const perHorizon = (f: (h: number) => Float64Array) => Array.from({ length: H }, (_, h) => f(h));
      const pUp = perHorizon((h) => Float64Array.from(read(`direction_h${h}`)));
      const mb = {
        pUp,
        predReturn: perHorizon((h) => Float64Array.from(read(`price_h${h}`), (v) => v * std[h])),
        variance: perHorizon((h) => Float64Array.from(read(`variance_h${h}`), (v) => v * std[h] * std[h])),
        trueReturn: perHorizon((h) => Float64Array.from({ length: batch.size }, (_, i) => batch.targets[i * H + h] * std[h])),
        lastClose,
      };
      if (calibrated) {
        const volatility = calibrationVolatility(calibrated, batch.close, batch.size, batch.T);
        for (let h = 0; h < H; h++) {
          raw![h].update(pUp[h], mb.trueReturn[h]);
          applyCalibration(calibrated, h, pUp[h], mb.variance[h], volatility[h]);
        }
      }
      metrics.update(mb);
      if (collect) kept.push({ symbols: batch.symbols, ends: batch.ends, pUp: mb.pUp, trueReturn: mb.trueReturn });
      for (let h = 0; h < H; h++) reliability[h].update(mb.pUp[h], mb.trueReturn[h]);
      windows += batch.size;
      tf.dispose([...Object.values(out), loss.total, ...Object.values(loss.terms), ...Object.values(loss.perHorizon)]);
    } finally {
      disposeBatch(t);
    }
  }
  if (windows === 0) throw new Error(`evaluate: the ${part} split has no windows`);
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) values[k] = v / windows;
  Object.assign(values, metrics.result());
  return {
    windows, values, reliability: reliability.map((r) => r.bins()),
    ...(raw ? { reliabilityUncalibrated: raw.map((r) => r.bins()) } : {}),
    ...(collect ? { forecasts: mergeForecasts(kept) } : {}),
  };
}

