/**
 * Turns a dataset batch (typed arrays) into the model's input tensors and the loss targets.
 * The tensors share nothing with the batch arrays on the cpu backend beyond one copy.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/dataset.js';

export interface BatchTensors {
  features: tf.Tensor3D;
  close: tf.Tensor2D;
  y: tf.Tensor2D;
  d: tf.Tensor2D;
}

export function batchTensors(b: Batch): BatchTensors {
  return {
    features: tf.tensor3d(b.features, [b.size, b.T, b.F]),
    close: tf.tensor2d(b.close, [b.size, b.T]),
    y: tf.tensor2d(b.targets, [b.size, b.H]),
    d: tf.tensor2d(b.direction, [b.size, b.H]),
  };
}

export function disposeBatch(t: BatchTensors): void {
  tf.dispose([t.features, t.close, t.y, t.d]);
}

/** The model's outputs by name (price_h0, direction_h0, variance_h0, ...). */
export function namedOutputs(model: tf.LayersModel, outputs: tf.Tensor | tf.Tensor[]): Record<string, tf.Tensor> {
  const list = Array.isArray(outputs) ? outputs : [outputs];
  return Object.fromEntries(model.outputNames.map((name, i) => [name, list[i]]));
}
