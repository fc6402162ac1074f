/** A tensor's values as the Float32Array a native kernel reads. */
import type * as tf from '@tensorflow/tfjs';

/**
 * The float32 values of `t`: on the cpu backend its own backing store (no copy). Another dtype
 * is a TypeError naming `what` (the op), since the kernels read float32 only.
 */
export function float32Data(t: tf.Tensor, what: string): Float32Array {
  const v = t.dataSync();
  if (!(v instanceof Float32Array)) throw new TypeError(`${what}: expected a float32 tensor (got ${t.dtype})`);
  return v;
}
