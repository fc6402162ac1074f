/** A seeded batch for the model's inputs and targets: a random-walk close per row, features in [-1, 1), targets in [-0.25, 0.25). */
import * as tf from '@tensorflow/tfjs';

import { mulberry32 } from '../../src/data/random.js';

export interface BatchArrays { features: Float32Array; close: Float32Array; y: Float32Array; d: Float32Array; B: number; T: number; F: number; H: number }

export function batchArrays(B: number, T: number, F: number, H = 3, seed = 7): BatchArrays {
  const r = mulberry32(seed);
  const close = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    let c = 1;
    for (let t = 0; t < T; t++) close[b * T + t] = (c *= 1 + 0.01 * (r() - 0.5));
  }
  const y = Float32Array.from({ length: B * H }, () => 0.5 * (r() - 0.5));
  return { features: Float32Array.from({ length: B * T * F }, () => 2 * r() - 1), close, y, d: y.map((v) => (v > 0 ? 1 : 0)), B, T, F, H };
}

/** The batch as the training step's tensors on the active backend. */
export function batchTensors(a: BatchArrays) {
  return { features: tf.tensor3d(a.features, [a.B, a.T, a.F]), close: tf.tensor2d(a.close, [a.B, a.T]),
    y: tf.tensor2d(a.y, [a.B, a.H]), d: tf.tensor2d(a.d, [a.B, a.H]) };
}
