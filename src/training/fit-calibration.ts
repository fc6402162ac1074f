/**
 * Fits the output calibration (../models/output-calibration.ts) of a trained model on a
 * dataset part (the validation split after training): a temperature for P(up) and a factor on
 * sigma per horizon. Windows come in the dataset's fixed order, so the fit is deterministic.
 */
import * as tf from '@tensorflow/tfjs';

import type { Dataset, Part } from '../data/dataset.js';
import { fitSigmaScale, fitTemperature, type OutputCalibration } from '../models/index.js';
import { batchTensors, disposeBatch, namedOutputs } from './batch-tensors.js';

export async function fitOutputCalibration(model: tf.LayersModel, dataset: Dataset, part: Part = 'val'): Promise<OutputCalibration> {
  const H = dataset.horizons.length;
  const n = dataset.refs[part].ends.length;
  if (n === 0) throw new Error(`calibration: the ${part} split has no windows`);
  // Scaled units throughout: the ratio |y - mu| / sigma does not depend on the target scale.
  const pUp = Array.from({ length: H }, () => new Float64Array(n));
  const up = Array.from({ length: H }, () => new Float64Array(n));
  const residual = Array.from({ length: H }, () => new Float64Array(n));
  const variance = Array.from({ length: H }, () => new Float64Array(n));
  let k = 0;
  for await (const batch of dataset.batches(part)) {
    const t = batchTensors(batch);
    try {
      const out = namedOutputs(model, model.predict([t.features, t.close], { batchSize: batch.size }) as tf.Tensor[]);
      for (let h = 0; h < H; h++) {
        const p = out[`direction_h${h}`].dataSync(), mu = out[`price_h${h}`].dataSync(), v = out[`variance_h${h}`].dataSync();
        for (let i = 0; i < batch.size; i++) {
          pUp[h][k + i] = p[i];
          up[h][k + i] = batch.direction[i * H + h];
          residual[h][k + i] = batch.targets[i * H + h] - mu[i];
          variance[h][k + i] = v[i];
        }
      }
      tf.dispose(Object.values(out));
      k += batch.size;
    } finally {
      disposeBatch(t);
    }
  }
  const temps = pUp.map((p, h) => fitTemperature(p, up[h]));
  const scales = residual.map((r, h) => fitSigmaScale(r, variance[h]));
  return {
    temperature: temps.map((x) => x.temperature),
    sigmaScale: scales.map((x) => x.sigmaScale),
    fit: {
      split: part, windows: n, coverageBefore: scales.map((x) => x.coverageBefore),
      nllBefore: temps.map((x) => x.nllBefore), nllAfter: temps.map((x) => x.nllAfter),
    },
  };
}
