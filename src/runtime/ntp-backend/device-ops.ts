/**
 * The `ntp` backend's building blocks over the addon's generic kernels (native/core/tensor_ops.h):
 * each takes TensorInfos on one NtpBackend and returns a new one. Kernel files compose these; no
 * kernel touches a handle or an op code itself.
 */
import * as tf from '@tensorflow/tfjs';

import { dtypeCode, type NtpBackend } from './backend.js';

/** Op codes of native/core/tensor_ops.h (same order). */
export const UNARY = {
  identity: 0, notZero: 1, neg: 2, abs: 3, square: 4, sqrt: 5, rsqrt: 6, exp: 7, expm1: 8, log: 9, log1p: 10,
  sigmoid: 11, softplus: 12, relu: 13, relu6: 14, elu: 15, leakyRelu: 16, tanh: 17, sin: 18, cos: 19, floor: 20, ceil: 21,
  round: 22, sign: 23, step: 24, reciprocal: 25, clip: 26, isFinite: 27, isNan: 28, isInf: 29, logicalNot: 30, selu: 31, erf: 32,
} as const;
export const BINARY = {
  add: 0, sub: 1, mul: 2, div: 3, floorDiv: 4, mod: 5, maximum: 6, minimum: 7, pow: 8, squaredDifference: 9,
  equal: 10, notEqual: 11, less: 12, lessEqual: 13, greater: 14, greaterEqual: 15, logicalAnd: 16, logicalOr: 17,
  atan2: 18,
} as const;
export const REDUCE = { sum: 0, mean: 1, prod: 2, max: 3, min: 4, any: 5, all: 6, argMax: 7, argMin: 8 } as const;

const MAX_RANK = 8;

export function shapeArg(shape: readonly number[]): Int32Array {
  if (shape.length > MAX_RANK) throw new RangeError(`ntp backend: rank ${shape.length} is above ${MAX_RANK}`);
  return Int32Array.from(shape);
}

export function unary(b: NtpBackend, x: tf.TensorInfo, op: number, outDtype: tf.DataType = x.dtype, alpha = 0, beta = 0): tf.TensorInfo {
  const out = b.makeOutput(x.shape, outDtype);
  const size = tf.util.sizeFromShape(x.shape);
  if (size > 0) {
    b.addon.tensorUnary({ op, dtype: dtypeCode(x.dtype), outDtype: dtypeCode(outDtype), x: b.handle(x), out: b.handle(out), size, alpha, beta });
  }
  return out;
}

export function binary(b: NtpBackend, x: tf.TensorInfo, y: tf.TensorInfo, op: number, outDtype: tf.DataType): tf.TensorInfo {
  const shape = tf.backend_util.assertAndGetBroadcastShape(x.shape, y.shape);
  const out = b.makeOutput(shape, outDtype);
  if (tf.util.sizeFromShape(shape) > 0) {
    b.addon.tensorBinary({ op, dtype: dtypeCode(x.dtype), outDtype: dtypeCode(outDtype), a: b.handle(x), aShape: shapeArg(x.shape),
      b: b.handle(y), bShape: shapeArg(y.shape), out: b.handle(out), outShape: shapeArg(shape) });
  }
  return out;
}

export function select(b: NtpBackend, cond: tf.TensorInfo, x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo {
  const shape = tf.backend_util.assertAndGetBroadcastShape(tf.backend_util.assertAndGetBroadcastShape(cond.shape, x.shape), y.shape);
  const out = b.makeOutput(shape, x.dtype);
  if (tf.util.sizeFromShape(shape) > 0) {
    b.addon.tensorSelect({ dtype: dtypeCode(x.dtype), condition: b.handle(cond), conditionShape: shapeArg(cond.shape),
      a: b.handle(x), aShape: shapeArg(x.shape), b: b.handle(y), bShape: shapeArg(y.shape), out: b.handle(out), outShape: shapeArg(shape) });
  }
  return out;
}

export function fill(b: NtpBackend, shape: number[], dtype: tf.DataType, value: number): tf.TensorInfo {
  const out = b.makeOutput(shape, dtype);
  const size = tf.util.sizeFromShape(shape);
  if (size > 0) b.addon.tensorFill({ dtype: dtypeCode(dtype), out: b.handle(out), size, value });
  return out;
}

/** Row-major element strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** out[dstOffset + i . dstStrides] = x[srcOffset + i . srcStrides] for every index i of `dims`. */
export function copyInto(b: NtpBackend, x: tf.TensorInfo, out: tf.TensorInfo, dims: readonly number[],
  srcOffset: number, srcStrides: readonly number[], dstOffset: number, dstStrides: readonly number[]): void {
  if (tf.util.sizeFromShape(dims as number[]) === 0) return;
  b.addon.tensorCopy({ x: b.handle(x), out: b.handle(out), dims: shapeArg(dims), srcOffset, srcStrides: Int32Array.from(srcStrides),
    dstOffset, dstStrides: Int32Array.from(dstStrides) });
}

/** A new buffer holding x's values (for kernels that then update it in place). */
export function copyOf(b: NtpBackend, x: tf.TensorInfo): tf.TensorInfo {
  const out = b.makeOutput(x.shape, x.dtype);
  const n = tf.util.sizeFromShape(x.shape);
  copyInto(b, x, out, [n], 0, [1], 0, [1]);
  return out;
}

/** x[begin : begin + size] as a new tensor. */
export function slice(b: NtpBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = b.makeOutput(size, x.dtype);
  const st = stridesOf(x.shape);
  copyInto(b, x, out, size, begin.reduce((o, v, i) => o + v * st[i], 0), st, 0, stridesOf(size));
  return out;
}

/** x with its axes permuted: out dim k is x dim perm[k]. */
export function transpose(b: NtpBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  const shape = perm.map((p) => x.shape[p]);
  if (perm.every((p, i) => p === i)) return b.share(x, shape);
  const out = b.makeOutput(shape, x.dtype);
  const st = stridesOf(x.shape);
  copyInto(b, x, out, shape, 0, perm.map((p) => st[p]), 0, stridesOf(shape));
  return out;
}

/**
 * Reduction of x over `axes` (any set): reduced axes that are not one contiguous block are moved
 * innermost by a transpose first, then the kernel reduces x viewed as [outer, reduce, inner].
 */
export function reduce(b: NtpBackend, x: tf.TensorInfo, axes: number[], keepDims: boolean, op: number, outDtype: tf.DataType): tf.TensorInfo {
  const rank = x.shape.length;
  const sorted = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
  const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, sorted);
  const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, sorted) : outShape;
  let src = x;
  let lo = sorted.length ? sorted[0] : rank, hi = sorted.length ? sorted[sorted.length - 1] + 1 : rank;
  if (hi - lo !== sorted.length) {
    const perm = tf.backend_util.getAxesPermutation(sorted, rank)!;
    src = transpose(b, x, perm);
    lo = rank - sorted.length;
    hi = rank;
  }
  const size = (s: number[]) => tf.util.sizeFromShape(s);
  const outer = size(src.shape.slice(0, lo)), R = size(src.shape.slice(lo, hi)), inner = size(src.shape.slice(hi));
  const out = b.makeOutput(shape, outDtype);
  if (outer * inner > 0) {
    b.addon.tensorReduce({ op, dtype: dtypeCode(x.dtype), outDtype: dtypeCode(outDtype), x: b.handle(src), outer, reduce: R, inner, out: b.handle(out) });
  }
  if (src !== x) b.disposeIntermediate(src);
  return out;
}

/** Inputs of one shape stacked along a new `axis` (Pack) or joined along an existing one (Concat). */
export function concat(b: NtpBackend, inputs: tf.TensorInfo[], axis: number, outShape: number[], dtype: tf.DataType): tf.TensorInfo {
  const out = b.makeOutput(outShape, dtype);
  const ost = stridesOf(outShape);
  let offset = 0;
  for (const t of inputs) {
    const along = t.shape[axis];
    copyInto(b, t, out, t.shape, 0, stridesOf(t.shape), offset * ost[axis], ost);
    offset += along;
  }
  return out;
}

/** x converted to `dtype` (a shared buffer when nothing changes). */
export function cast(b: NtpBackend, x: tf.TensorInfo, dtype: tf.DataType): tf.TensorInfo {
  if (dtype === x.dtype) return b.share(x, x.shape);
  if (dtype === 'bool') return unary(b, x, UNARY.notZero, 'bool');
  return unary(b, x, UNARY.identity, dtype);
}
