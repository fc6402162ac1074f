/**
 * The `ntp` backend's building blocks over the addon's generic kernels (native/core/nn/tensor_ops.h):
 * each takes TensorInfos on one NtpBackend and returns a new one. Kernel files compose these; no
 * kernel touches a handle or an op code itself.
 */
import * as tf from '@tensorflow/tfjs';

import { dtypeCode, type NtpBackend } from './backend.js';

/** The generic kernels' ops (native/core/nn/tensor_ops.h); the addon exports their codes as `tensorOps`. */
export type UnaryOp = 'identity' | 'notZero' | 'neg' | 'abs' | 'square' | 'sqrt' | 'rsqrt' | 'exp' | 'expm1' | 'log' | 'log1p'
  | 'sigmoid' | 'softplus' | 'relu' | 'relu6' | 'elu' | 'leakyRelu' | 'tanh' | 'sin' | 'cos' | 'floor' | 'ceil' | 'round'
  | 'sign' | 'step' | 'reciprocal' | 'clip' | 'isFinite' | 'isNan' | 'isInf' | 'logicalNot' | 'selu' | 'erf' | 'dropout';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'floorDiv' | 'mod' | 'maximum' | 'minimum' | 'pow' | 'squaredDifference'
  | 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual' | 'logicalAnd' | 'logicalOr' | 'atan2';
export type ReduceOp = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'any' | 'all' | 'argMax' | 'argMin';

declare module '../../native/types.js' {
  interface NativeAddon {
    tensorOps: { unary: Record<UnaryOp, number>; binary: Record<BinaryOp, number>; reduce: Record<ReduceOp, number> };
  }
}

const MAX_RANK = 8;

export function shapeArg(shape: readonly number[]): Int32Array {
  if (shape.length > MAX_RANK) throw new RangeError(`ntp backend: rank ${shape.length} is above ${MAX_RANK}`);
  return Int32Array.from(shape);
}

export function unary(b: NtpBackend, x: tf.TensorInfo, op: UnaryOp, outDtype: tf.DataType = x.dtype, alpha = 0, beta = 0): tf.TensorInfo {
  const out = b.makeOutput(x.shape, outDtype);
  const size = tf.util.sizeFromShape(x.shape);
  if (size > 0) {
    b.addon.tensorUnary({ op: b.addon.tensorOps.unary[op], dtype: dtypeCode(x.dtype), outDtype: dtypeCode(outDtype), x: b.handle(x), out: b.handle(out), size, alpha, beta });
  }
  return out;
}

export function binary(b: NtpBackend, x: tf.TensorInfo, y: tf.TensorInfo, op: BinaryOp, outDtype: tf.DataType): tf.TensorInfo {
  const shape = tf.backend_util.assertAndGetBroadcastShape(x.shape, y.shape);
  const out = b.makeOutput(shape, outDtype);
  if (tf.util.sizeFromShape(shape) > 0) {
    b.addon.tensorBinary({ op: b.addon.tensorOps.binary[op], dtype: dtypeCode(x.dtype), outDtype: dtypeCode(outDtype), a: b.handle(x), aShape: shapeArg(x.shape),
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
export function reduce(b: NtpBackend, x: tf.TensorInfo, axes: number[], keepDims: boolean, op: ReduceOp, outDtype: tf.DataType): tf.TensorInfo {
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
    b.addon.tensorReduce({ op: b.addon.tensorOps.reduce[op], dtype: dtypeCode(x.dtype), outDtype: dtypeCode(outDtype), x: b.handle(src), outer, reduce: R, inner, out: b.handle(out) });
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
  if (dtype === 'bool') return unary(b, x, 'notZero', 'bool');
  return unary(b, x, 'identity', dtype);
}
