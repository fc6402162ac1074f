/**
 * Reductions of the `ntp` backend on the addon's one reduction template, plus Softmax composed
 * of them as tfjs-backend-cpu composes it (max, subtract, exp, sum, divide). Output dtypes follow
 * tfjs: Sum and Prod upcast bool to int32, Mean gives float32, Any/All bool, ArgMax/ArgMin int32.
 */
import * as tf from '@tensorflow/tfjs';

import { binary, cast, reduce, unary, type ReduceOp } from '../device-ops.js';
import type { NtpKernel, NtpKernelArgs } from './kernel.js';

function axesOf(attr: unknown, shape: number[]): number[] {
  return tf.util.parseAxisParam(attr as number | number[], shape);
}

function reduction(op: ReduceOp, dtypeOf: (x: tf.DataType) => tf.DataType, axisAttr = 'axis') {
  return ({ inputs, backend, attrs }: NtpKernelArgs): tf.TensorInfo => {
    const x = inputs.x;
    return reduce(backend, x, axesOf(attrs[axisAttr], x.shape), Boolean(attrs.keepDims), op, dtypeOf(x.dtype));
  };
}

const same = (d: tf.DataType) => d;
const summed = (d: tf.DataType) => tf.upcastType(d, 'int32');

export const reduceKernels: NtpKernel[] = [
  ['Sum', reduction('sum', summed)],
  ['Prod', reduction('prod', summed)],
  ['Max', reduction('max', same, 'reductionIndices')],
  ['Min', reduction('min', same)],
  ['Any', reduction('any', () => 'bool')],
  ['All', reduction('all', () => 'bool')],
  ['Mean', ({ inputs, backend, attrs }) => {
    const x = inputs.x.dtype === 'float32' ? inputs.x : cast(backend, inputs.x, 'float32');
    const out = reduce(backend, x, axesOf(attrs.axis, x.shape), Boolean(attrs.keepDims), 'mean', 'float32');
    if (x !== inputs.x) backend.disposeIntermediate(x);
    return out;
  }],
  ['ArgMax', ({ inputs, backend, attrs }) => reduce(backend, inputs.x, axesOf(attrs.axis, inputs.x.shape), false, 'argMax', 'int32')],
  ['ArgMin', ({ inputs, backend, attrs }) => reduce(backend, inputs.x, axesOf(attrs.axis, inputs.x.shape), false, 'argMin', 'int32')],
  ['Softmax', ({ inputs, backend, attrs }) => {
    const logits = inputs.logits;
    const axes = axesOf(attrs.dim ?? -1, logits.shape);
    const max = reduce(backend, logits, axes, true, 'max', 'float32');
    const shifted = binary(backend, logits, max, 'sub', 'float32');
    const e = unary(backend, shifted, 'exp');
    const total = reduce(backend, e, axes, true, 'sum', 'float32');
    const out = binary(backend, e, total, 'div', 'float32');
    for (const t of [max, shifted, e, total]) backend.disposeIntermediate(t);
    return out;
  }],
];
