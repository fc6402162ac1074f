/**
 * Fits the output calibration (../models/output-calibration.ts) of a trained model on a
 * dataset part (the validation split after training): a temperature for P(up) and, per
 * horizon a scale on sigma, or with `regime` (training.sigmaCalibration: regime) the
 * regime-adaptive sigma (exponents on the model's sigma and the window's recent realised
 * volatility, the span of that volatility, and a scale), checked for coverage in every symbol x
 * quarter x volatility tercile of the part. Windows come in the dataset's fixed order, so the fit is deterministic.
 */
import * as tf from '@tensorflow/tfjs';

import type { Dataset, Part } from '../data/dataset.js';
import { coverageGroups, fitRegimeSigma, fitSigmaScale, fitTemperature, regimeVolatilityBars, windowVolatility, type OutputCalibration } from '../models/index.js';
import { batchTensors, disposeBatch, namedOutputs } from './batch-tensors.js';

export async function fitOutputCalibration(
  model: tf.LayersModel, dataset: Dataset, part: Part = 'val', { regime = false }: { regime?: boolean } = {},
): Promise<OutputCalibration> {
  const H = dataset.horizons.length;
  const n = dataset.refs[part].ends.length;
  if (n === 0) throw new Error(`calibration: the ${part} split has no windows`);
  // Unscaled returns, as evaluate and the predictor apply the calibration to.
  const std = dataset.scaler?.targetStd ?? new Array<number>(H).fill(1);
  const pUp = Array.from({ length: H }, () => new Float64Array(n));
  const up = Array.from({ length: H }, () => new Float64Array(n));
  const residual = Array.from({ length: H }, () => new Float64Array(n));
  const variance = Array.from({ length: H }, () => new Float64Array(n));
  // Regime fits: each window's realised volatility over each candidate span, and its symbol.
  let spans: number[] = [];
  let volatility: Float64Array[] = [];
  const symbol = new Int32Array(n);
  let k = 0;
  for await (const batch of dataset.batches(part)) {
    const t = batchTensors(batch);
    try {
      const out = namedOutputs(model, model.predict([t.features, t.close], { batchSize: batch.size }) as tf.Tensor[]);
      if (regime) {
        if (k === 0) { spans = regimeVolatilityBars(batch.T); volatility = spans.map(() => new Float64Array(n)); }
        spans.forEach((bars, j) => volatility[j].set(windowVolatility(batch.close, batch.size, batch.T, bars), k));
        symbol.set(batch.symbols, k);
      }
      for (let h = 0; h < H; h++) {
        const p = out[`direction_h${h}`].dataSync(), mu = out[`price_h${h}`].dataSync(), v = out[`variance_h${h}`].dataSync();
        for (let i = 0; i < batch.size; i++) {
          pUp[h][k + i] = p[i];
          up[h][k + i] = batch.direction[i * H + h];
          residual[h][k + i] = (batch.targets[i * H + h] - mu[i]) * std[h];
          variance[h][k + i] = v[i] * std[h] * std[h];
        }
      }
      tf.dispose(Object.values(out));
      k += batch.size;
    } finally {
      disposeBatch(t);
    }
  }
  const temps = pUp.map((p, h) => fitTemperature(p, up[h]));
  const groups = regime ? coverageGroups(symbol, volatility[volatility.length - 1]) : undefined;
  const candidates = spans.map((bars, j) => ({ bars, volatility: volatility[j] }));
  const sigmas = residual.map((r, h) => (groups ? fitRegimeSigma(r, variance[h], candidates, groups) : fitSigmaScale(r, variance[h])));
  const calibration: OutputCalibration = {
    temperature: temps.map((x) => x.temperature),
    sigmaScale: sigmas.map((x) => x.sigmaScale),
    fit: { split: part, windows: n, coverageBefore: sigmas.map((x) => x.coverageBefore), nllBefore: temps.map((x) => x.nllBefore), nllAfter: temps.map((x) => x.nllAfter) },
  };
  if (!groups) return calibration;
  const fits = sigmas as ReturnType<typeof fitRegimeSigma>[];
  return {
    ...calibration,
    regime: { modelExponent: fits.map((x) => x.modelExponent), volatilityExponent: fits.map((x) => x.volatilityExponent), volatilityBars: fits.map((x) => x.volatilityBars) },
    fit: { ...calibration.fit!, stability: fits.map((x) => x.stability), groups: new Set(groups).size },
  };
}
