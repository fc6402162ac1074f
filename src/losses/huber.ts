/** Huber loss (SPEC §7.1), used on the price head and inside the trend-consistency terms. */
import * as tf from '@tensorflow/tfjs';
import { assertSameShape } from './check.js';
import { assertPositive } from './options.js';

export const HUBER_DELTA = 1.0;

/**
 * Elementwise Huber of an error: 0.5 e^2 for |e| <= delta, delta (|e| - delta/2) beyond.
 * Written as 0.5 q^2 + delta (|e| - q) with q = min(|e|, delta) so it is one smooth
 * expression (no branch select) with the right gradient on both sides.
 */
export function huberElementwise(err: tf.Tensor, delta = HUBER_DELTA): tf.Tensor {
  assertPositive('delta', delta);
  return tf.tidy(() => {
    const a = tf.abs(err);
    const q = tf.minimum(a, delta);
    return tf.add(tf.mul(0.5, tf.square(q)), tf.mul(delta, tf.sub(a, q)));
  });
}

/** Huber(pred - target), mean over the batch (axis 0): [B] -> scalar, [B, H] -> [H]. */
export function huber(pred: tf.Tensor, target: tf.Tensor, delta = HUBER_DELTA): tf.Tensor {
  assertSameShape({ pred, target });
  return tf.tidy(() => tf.mean(huberElementwise(tf.sub(pred, target), delta), 0));
}
