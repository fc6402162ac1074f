/**
 * Input checks for the losses. Shapes: tfjs would broadcast a [B] against a [B, H] into
 * nonsense instead of failing. Finiteness: a NaN in a loss input otherwise turns every weight
 * into NaN one optimizer step later, far from its cause. The check costs one small device
 * read per call (all tensors reduced together); pass `checkInputs: false` to skip it in
 * tuned training loops.
 */
import * as tf from '@tensorflow/tfjs';

/** Position of a flat index in a shape, e.g. 5 in [2, 3] -> [1, 2]. */
function location(flat: number, shape: number[]): number[] {
  const loc = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    loc[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return loc;
}

/** Throws naming the first tensor with a NaN/Infinity, the element's index and its value. */
export function assertFiniteTensors(named: Record<string, tf.Tensor>): void {
  const names = Object.keys(named);
  if (names.length === 0) return;
  const bad = tf.tidy(() => tf.stack(names.map((n) => tf.any(tf.logicalNot(tf.isFinite(named[n]))))));
  const flags = bad.dataSync();
  bad.dispose();
  const i = flags.findIndex((f) => f !== 0);
  if (i < 0) return;
  const t = named[names[i]];
  const values = t.dataSync();
  const at = values.findIndex((v) => !Number.isFinite(v));
  throw new RangeError(
    `${names[i]} has a non-finite value (${values[at]}) at index [${location(at, t.shape).join(', ')}] ` +
      `(shape [${t.shape.join(', ')}]); loss inputs must be finite`,
  );
}

/** Throws naming the tensors when their shapes differ. */
export function assertSameShape(named: Record<string, tf.Tensor>): void {
  const [first, ...rest] = Object.entries(named);
  for (const [name, t] of rest) {
    if (!tf.util.arraysEqual(t.shape, first[1].shape)) {
      throw new RangeError(`${name} has shape [${t.shape.join(', ')}], expected the shape of ${first[0]} [${first[1].shape.join(', ')}]`);
    }
  }
}
