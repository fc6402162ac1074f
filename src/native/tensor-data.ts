/** A tensor's values as the Float32Array a native kernel reads. */
import type * as tf from '@tensorflow/tfjs';

/**
 * The float32 values of `t`: on the cpu backend its own backing store (no copy), except for a
 * float32 tensor cast from bool, which tfjs's cpu backend leaves on the bool's bytes: those are
 * widened into a new Float32Array. Another dtype is a TypeError naming `what` (the op), since the
 * kernels read float32 only.
 */
export function float32Data(t: tf.Tensor, what: string): Float32Array {
  if (t.dtype !== 'float32') throw new TypeError(`${what}: expected a float32 tensor (got ${t.dtype})`);
  const v = t.dataSync();
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}
