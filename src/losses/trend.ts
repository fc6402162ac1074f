/**
 * Trend consistency across horizons (SPEC §7.1): the predicted returns r̂ (price heads, one
 * column per horizon in horizon order) should change from horizon to horizon the way the
 * targets r do. Inputs are [B, H]; every term is a scalar (mean over batch and pairs).
 */
import * as tf from '@tensorflow/tfjs';
import { binaryCrossEntropy } from './bce.js';
import { assertSameShape } from './check.js';
import { HUBER_DELTA, huberElementwise } from './huber.js';
import { assertPositive } from './options.js';

export const TREND_TAU = 0.1;

/** H of same-shaped [B, H] inputs; throws naming the first input that is not. */
function horizonCount(named: Record<string, tf.Tensor>): number {
  const [name, t] = Object.entries(named)[0];
  if (t.rank !== 2) throw new RangeError(`${name} must be [B, H] (got shape [${t.shape.join(', ')}])`);
  assertSameShape(named);
  return (t.shape as number[])[1];
}

/** Mean over adjacent horizon pairs (and the batch) of Huber((r̂_{i+1} - r̂_i) - (r_{i+1} - r_i)); 0 for one horizon. */
export function trendLocal(rHat: tf.Tensor, r: tf.Tensor, delta = HUBER_DELTA): tf.Scalar {
  const h = horizonCount({ rHat, r });
  if (h < 2) return tf.scalar(0);
  return tf.tidy(() => {
    const [b] = rHat.shape;
    const step = (x: tf.Tensor) => tf.sub(tf.slice(x, [0, 1], [b, h - 1]), tf.slice(x, [0, 0], [b, h - 1]));
    return tf.mean(huberElementwise(tf.sub(step(rHat), step(r)), delta));
  });
}

/** Huber((r̂_last - r̂_first) - (r_last - r_first)), mean over the batch. */
export function trendGlobal(rHat: tf.Tensor, r: tf.Tensor, delta = HUBER_DELTA): tf.Scalar {
  const h = horizonCount({ rHat, r });
  return tf.tidy(() => {
    const [b] = rHat.shape;
    const span = (x: tf.Tensor) => tf.sub(tf.slice(x, [0, h - 1], [b, 1]), tf.slice(x, [0, 0], [b, 1]));
    return tf.mean(huberElementwise(tf.sub(span(rHat), span(r)), delta));
  });
}

/**
 * local + global + mean_h BCE(p_h, sigmoid(r̂_h / tau)): the last part ties each direction
 * probability to the sign of its own price head (a soft label, gradient reaches both heads).
 */
export function trendExtended(rHat: tf.Tensor, r: tf.Tensor, p: tf.Tensor, tau = TREND_TAU): tf.Scalar {
  assertPositive('tau', tau);
  horizonCount({ rHat, r, p });
  return tf.tidy(() => {
    const agreement = tf.mean(binaryCrossEntropy(p, tf.sigmoid(tf.div(rHat, tau))));
    return tf.add(tf.add(trendLocal(rHat, r), trendGlobal(rHat, r)), agreement);
  });
}
