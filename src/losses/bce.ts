/** Binary cross-entropy, used by the extended trend term (SPEC §7.1). */
import * as tf from '@tensorflow/tfjs';
import { assertSameShape } from './check.js';
import { clipProbability } from './probability.js';

/**
 * -(t ln p + (1-t) ln(1-p)) with p clipped to [1e-7, 1-1e-7]; t may be a soft label in [0, 1].
 * Mean over the batch (axis 0): [B] -> scalar, [B, H] -> [H].
 */
export function binaryCrossEntropy(p: tf.Tensor, target: tf.Tensor): tf.Tensor {
  assertSameShape({ p, target });
  return tf.tidy(() => {
    const pc = clipProbability(p);
    const ll = tf.add(tf.mul(target, tf.log(pc)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, pc))));
    return tf.neg(tf.mean(ll, 0));
  });
}
