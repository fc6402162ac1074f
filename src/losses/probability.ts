/** Clipping of predicted probabilities shared by the cross-entropy style losses. */
import * as tf from '@tensorflow/tfjs';

/** SPEC §7.1: p is clipped to [1e-7, 1 - 1e-7] so ln p and ln(1 - p) stay finite at 0 and 1. */
export const PROB_EPSILON = 1e-7;

export function clipProbability(p: tf.Tensor): tf.Tensor {
  return tf.clipByValue(p, PROB_EPSILON, 1 - PROB_EPSILON);
}
