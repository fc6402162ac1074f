/**
 * Turns the model's named outputs and the targets into the [B, H] tensors every loss reads.
 * Outputs are named `<head>_h<i>` (SPEC §6) with shape [B] or [B, 1]; the number of horizons
 * H is the number of target columns.
 */
import * as tf from '@tensorflow/tfjs';
import { assertFiniteTensors } from './check.js';

export const HEADS = ['price', 'direction', 'variance'] as const;
export type Head = (typeof HEADS)[number];

/** Model outputs by name: price_h0, direction_h0, variance_h0, price_h1, ... */
export type ModelOutputs = Record<string, tf.Tensor>;

export interface LossTargets {
  /** Scaled target returns, [B, H]. */
  y: tf.Tensor;
  /** Direction labels (1 = up), [B, H]. */
  d: tf.Tensor;
}

/** Column h of each tensor is horizon h; all [B, H]. */
export interface LossInputs {
  price: tf.Tensor2D;
  direction: tf.Tensor2D;
  variance: tf.Tensor2D;
  y: tf.Tensor2D;
  d: tf.Tensor2D;
}

export interface LossInputOptions {
  /** Throw on NaN/Infinity in any input (default true; one small device read, see check.ts). */
  checkInputs?: boolean;
}

const OUTPUT_NAME = /^(price|direction|variance)_h(\d+)$/;

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/** The output tensor `name`, checked to be [B] or [B, 1]. */
function headOutput(outputs: ModelOutputs, name: string, batch: number): tf.Tensor {
  const t = outputs[name];
  if (!(t instanceof tf.Tensor)) {
    throw new TypeError(`outputs.${name} is missing or not a tensor (have: ${Object.keys(outputs).join(', ') || 'none'})`);
  }
  const ok = t.shape[0] === batch && (t.rank === 1 || (t.rank === 2 && t.shape[1] === 1));
  if (!ok) throw new RangeError(`outputs.${name} has shape ${shapeText(t)}, expected [${batch}] or [${batch}, 1]`);
  return t;
}

/** The model's head outputs by horizon, checked: H tensors of [B] or [B, 1] per head. */
export interface LossHeads {
  batch: number;
  horizons: number;
  heads: Record<Head, tf.Tensor[]>;
}

/** Validates shapes (and, unless disabled, finiteness) of the outputs and targets; returns each head's columns. */
export function lossHeads(outputs: ModelOutputs, targets: LossTargets, options: LossInputOptions = {}): LossHeads {
  const { y, d } = targets;
  if (!(y instanceof tf.Tensor) || y.rank !== 2) {
    throw new RangeError(`targets.y must be a [B, H] tensor (got ${y instanceof tf.Tensor ? shapeText(y) : typeof y})`);
  }
  if (!(d instanceof tf.Tensor) || !tf.util.arraysEqual(d.shape, y.shape)) {
    throw new RangeError(`targets.d must be a tensor of the shape of targets.y ${shapeText(y)} (got ${d instanceof tf.Tensor ? shapeText(d) : typeof d})`);
  }
  const [batch, horizons] = y.shape;
  for (const name of Object.keys(outputs)) {
    const m = OUTPUT_NAME.exec(name);
    if (m && Number(m[2]) >= horizons) {
      throw new RangeError(`outputs.${name} has no target column: targets.y has ${horizons} horizons (h0..h${horizons - 1})`);
    }
  }
  const columns = (head: Head) => Array.from({ length: horizons }, (_, h) => headOutput(outputs, `${head}_h${h}`, batch));
  const heads = { price: columns('price'), direction: columns('direction'), variance: columns('variance') };
  if (options.checkInputs ?? true) {
    const named: Record<string, tf.Tensor> = { 'targets.y': y, 'targets.d': d };
    for (const head of HEADS) heads[head].forEach((t, h) => (named[`outputs.${head}_h${h}`] = t));
    assertFiniteTensors(named);
  }
  return { batch, horizons, heads };
}

/** Validates shapes (and, unless disabled, finiteness) and stacks each head to [B, H]. */
export function toLossInputs(outputs: ModelOutputs, targets: LossTargets, options: LossInputOptions = {}): LossInputs {
  const { batch, heads } = lossHeads(outputs, targets, options);
  return tf.tidy(() => {
    const stack = (head: Head) => tf.stack(heads[head].map((t) => tf.reshape(t, [batch])), 1) as tf.Tensor2D;
    return {
      price: stack('price'),
      direction: stack('direction'),
      variance: stack('variance'),
      y: tf.cast(targets.y, 'float32') as tf.Tensor2D,
      d: tf.cast(targets.d, 'float32') as tf.Tensor2D,
    };
  });
}
