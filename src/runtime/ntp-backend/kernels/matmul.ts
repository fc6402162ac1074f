/**
 * BatchMatMul and _FusedMatMul of the `ntp` backend on the addon's GEMM (native/core/nn/gemm.h on the
 * host, its CUDA twin on a GPU): transposes, numpy-broadcast batch dims, and the fused bias +
 * activation epilogue in one pass. PReLU (a per-channel weight tensor) is not fused: the kernel
 * fails naming it rather than computing something else.
 */
import * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';
import { shapeArg } from '../device-ops.js';
import type { NtpKernel } from './kernel.js';

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
];
