/** Gaussian negative log-likelihood on the variance head (SPEC §7.1). */
import * as tf from '@tensorflow/tfjs';
import { assertSameShape } from './check.js';

/**
 * The variance head is softplus + 1e-6 (SPEC §6), so its outputs are >= 1e-6; the same floor
 * here keeps the loss finite for variance tensors from anywhere else (0 would give ln 0).
 */
export const MIN_VARIANCE = 1e-6;

/**
 * 0.5 (ln s2 + (y - mu)^2 / s2) without the constant 0.5 ln(2 pi), mean over the batch
 * (axis 0): [B] -> scalar, [B, H] -> [H]. mu is the price head and receives gradient too.
 */
export function gaussianNll(mu: tf.Tensor, s2: tf.Tensor, y: tf.Tensor): tf.Tensor {
  assertSameShape({ mu, s2, y });
  return tf.tidy(() => {
    const v = tf.maximum(s2, MIN_VARIANCE);
    const nll = tf.mul(0.5, tf.add(tf.log(v), tf.div(tf.square(tf.sub(y, mu)), v)));
    return tf.mean(nll, 0);
  });
}
