/**
 * Reductions of the `ntp` backend on the addon's one reduction template, plus Softmax composed
 * of them as tfjs-backend-cpu composes it (max, subtract, exp, sum, divide). Output dtypes follow
 * tfjs: Sum and Prod upcast bool to int32, Mean gives float32, Any/All bool, ArgMax/ArgMin int32.
 */
import * as tf from '@tensorflow/tfjs';

import { BINARY, REDUCE, UNARY, binary, cast, reduce, unary } from '../device-ops.js';
import type { NtpKernel, NtpKernelArgs } from './kernel.js';

function axesOf(attr: unknown, shape: number[]): number[] {
  return tf.util.parseAxisParam(attr as number | number[], shape);
}

function reduction(op: number, dtypeOf: (x: tf.DataType) => tf.DataType, axisAttr = 'axis') {
  return ({ inputs, backend, attrs }: NtpKernelArgs): tf.TensorInfo => {
    const x = inputs.x;
    return reduce(backend, x, axesOf(attrs[axisAttr], x.shape), Boolean(attrs.keepDims), op, dtypeOf(x.dtype));
  };
}

const same = (d: tf.DataType) => d;
const summed = (d: tf.DataType) => tf.upcastType(d, 'int32');

export const reduceKernels: NtpKernel[] = [
  ['Sum', reduction(REDUCE.sum, summed)],
  ['Prod', reduction(REDUCE.prod, summed)],
  ['Max', reduction(REDUCE.max, same, 'reductionIndices')],
  ['Min', reduction(REDUCE.min, same)],
  ['Any', reduction(REDUCE.any, () => 'bool')],
  ['All', reduction(REDUCE.all, () => 'bool')],
  ['Mean', ({ inputs, backend, attrs }) => {
    const x = inputs.x.dtype === 'float32' ? inputs.x : cast(backend, inputs.x, 'float32');
    const out = reduce(backend, x, axesOf(attrs.axis, x.shape), Boolean(attrs.keepDims), REDUCE.mean, 'float32');
    if (x !== inputs.x) backend.disposeIntermediate(x);
    return out;
  }],
  ['ArgMax', ({ inputs, backend, attrs }) => reduce(backend, inputs.x, axesOf(attrs.axis, inputs.x.shape), false, REDUCE.argMax, 'int32')],
  ['ArgMin', ({ inputs, backend, attrs }) => reduce(backend, inputs.x, axesOf(attrs.axis, inputs.x.shape), false, REDUCE.argMin, 'int32')],
  ['Softmax', ({ inputs, backend, attrs }) => {
    const logits = inputs.logits;
    const axes = axesOf(attrs.dim ?? -1, logits.shape);
    const max = reduce(backend, logits, axes, true, REDUCE.max, 'float32');
    const shifted = binary(backend, logits, max, BINARY.sub, 'float32');
    const e = unary(backend, shifted, UNARY.exp);
    const total = reduce(backend, e, axes, true, REDUCE.sum, 'float32');
    const out = binary(backend, e, total, BINARY.div, 'float32');
    for (const t of [max, shifted, e, total]) backend.disposeIntermediate(t);
    return out;
  }],
];
