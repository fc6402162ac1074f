/** Binary focal loss on the direction head (SPEC §7.1). */
import * as tf from '@tensorflow/tfjs';
import { assertSameShape } from './check.js';
import { assertInUnitInterval, assertNonNegative } from './options.js';
import { clipProbability } from './probability.js';

export interface FocalOptions {
  /**
   * Weight of the up class (d = 1); the down class gets 1 - alpha. One value, or one per
   * horizon (column of [B, H] inputs), e.g. the training split's share of down labels, which
   * weighs both classes equally (see training/class-balance.ts).
   */
  alpha?: number | readonly number[];
  /** Focusing exponent: down-weights samples the model already gets right. */
  gamma?: number;
}

export const FOCAL_DEFAULTS: Required<FocalOptions> = { alpha: 0.7, gamma: 1.0 };

/**
 * -alpha d (1-p)^gamma ln p - (1-alpha)(1-d) p^gamma ln(1-p), p clipped to [1e-7, 1-1e-7],
 * mean over the batch (axis 0): [B] -> scalar, [B, H] -> [H].
 */
export function binaryFocal(p: tf.Tensor, d: tf.Tensor, options: FocalOptions = {}): tf.Tensor {
  const { alpha, gamma } = { ...FOCAL_DEFAULTS, ...options };
  const alphas = typeof alpha === 'number' ? [alpha] : [...alpha];
  alphas.forEach((a, h) => assertInUnitInterval(typeof alpha === 'number' ? 'alpha' : `alpha[${h}]`, a));
  assertNonNegative('gamma', gamma);
  assertSameShape({ p, d });
  if (typeof alpha !== 'number' && (p.rank !== 2 || p.shape[1] !== alphas.length)) {
    throw new RangeError(`focal: ${alphas.length} alphas (one per horizon) need [batch, ${alphas.length}] inputs (got [${p.shape.join(', ')}])`);
  }
  return tf.tidy(() => {
    const pc = clipProbability(p);
    const q = tf.sub(1, pc);
    const a = typeof alpha === 'number' ? tf.scalar(alpha) : tf.tensor1d(alphas);
    const up = tf.mul(tf.mul(a, d), tf.mul(tf.pow(q, gamma), tf.log(pc)));
    const down = tf.mul(tf.mul(tf.sub(1, a), tf.sub(1, d)), tf.mul(tf.pow(pc, gamma), tf.log(q)));
    return tf.neg(tf.mean(tf.add(up, down), 0));
  });
}
