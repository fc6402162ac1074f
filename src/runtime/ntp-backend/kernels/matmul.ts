/**
 * BatchMatMul and _FusedMatMul of the `ntp` backend on the addon's GEMM (native/core/nn/gemm.h on the
 * host, its CUDA twin on a GPU): transposes, numpy-broadcast batch dims, and the fused bias +
 * activation epilogue in one pass. PReLU (a per-channel weight tensor) is not fused: the kernel
 * fails naming it rather than computing something else.
 *
 * `NtpLinear` and `NtpLinearGrad` are the model's affine layer (models/fused-dense.ts) and its
 * gradient as one tfjs dispatch each: x [..., K] @ W [K, N] (+ b, ReLU or not) over x viewed as
 * [M, K], and dx, dW (and db) from dy with the ReLU's mask applied first. They make the same GEMMs,
 * mask and reduction as the kernels they replace (3 forward; Reshape, BatchMatMul and Sum, 6 or 8
 * with Step and Multiply, backward), so the results are the same bit for bit.
 */
import * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';
import { binary, reduce, shapeArg, unary } from '../device-ops.js';
import { float32Inputs, type NtpKernel } from './kernel.js';

export const NTP_LINEAR = 'NtpLinear';
export const NTP_LINEAR_GRAD = 'NtpLinearGrad';

function matMul(b: NtpBackend, x: tf.TensorInfo, y: tf.TensorInfo, transposeA: boolean, transposeB: boolean,
  bias?: tf.TensorInfo, activation = 'linear', alpha = 0.2): tf.TensorInfo {
  if (x.dtype !== 'float32' || y.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) {
    throw new TypeError(`ntp backend: MatMul needs float32 operands (got ${x.dtype} and ${y.dtype})`);
  }
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(x.shape.slice(0, -2), y.shape.slice(0, -2));
  const m = transposeA ? x.shape[x.shape.length - 1] : x.shape[x.shape.length - 2];
  const n = transposeB ? y.shape[y.shape.length - 2] : y.shape[y.shape.length - 1];
  const out = b.makeOutput([...batch, m, n], 'float32');
  if (tf.util.sizeFromShape(out.shape) === 0) return out;
  b.addon.tensorMatMul({
    a: b.handle(x), aShape: shapeArg(x.shape), b: b.handle(y), bShape: shapeArg(y.shape), out: b.handle(out), transposeA, transposeB,
    ...(bias ? { bias: b.handle(bias), biasShape: shapeArg(bias.shape) } : {}), activation, alpha,
  });
  return out;
}

/** The same buffer as `shape` (a view; its reference count unchanged: never returned or disposed as a tensor of its own). */
const withShape = (t: tf.TensorInfo, shape: number[]): tf.TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

/**
 * The checked operands of a linear kernel: K and N of w [K, N], x [..., K] viewed as [M, K], and
 * the activation (linear or relu: the gradient's mask knows no other) with whether a bias comes.
 */
function linearOperands(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>) {
  float32Inputs(name, inputs);
  const { x, w, bias } = inputs;
  const [K, N] = w.shape;
  if (w.shape.length !== 2 || K < 1 || x.shape.length < 1 || x.shape[x.shape.length - 1] !== K || (bias && (bias.shape.length !== 1 || bias.shape[0] !== N))) {
    throw new RangeError(`ntp backend: ${name} needs x [..., K], w [K, N] with K >= 1 and bias [N] (got [${x.shape}], [${w.shape}]${bias ? `, [${bias.shape}]` : ''})`);
  }
  const activation = String(attrs.activation ?? 'linear');
  if (activation !== 'linear' && activation !== 'relu') throw new RangeError(`ntp backend: ${name} supports a linear or relu activation (got ${activation})`);
  const M = tf.util.sizeFromShape(x.shape.slice(0, -1));
  return { K, N, M, x2: withShape(x, [M, K]), activation, withBias: Boolean(attrs.bias) };
}

export const matMulKernels: NtpKernel[] = [
  ['BatchMatMul', ({ inputs, backend, attrs }) =>
    matMul(backend, inputs.a, inputs.b, Boolean(attrs.transposeA), Boolean(attrs.transposeB))],
  ['_FusedMatMul', ({ inputs, backend, attrs }) => {
    const activation = String(attrs.activation ?? 'linear');
    if (inputs.preluActivationWeights || activation === 'prelu') {
      throw new Error('ntp backend: _FusedMatMul with a prelu activation is not supported');
    }
    return matMul(backend, inputs.a, inputs.b, Boolean(attrs.transposeA), Boolean(attrs.transposeB), inputs.bias ?? undefined,
      activation, typeof attrs.leakyreluAlpha === 'number' ? attrs.leakyreluAlpha : 0.2);
  }],
  // inputs x, w (and bias when attrs.bias); attrs activation: y [..., N].
  [NTP_LINEAR, ({ inputs, backend: b, attrs }) => {
    const { N, x2, activation, withBias } = linearOperands(NTP_LINEAR, inputs, attrs);
    if (withBias !== Boolean(inputs.bias)) throw new RangeError(`ntp backend: ${NTP_LINEAR}'s bias attribute and its bias input disagree`);
    const y = matMul(b, x2, inputs.w, false, false, inputs.bias ?? undefined, activation);
    return withShape(y, [...inputs.x.shape.slice(0, -1), N]);
  }],
  // inputs x, w, dy (and y under a ReLU); attrs activation, bias: returns [dx, dw] or [dx, dw, db].
  [NTP_LINEAR_GRAD, ({ inputs, backend: b, attrs }) => {
    const { M, N, x2, activation, withBias } = linearOperands(NTP_LINEAR_GRAD, { x: inputs.x, w: inputs.w, dy: inputs.dy }, attrs);
    const relu = activation === 'relu';
    const outShape = [...inputs.x.shape.slice(0, -1), N];
    const operands = relu ? [inputs.dy, inputs.y] : [inputs.dy];
    if (operands.some((t) => !t || t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, outShape))) {
      throw new RangeError(`ntp backend: ${NTP_LINEAR_GRAD} needs float32 dy${relu ? ' and y (under a ReLU)' : ''} of shape [${outShape}]`
        + ` (got ${[inputs.dy, inputs.y].filter(Boolean).map((t) => `[${t.shape}]`).join(', ')})`);
    }
    let dz = withShape(inputs.dy, [M, N]);
    if (relu) {
      const mask = unary(b, inputs.y, 'step', 'float32');
      dz = withShape(binary(b, inputs.dy, mask, 'mul', 'float32'), [M, N]);
      b.disposeIntermediate(mask);
    }
    const dx = withShape(matMul(b, dz, inputs.w, false, true), inputs.x.shape);
    const dw = matMul(b, x2, dz, true, false);
    const db = withBias ? reduce(b, dz, [0], false, 'sum', 'float32') : null;
    if (relu) b.disposeIntermediate(dz);
    return db ? [dx, dw, db] : [dx, dw];
  }],
];
