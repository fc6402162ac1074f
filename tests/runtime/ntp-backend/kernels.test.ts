/**
 * Every kernel of the `ntp` backend (host device) against tfjs's own cpu kernel: the same tfjs op
 * runs on both backends from the same input values, and the outputs must agree in shape, dtype
 * and value, on broadcasting, empty and odd shapes. The last test checks that these cases
 * dispatched every kernel the backend registers (tf.profile's kernel names). The backend's own LSTM,
 * indicator, period, layer-norm, attention, linear and composite-loss kernels, which tfjs lacks, are
 * compared with the same math in tfjs ops.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { INDICATOR_KINDS, indicatorOp, type IndicatorKind, periodsOnNtp } from '../../../src/indicators/ops.js';
import { compositeTotal } from '../../../src/losses/index.js';
import { attentionWithTfOps, dropout, fusedLstm, layerNorm, layerNormWithTfOps, multiHeadAttention, setNativeKernels } from '../../../src/models/index.js';
import { nativeAddon } from '../../../src/native/addon.js';
import { fusedDense, linear } from '../../../src/models/fused-dense.js';
import { NTP_DROPOUT, NTP_KERNELS, NTP_LINEAR, NTP_LINEAR_GRAD, NTP_PERIODS, NTP_PERIODS_GRAD, useNtpBackend } from '../../../src/runtime/ntp-backend/index.js';
import { testDevice } from './device.js';
import { mulberry32 } from '../../../src/data/random.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');
await useNtpBackend(testDevice());

const dispatched = new Set<string>();

/** Seeded values in [-3, 3) (or ints in [-5, 5), or 0/1), the same on every backend. */
function values(n: number, seed: number, kind: 'float' | 'int' | 'bool' | 'positive' = 'float'): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    if (kind === 'int') return Math.floor(u * 10) - 5;
    if (kind === 'bool') return u < 0.5 ? 1 : 0;
    if (kind === 'positive') return 0.1 + 3 * u;
    return 6 * u - 3;
  });
}
const f = (shape: number[], seed = 1, kind: 'float' | 'positive' = 'float') => tf.tensor(values(tf.util.sizeFromShape(shape), seed, kind), shape, 'float32');
const i = (shape: number[], seed = 1) => tf.tensor(values(tf.util.sizeFromShape(shape), seed, 'int'), shape, 'int32');
const b = (shape: number[], seed = 1) => tf.tensor(values(tf.util.sizeFromShape(shape), seed, 'bool'), shape, 'bool');
/** Edge values every unary op sees: signed zero, halves (rounding), large, tiny, NaN and infinities. */
const special = () => tf.tensor1d([-3.5, -2.5, -1, -0.5, -0, 0, 0.5, 1.5, 2.5, 40, -40, 1e-8, NaN, Infinity, -Infinity]);

interface Result { shape: number[]; dtype: string; values: number[] }

async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  let out: Result[] = [];
  const profile = await tf.profile(() => {
    out = tf.tidy(() => [fn()].flat().map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) })));
  });
  if (backend === 'ntp') for (const k of profile.kernelNames) dispatched.add(k);
  return out;
}

function close(a: number, b: number, rel: number, abs: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}

/** Registers a test comparing `fn` on ntp with the cpu kernel within `rel` relative (plus `abs`). */
function same(name: string, fn: () => tf.Tensor | tf.Tensor[], rel = 1e-6, abs = 0): void {
  test.serial(name, async (t) => {
    const want = await runOn('cpu', fn);
    const got = await runOn('ntp', fn);
    t.is(got.length, want.length);
    want.forEach((w, k) => {
      t.deepEqual(got[k].shape, w.shape, `output ${k} shape`);
      t.is(got[k].dtype, w.dtype, `output ${k} dtype`);
      const bad = w.values.findIndex((v, j) => !close(got[k].values[j], v, rel, abs));
      t.is(bad, -1, bad >= 0 ? `output ${k}[${bad}]: ntp ${got[k].values[bad]}, cpu ${w.values[bad]}` : '');
    });
  });
}

// ------------------------------------------------------------------ unary
const UNARY: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['neg', tf.neg], ['abs', tf.abs], ['square', tf.square], ['sqrt', tf.sqrt], ['rsqrt', tf.rsqrt], ['exp', tf.exp],
  ['expm1', tf.expm1], ['log', tf.log], ['log1p', tf.log1p], ['sigmoid', tf.sigmoid], ['softplus', tf.softplus],
  ['relu', tf.relu], ['relu6', tf.relu6], ['elu', tf.elu], ['selu', tf.selu], ['tanh', tf.tanh], ['sin', tf.sin],
  ['cos', tf.cos], ['floor', tf.floor], ['ceil', tf.ceil], ['round', tf.round], ['sign', tf.sign],
  ['reciprocal', tf.reciprocal], ['erf', tf.erf], ['leakyRelu', (x) => tf.leakyRelu(x, 0.3)], ['step', (x) => tf.step(x, 0.25)],
  ['clipByValue', (x) => tf.clipByValue(x, -1, 2)], ['isFinite', tf.isFinite], ['isNaN', tf.isNaN], ['isInf', tf.isInf],
];
for (const [name, op] of UNARY) {
  // tfjs's cpu Erf is the Abramowitz-Stegun approximation (absolute error <= 1.5e-7); ntp's is libm's erf.
  same(`${name}: edge values, an odd [3, 5, 7] and an empty [0, 4]`, () => [op(special()), op(f([3, 5, 7], 2)), op(f([0, 4]))],
    1e-6, name === 'erf' ? 2e-7 : 0);
}
same('logicalNot of bool', () => [tf.logicalNot(b([5, 3])), tf.logicalNot(b([0]))]);
same('neg, abs, square and sign of int32 keep int32', () => [tf.neg(i([7])), tf.abs(i([7])), tf.square(i([7])), tf.sign(i([7]))]);

// ------------------------------------------------------------------ binary
const BROADCASTS: [number[], number[]][] = [[[2, 3, 5], [5]], [[2, 1, 5], [3, 1]], [[], [7]], [[4, 1], [1, 3]], [[0, 3], [3]], [[7], [7]], [[1, 1, 2], [3, 1, 1]]];
const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, 'float' | 'positive'][] = [
  ['add', tf.add, 'float'], ['sub', tf.sub, 'float'], ['mul', tf.mul, 'float'], ['div', tf.div, 'float'],
  ['floorDiv', tf.floorDiv, 'float'], ['mod', tf.mod, 'float'], ['maximum', tf.maximum, 'float'], ['minimum', tf.minimum, 'float'],
  ['pow', tf.pow, 'positive'], ['squaredDifference', tf.squaredDifference, 'float'], ['atan2', tf.atan2, 'float'], ['equal', tf.equal, 'float'], ['notEqual', tf.notEqual, 'float'], ['less', tf.less, 'float'],
  ['lessEqual', tf.lessEqual, 'float'], ['greater', tf.greater, 'float'], ['greaterEqual', tf.greaterEqual, 'float'],
];
for (const [name, op, kind] of BINARY) {
  same(`${name}: numpy broadcasting, scalar, empty and odd shapes`, () => BROADCASTS.map(([sa, sb], k) => op(f(sa, 10 + k, kind), f(sb, 20 + k, kind))));
}
same('add, sub, mul and floorDiv of int32 (with a zero divisor)', () => [tf.add(i([3, 4]), i([4], 2)), tf.sub(i([3, 4]), i([3, 1], 3)),
  tf.mul(i([6]), i([6], 4)), tf.floorDiv(i([9], 5), tf.tensor1d([1, 2, 3, -1, -2, -3, 4, 5, 7], 'int32'))]);
same('comparisons of equal values and NaN', () => [tf.equal(special(), special()), tf.less(special(), tf.scalar(0.5)), tf.maximum(special(), tf.scalar(0))]);
same('logicalAnd and logicalOr broadcast', () => [tf.logicalAnd(b([3, 4]), b([4], 2)), tf.logicalOr(b([2, 1, 3]), b([4, 1], 3))]);
same('addN of three, in order', () => tf.addN([f([4, 5]), f([4, 5], 2), f([4, 5], 3)]));
same('where: broadcast condition, int32 values, empty', () => [
  tf.where(b([5]), f([3, 5]), f([3, 5], 2)),
  tf.where(b([3, 1], 4), i([3, 2]), i([3, 2], 5)),
  tf.where(b([0, 2]), f([0, 2]), f([0, 2], 2)),
]);
same('cast between float32, int32 and bool', () => [tf.cast(special(), 'int32'), tf.cast(special(), 'bool'), tf.cast(i([6]), 'float32'),
  tf.cast(b([6]), 'float32'), tf.cast(b([6]), 'int32'), tf.cast(i([6]), 'bool'), tf.cast(f([3]), 'float32')]);

// ------------------------------------------------------------------ reductions
const AXES: (number | number[] | undefined)[] = [undefined, 0, 1, -1, [0, 2], [1, 2]];
const REDUCTIONS: [string, (x: tf.Tensor, axis: number | number[] | undefined, keep: boolean) => tf.Tensor][] = [
  ['sum', (x, a, k) => tf.sum(x, a, k)], ['mean', (x, a, k) => tf.mean(x, a, k)], ['max', (x, a, k) => tf.max(x, a, k)],
  ['min', (x, a, k) => tf.min(x, a, k)], ['prod', (x, a, k) => tf.prod(tf.div(x, 2), a, k)],
];
for (const [name, op] of REDUCTIONS) {
  same(`${name} over every axis set, with and without keepDims`, () => AXES.flatMap((a, k) => [op(f([3, 4, 5], k), a, false), op(f([3, 4, 5], k), a, true)]));
  same(`${name} of empty tensors and NaN`, () => [op(f([0, 3]), 1, false), op(f([2, 0]), 0, true), op(f([3, 0]), 1, false), op(special(), undefined, false)]);
}
same('sum and prod of int32 and bool', () => [tf.sum(i([4, 3]), 0), tf.prod(i([4, 3]), 1), tf.sum(b([4, 3]), 1)]);
same('any and all over axes and over nothing', () => [tf.any(b([3, 4]), 1), tf.all(b([3, 4], 2), 0, true), tf.any(b([2, 3, 2]), [0, 2]), tf.all(b([0, 2])),
  tf.any(b([2, 0]), 1), tf.argMax(f([2, 0]), 1)]);
same('argMax and argMin pick the first extreme', () => [tf.argMax(f([3, 4, 5]), 1), tf.argMin(f([3, 4, 5]), -1),
  tf.argMax(tf.tensor2d([[1, 3, 3], [2, 2, 1]]), 1), tf.argMin(tf.tensor1d([2, 1, 1, 5]))]);
same('softmax over the last axis', () => [tf.softmax(f([3, 4, 7])), tf.softmax(tf.mul(f([2, 5]), 30))]);

// ------------------------------------------------------------------ shapes and data movement
same('reshape and identity share data', () => [tf.reshape(f([2, 3, 4]), [4, -1]), f([3]).clone(), tf.reshape(f([0, 3]), [3, 0])]);
same('transpose by every permutation of rank 3, and rank 5', () => [[0, 2, 1], [1, 0, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]]
  .map((p) => tf.transpose(f([2, 3, 5]), p)).concat([tf.transpose(f([2, 1, 3, 2, 2]), [4, 2, 0, 3, 1]), tf.transpose(f([0, 3]))]));
same('slice: interior, full, empty', () => [tf.slice(f([4, 5, 3]), [1, 2, 0], [2, 3, 3]), tf.slice(f([5]), 0, -1), tf.slice(f([4, 3]), [1, 0], [0, 3])]);
same('stridedSlice: strides, negative strides, shrink and new axes', () => [
  tf.stridedSlice(f([6, 5]), [1, 0], [6, 5], [2, 2]),
  tf.stridedSlice(f([6, 5]), [5, 4], [0, 0], [-1, -2]),
  tf.stridedSlice(f([4, 5]), [1, 0], [2, 5], [1, 1], 0, 0, 0, 0, 1),
  tf.stridedSlice(f([4, 5]), [0, 0], [4, 5], [1, 1], 0, 0, 0, 1),
]);
same('concat along each axis, with an empty part, int32 and bool', () => [tf.concat([f([2, 3]), f([2, 4], 2)], 1), tf.concat([f([2, 3]), f([1, 3], 2), f([0, 3])], 0),
  tf.concat([f([2, 0]), f([2, 3])], 1), tf.concat([i([3]), i([2], 2)]), tf.concat([b([1, 2]), b([1, 2], 2)], 0)]);
same('split into equal and given sizes', () => [...tf.split(f([4, 6, 2]), 3, 1), ...tf.split(f([5, 3]), [1, 0, 4], 0)]);
same('stack and unstack along each axis', () => [tf.stack([f([2, 3]), f([2, 3], 2), f([2, 3], 3)], 1), tf.stack([i([3]), i([3], 2)]),
  ...tf.unstack(f([3, 2, 4]), 2), ...tf.unstack(f([2, 3]))]);
same('pad with a constant', () => [tf.pad(f([2, 3]), [[1, 0], [2, 3]], 1.5), tf.pad(f([0, 2]), [[1, 1], [0, 0]]), tf.pad(i([3]), [[2, 2]], 7)]);
same('tile', () => [tf.tile(f([2, 3]), [2, 3]), tf.tile(f([3]), [4]), tf.tile(f([2, 1, 2]), [1, 3, 1])]);
same('reverse along axes', () => [tf.reverse(f([3, 4]), 0), tf.reverse(f([3, 4, 2]), [0, 2]), tf.reverse(f([5]))]);
same('gather along an axis', () => [tf.gather(f([5, 3]), tf.tensor1d([4, 0, 2, 2], 'int32')), tf.gather(f([2, 5, 3]), tf.tensor1d([1, 3], 'int32'), 1)]);
same('fill, zerosLike, onesLike and range', () => [tf.fill([2, 3], 2.5), tf.fill([3], 4, 'int32'), tf.zerosLike(f([2, 2])), tf.onesLike(i([3])),
  tf.range(0, 7, 2), tf.range(5, 0, -1.5), tf.range(0, 4, 1, 'int32'), tf.fill([0, 2], 1)]);

// ------------------------------------------------------------------ matrix products
same('matMul with transposes and broadcast batch dims', () => [
  tf.matMul(f([3, 4]), f([4, 5], 2)), tf.matMul(f([4, 3]), f([4, 5], 2), true), tf.matMul(f([3, 4]), f([5, 4], 2), false, true),
  // Batch dims where one side's is 1 or both are equal: the broadcasts tfjs's cpu kernel gets right.
  tf.matMul(f([4, 3]), f([5, 4], 2), true, true), tf.matMul(f([2, 3, 3, 4]), f([4, 2], 2)), tf.matMul(f([1, 3, 4]), f([6, 4, 2], 2)),
  tf.matMul(f([2, 2, 3, 4]), f([2, 2, 4, 5], 2)), tf.matMul(f([7, 1, 3]), f([3, 9], 2)),
  tf.matMul(f([0, 4]), f([4, 3])), tf.matMul(f([2, 0]), f([0, 3])),
], 1e-5);
for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const) {
  same(`fused matMul with bias and ${activation}`, () => [
    tf.fused.matMul({ a: f([5, 4]), b: f([4, 3], 2), bias: f([3], 3), activation, leakyreluAlpha: 0.1 }),
    tf.fused.matMul({ a: f([2, 5, 4]), b: f([2, 3, 4], 2), transposeB: true, bias: f([5, 1], 3), activation }),
    tf.fused.matMul({ a: f([4, 5]), b: f([4, 3], 2), transposeA: true, activation }),
  ], 1e-5);
}

// ------------------------------------------------------------------ LSTM (ntp's own kernels)
// fusedLstm runs NtpLstm / NtpLstmGrad on ntp and the same recurrence in tfjs ops on cpu (native
// kernels off): every output step, the last step only, both directions, and all four gradients.
for (const goBackwards of [false, true]) {
  for (const returnSequences of [true, false]) {
    same(`LSTM forward and gradients (goBackwards ${goBackwards}, returnSequences ${returnSequences})`, () => {
      const x = f([3, 5, 2]), k = f([2, 12], 2), r = f([3, 12], 3), bias = f([12], 4);
      const w = f(returnSequences ? [3, 5, 3] : [3, 3], 5);
      const loss = (xi: tf.Tensor, ki: tf.Tensor, ri: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(fusedLstm(xi as tf.Tensor3D, ki as tf.Tensor2D, ri as tf.Tensor2D, bi as tf.Tensor1D, goBackwards, returnSequences), w));
      return [fusedLstm(x as tf.Tensor3D, k as tf.Tensor2D, r as tf.Tensor2D, bias as tf.Tensor1D, goBackwards, returnSequences),
        ...tf.grads(loss)([x, k, r, bias])];
    }, 1e-5, 1e-6);
  }
}

// ------------------------------------------------------------------ layer norm (ntp's own kernels)
// layerNorm runs NtpLayerNorm / NtpLayerNormGrad on ntp; on cpu the reference is the same math in
// tfjs ops, or with a dropout mask the cpu path's native kernel (the mask is a function of the
// seed, shared by both; tfjs's own dropout draws another).
for (const [label, shape, withResidual, rate] of [['plain', [3, 5, 8], false, 0], ['one feature', [2, 1], false, 0],
  ['with the residual', [4, 6], true, 0], ['with the residual and dropout', [3, 7, 5], true, 0.3]] as const) {
  same(`layer norm ${label}: values and gradients`, () => {
    const dim = shape[shape.length - 1];
    const x = f([...shape], 21), res = f([...shape], 22), gamma = f([dim], 23), beta = f([dim], 24), w = f([...shape], 25);
    const onCpu = tf.getBackend() === 'cpu';
    setNativeKernels(onCpu && rate > 0);
    try {
      const norm = (xi: tf.Tensor, ri: tf.Tensor | undefined, g: tf.Tensor, b: tf.Tensor) => (onCpu && rate === 0
        ? layerNormWithTfOps(xi, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, ri)
        : layerNorm(xi, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, ri, rate, 9));
      if (!withResidual) {
        const loss = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(norm(xi, undefined, g, b), w));
        return [norm(x, undefined, gamma, beta), ...tf.grads(loss)([x, gamma, beta])];
      }
      const loss = (xi: tf.Tensor, ri: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(norm(xi, ri, g, b), w));
      return [norm(x, res, gamma, beta), ...tf.grads(loss)([x, res, gamma, beta])];
    } finally {
      setNativeKernels(false);
    }
  }, 1e-5, 1e-6);
}

// ------------------------------------------------------------------ composite loss (NtpCompositeLoss)
// compositeTotal runs NtpCompositeLoss on ntp; on cpu with the native kernels off it is
// compositeLoss's tfjs ops, the definition: total and the gradient of every head output agree,
// with probabilities past and on the clip, a variance under and on its floor and price errors past
// Huber's delta.
for (const [label, B, H, trend, flat] of [['three horizons, extended trend', 6, 3, 'extended', false],
  ['one horizon, [B] outputs', 4, 1, 'extended', true], ['five horizons, local trend', 3, 5, 'local', false],
  ['two horizons, global trend', 5, 2, 'global', false]] as const) {
  same(`composite loss, ${label}: total and gradients`, () => {
    setNativeKernels(false);
    const shape = flat ? [B] : [B, 1];
    const names = ['price', 'direction', 'variance'].flatMap((head) => Array.from({ length: H }, (_, h) => `${head}_h${h}`));
    const heads = names.map((name, k) => {
      const v = values(B, 70 + k);
      // Past the clip, then on its float32 bounds; under the variance floor, then on it.
      const edges = name.startsWith('direction') ? [1, Math.fround(1e-7), 0, Math.fround(1 - 1e-7)] : [1e-8, Math.fround(1e-6)];
      if (name.startsWith('direction')) v.forEach((u, j) => (v[j] = edges[j] ?? (u + 3) / 6));
      if (name.startsWith('variance')) v.forEach((u, j) => (v[j] = edges[j] ?? 0.05 + (u + 3) / 4));
      return tf.tensor(v, shape, 'float32');
    });
    const y = f([B, H], 80), d = tf.cast(tf.greater(f([B, H], 81), 0), 'float32');
    const options = { losses: { trend: `trend_${trend}` }, horizonWeights: Array.from({ length: H }, (_, h) => 1 + h / 2),
      params: { huberDelta: 0.8, focalAlpha: Array.from({ length: H }, (_, h) => 0.6 + h / 20), focalGamma: 1.5, trendTau: 0.2 } };
    const total = (...xs: tf.Tensor[]) => compositeTotal(Object.fromEntries(names.map((n, k) => [n, xs[k]])), { y, d }, options);
    return [total(...heads), ...tf.grads(total)(heads)];
  }, 1e-5, 1e-6);
}

// ------------------------------------------------------------------ affine layers (linear, FusedDense)
// `linear` is NtpLinear / NtpLinearGrad on ntp and tfjs's fused.matMul path on cpu:
// values and the gradients of x, W and b agree, for 3-D and 2-D inputs, ReLU or not, bias or not.
for (const [label, xShape, N, activation, withBias] of [['3-D input, bias', [3, 5, 4], 6, 'linear', true],
  ['3-D input, ReLU', [2, 7, 3], 5, 'relu', true], ['2-D input, no bias', [4, 3], 2, 'linear', false],
  ['one row, ReLU, no bias', [1, 9], 1, 'relu', false]] as const) {
  same(`linear, ${label}: values and gradients`, () => {
    const K = xShape[xShape.length - 1];
    const x = f([...xShape], 51), w = f([K, N], 52), b = f([N], 53), g = f([...xShape.slice(0, -1), N], 54);
    const y = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => linear(xi, wi as tf.Tensor2D, (bi ?? null) as tf.Tensor1D | null, activation);
    if (!withBias) return [y(x, w), ...tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(y(xi, wi), g)))([x, w])];
    return [y(x, w, b), ...tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(y(xi, wi, bi), g)))([x, w, b])];
  }, 1e-5, 1e-6);
}

// On ntp `linear` is NtpLinear forward and NtpLinearGrad backward: the same GEMMs, mask and
// reduction as the _FusedMatMul, Step, Multiply, BatchMatMul and Sum kernels they replace.
test.serial('NtpLinear and NtpLinearGrad equal the kernels they replace, bit for bit', async (t) => {
  await tf.setBackend('ntp');
  const read = (ts: tf.Tensor[]) => ts.map((v) => Array.from(v.dataSync()));
  for (const [xShape, N, withBias] of [[[3, 5, 4], 6, true], [[7, 3], 1, false], [[2], 5, true]] as const) {
    for (const activation of ['linear', 'relu'] as const) {
      const K = xShape[xShape.length - 1], M = tf.util.sizeFromShape(xShape.slice(0, -1));
      const x = f([...xShape], 61), w = f([K, N], 62) as tf.Tensor2D, bias = withBias ? f([N], 63) as tf.Tensor1D : null;
      const g = f([...xShape.slice(0, -1), N], 64);
      const inputs = bias ? [x, w, bias] : [x, w];
      const y = (...xs: tf.Tensor[]) => linear(xs[0], xs[1] as tf.Tensor2D, (xs[2] ?? null) as tf.Tensor1D | null, activation);
      const got = tf.tidy(() => read([y(...inputs), ...tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(y(...xs), g)))(inputs)]));
      const want = tf.tidy(() => {
        const x2 = x.reshape([M, K]) as tf.Tensor2D, dy = g.reshape([M, N]);
        const out = tf.fused.matMul({ a: x2, b: w, bias: bias ?? undefined, activation });
        const dz = activation === 'relu' ? tf.mul(dy, tf.step(out)) : dy;
        return read([out, tf.matMul(dz, w, false, true), tf.matMul(x2, dz, true, false), ...(bias ? [tf.sum(dz, 0)] : [])]);
      });
      t.deepEqual(got, want, `x [${xShape}], N ${N}, ${activation}${bias ? ', bias' : ''}`);
      tf.dispose([x, w, g, ...(bias ? [bias] : [])]);
    }
  }
});

test.serial('linear reads a Variable kernel where it is instead of saving a copy: one Identity fewer, the same gradients', async (t) => {
  for (const backend of ['ntp', 'cpu']) {
    await tf.setBackend(backend);
    setNativeKernels(backend === 'cpu');
    const x = f([4, 3], 71), w = f([3, 2], 72), bias = f([2], 73), g = f([4, 2], 74), v = tf.variable(w.clone());
    const run = async (kernel: tf.Tensor) => {
      let grads: number[][] = [];
      const profile = await tf.profile(() => {
        grads = tf.tidy(() => tf.grads((xi: tf.Tensor, ki: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(linear(xi, ki as tf.Tensor2D, bi as tf.Tensor1D, 'relu'), g)))([x, kernel, bias])
          .map((d) => Array.from(d.dataSync())));
      });
      return { grads, copies: profile.kernels.filter((k) => k.name === 'Identity').length };
    };
    const [plain, variable] = [await run(w), await run(v)];
    t.deepEqual(variable.grads, plain.grads, backend);
    t.is(variable.copies, plain.copies - 1, backend);
    tf.dispose([x, w, bias, g, v]);
  }
  setNativeKernels(false);
});

test.serial('NtpLinear and NtpLinearGrad refuse operands and attributes that do not fit, naming them', async (t) => {
  await tf.setBackend('ntp');
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () => tf.tidy(() => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap));
  const x = f([2, 3], 1), x4 = f([2, 4], 4), w = f([4, 5], 2), dy = f([2, 5], 3), b4 = f([4], 5), b5 = f([5], 6), dy4 = f([2, 4], 7);
  t.throws(run(NTP_LINEAR, { x, w }, { activation: 'linear' }), { message: /NtpLinear needs x \[\.\.\., K\], w \[K, N\] with K >= 1 and bias \[N\] \(got \[2,3\], \[4,5\]\)/ });
  t.throws(run(NTP_LINEAR, { x: x4, w, bias: b4 }, { activation: 'linear', bias: true }), { message: /got \[2,4\], \[4,5\], \[4\]/ });
  t.throws(run(NTP_LINEAR, { x: x4, w, bias: b5 }, { activation: 'sigmoid', bias: true }), { message: /supports a linear or relu activation \(got sigmoid\)/ });
  t.throws(run(NTP_LINEAR, { x: x4, w, bias: b5 }, { activation: 'linear' }), { message: /bias attribute and its bias input disagree/ });
  t.throws(run(NTP_LINEAR_GRAD, { x: x4, w, dy }, { activation: 'relu' }), { message: /NtpLinearGrad needs float32 dy and y \(under a ReLU\) of shape \[2,5\] \(got \[2,5\]\)/ });
  t.throws(run(NTP_LINEAR_GRAD, { x: x4, w, dy: dy4 }, { activation: 'linear' }), { message: /needs float32 dy of shape \[2,5\] \(got \[2,4\]\)/ });
  t.throws(run(NTP_LINEAR_GRAD, { x: x4, w, dy }, { activation: 'elu' }), { message: /supports a linear or relu activation \(got elu\)/ });
  tf.dispose([x, x4, w, dy, b4, b5, dy4]);
});

test.serial('FusedDense saves as its own class, loads back, and predicts as tfjs Dense with the same weights', async (t) => {
  await tf.setBackend('cpu');
  const args = { units: 3, activation: 'relu' as const, kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) };
  const build = (layer: tf.layers.Layer) => {
    const input = tf.input({ shape: [5, 4] });
    return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  };
  const fused = build(fusedDense({ ...args, name: 'fd' })), plain = build(tf.layers.dense({ ...args, name: 'pd' }));
  plain.setWeights(fused.getWeights());
  const x = f([2, 5, 4], 61);
  const want = plain.predict(x) as tf.Tensor;
  const loaded = await tf.models.modelFromJSON(fused.toJSON(null, false) as unknown as tf.io.ModelJSON);
  loaded.setWeights(fused.getWeights());
  t.is(loaded.layers[1].getClassName(), 'FusedDense');
  t.deepEqual((loaded.layers[1].getConfig().kernelRegularizer as { config: { l2: number } }).config.l2, 0.01);
  for (const backend of ['cpu', 'ntp']) {
    await tf.setBackend(backend);
    const got = tf.tidy(() => Array.from((loaded.predict(x) as tf.Tensor).dataSync()));
    const ref = Array.from(want.dataSync());
    t.true(got.every((v, i) => close(v, ref[i], 1e-6, 1e-7)), `${backend}: ${got} vs ${ref}`);
  }
  await tf.setBackend('cpu');
  tf.dispose([x, want]);
  fused.dispose();
  plain.dispose();
  loaded.dispose();
});

// ------------------------------------------------------------------ dropout (ntp's own kernel)
// tfjs's dropout draws its mask in JS, so there is no cpu kernel to compare with: the checks are
// its definition, its gradient, and that its mask is the fused layer norm's (one mask function).
test.serial('NtpDropout keeps x / (1 - rate) or 0 by its seed, its gradient uses the same mask, and the mask is the fused kernels\'', async (t) => {
  const n = 20000, rate = 0.3, w = values(n, 42);
  const x = values(n, 41).map((v) => v + 4);  // never 0, so a kept element is told apart
  const [y, g, again, other] = await runOn('ntp', () => {
    const xt = tf.tensor1d(x), wt = tf.tensor1d(w);
    return [dropout(xt, rate, 9), tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(dropout(xi, rate, 9), wt)))(xt), dropout(xt, rate, 9), dropout(xt, rate, 10)];
  });
  const kept = y.values.map((v) => v !== 0);
  const bad = y.values.findIndex((v, i) => v !== 0 && !close(v, x[i] / (1 - rate), 1e-6, 0));
  t.is(bad, -1, `element ${bad}: ${y.values[bad]} for x ${x[bad]}`);
  const share = kept.filter(Boolean).length / n;
  t.true(Math.abs(share - (1 - rate)) < 0.015, `kept ${share}`);
  t.deepEqual(again.values, y.values, 'the same seed, the same mask');
  t.notDeepEqual(other.values, y.values, 'another seed, another mask');
  const badGrad = g.values.findIndex((v, i) => !close(v, kept[i] ? w[i] / (1 - rate) : 0, 1e-6, 0));
  t.is(badGrad, -1, `gradient ${badGrad}: ${g.values[badGrad]}`);
  // The cpu path's fused residual + layer norm with x = 0 and a residual of ones writes
  // s = mask / (1 - rate) for its backward pass: the same mask must come out.
  const rows = 100, dim = 200, sum = new Float32Array(n);
  nativeAddon().layerNormForward({ x: new Float32Array(n), gamma: new Float32Array(dim).fill(1), beta: new Float32Array(dim), rows, dim,
    epsilon: 1e-3, residual: new Float32Array(n).fill(1), dropout: rate, seed: 9, out: { y: new Float32Array(n), mean: new Float32Array(rows),
      rstd: new Float32Array(rows), sum } });
  t.deepEqual(Array.from(sum, (v) => v !== 0), kept);
});

test.serial('NtpDropout refuses a rate outside [0, 1) and a seed that is not an integer below 2^53', async (t) => {
  await tf.setBackend('ntp');
  const x = f([4]);
  const run = (rate: number, seed: number) => tf.engine().runKernel(NTP_DROPOUT, { x }, { rate, seed } as unknown as tf.NamedAttrMap);
  t.throws(() => run(1, 3), { message: /alpha must be in \[0, 1\)/ });
  t.throws(() => run(-0.1, 3), { message: /alpha must be in \[0, 1\)/ });
  t.throws(() => run(0.5, 1.5), { message: /beta/ });
  t.throws(() => run(0.5, 2 ** 53), { message: /beta/ });
  t.throws(() => dropout(x, 1, 3), { message: /rate must be in \[0, 1\)/ });
  tf.dispose(x);
});

// ------------------------------------------------------------------ attention (ntp's own kernels)
// multiHeadAttention runs NtpAttention / NtpAttentionGrad on ntp; the cpu reference is the tfjs-op
// form, or with dropout the cpu path's native kernel (the same seeded mask). Inputs at a Dense
// projection's scale: with |q.k| in the tens the softmax saturates and its gradient is a
// difference of nearly equal terms, where the host kernel's polynomial exp (2e-7) shows.
for (const [label, B, T, H, Kd, rate] of [['two heads', 2, 5, 2, 3, 0], ['one step, one head', 3, 1, 1, 4, 0],
  ['with dropout', 2, 6, 3, 2, 0.25]] as const) {
  same(`attention ${label}: values and gradient`, () => {
    const qkv = tf.mul(f([B, T, 3 * H * Kd], 31), 0.3), w = f([B, T, H * Kd], 32);
    const onCpu = tf.getBackend() === 'cpu';
    setNativeKernels(onCpu && rate > 0);
    try {
      const attend = (x: tf.Tensor) => (onCpu && rate === 0 ? attentionWithTfOps(x as tf.Tensor3D, H, Kd) : multiHeadAttention(x as tf.Tensor3D, H, Kd, rate, 5));
      return [attend(qkv), tf.grad((x: tf.Tensor) => tf.sum(tf.mul(attend(x), w)))(qkv)];
    } finally {
      setNativeKernels(false);
    }
  }, 1e-5, 1e-6);
}

// ------------------------------------------------------------------ learnable indicators
// indicatorOp runs NtpIndicator / NtpIndicatorGrad on ntp (double accumulation, as the native
// kernels) and the float32 tfjs-op recurrences on cpu: values and both gradients, float32-sized.
const INDICATOR_PERIODS: Record<IndicatorKind, number[]> = { ma: [5, 12.5], macd: [12, 26, 9, 5, 10.5, 4], rsi: [14, 3.2],
  bollinger: [20, 7.5], momentum: [3.5, 1, 10] };
for (const kind of INDICATOR_KINDS) {
  same(`learnable indicator ${kind}: values and gradients`, () => {
    const r = mulberry32(11);
    const B = 4, T = 30;
    const rows = Array.from({ length: B }, () => {
      let c = 1;
      const row = Array.from({ length: T }, () => (c *= 1 + 0.02 * (r() - 0.5)));
      return row.map((v) => v / row[T - 1]);  // normalised by the last close, as the layer feeds them
    });
    const close = tf.tensor2d(rows.flat(), [B, T]), periods = tf.tensor1d(INDICATOR_PERIODS[kind]);
    const impl = tf.getBackend() === 'cpu' ? 'tfjs' : 'auto';
    const w = f([B, INDICATOR_PERIODS[kind].length], 6);
    const loss = (c: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(indicatorOp(kind, c, p, impl), w));
    return [indicatorOp(kind, close, periods, impl), ...tf.grads(loss)([close, periods])];
  }, 5e-5, 5e-5);
}

// A layer's periods, clip(exp(w * scale), min, max): NtpPeriods / NtpPeriodsGrad on ntp, the tfjs
// ops elsewhere; weights inside the range, past both ends, and exactly on the raw range's ends.
const periodsWith = (onNtp: boolean, w: tf.Tensor, scale: number, min: number, max: number) => (onNtp
  ? periodsOnNtp(w, scale, min, max)
  : tf.clipByValue(scale === 0 ? w : tf.exp(tf.mul(w, scale)), min, max));
for (const scale of [0, 0.5]) {
  same(`indicator periods, scale ${scale}: values and gradients`, () => {
    // Below, on and above the range [2, 30] (scale 0: the weight is the period; 0.5: exp(w / 2)).
    const w = tf.tensor1d(scale === 0 ? [1, 2.5, 7, 30, 40, 2, 9] : [-1, 0.5, 2.2, 6.5, 9, 3.1, 5.5]);
    const g = f([7], 9);
    const onNtp = tf.getBackend() === 'ntp';
    return [periodsWith(onNtp, w, scale, 2, 30), tf.grad((wi: tf.Tensor) => tf.sum(tf.mul(periodsWith(onNtp, wi, scale, 2, 30), g)))(w)];
  }, 1e-6, 1e-6);
}

test.serial('NtpPeriods and NtpPeriodsGrad equal the Multiply, Exp and ClipByValue kernels they replace, bit for bit', async (t) => {
  await tf.setBackend('ntp');
  // Weights in [-3, 3) plus the range's own ends: exp(0.37 w) in [0.33, 3.03) against [0.5, 2]
  // clips at both ends; scale 0 puts -1 and 2 exactly on the ends (inside: the gradient flows).
  for (const [scale, min, max] of [[0, -1, 2], [0.37, 0.5, 2]] as const) {
    const w = tf.concat([f([40], 31), tf.tensor1d([-1, 2])]), g = f([42], 32);
    const run = (onNtp: boolean) => tf.tidy(() => [periodsWith(onNtp, w, scale, min, max),
      tf.grad((wi: tf.Tensor) => tf.sum(tf.mul(periodsWith(onNtp, wi, scale, min, max), g)))(w)].map((v) => Array.from(v.dataSync())));
    t.deepEqual(run(true), run(false), `scale ${scale}`);
    tf.dispose([w, g]);
  }
  const w = tf.tensor1d([1, 2]), dy = tf.tensor1d([1]);
  const attrs = (scale: number) => ({ scale, min: 0, max: 1 } as unknown as tf.NamedAttrMap);
  t.throws(() => tf.engine().runKernel(NTP_PERIODS, { w }, attrs(-1)), { message: /NtpPeriods needs a scale >= 0 and min <= max \(got -1, 0, 1\)/ });
  t.throws(() => tf.engine().runKernel(NTP_PERIODS_GRAD, { w, dy }, attrs(1)), { message: /NtpPeriodsGrad needs dy of w's shape \[2\] \(got \[1\]\)/ });
  tf.dispose([w, dy]);
});

test.serial('learnable indicator periods outside their domain are refused on ntp before any kernel runs', async (t) => {
  await tf.setBackend('ntp');
  const close = f([2, 10], 7, 'positive');
  // A momentum lag past the window would read before the row on a GPU, where the kernel cannot check it.
  t.throws(() => indicatorOp('momentum', close, tf.tensor1d([9])), { message: /momentum: periods\[0\] = 9 is outside \[1, time-2\]/ });
  t.throws(() => indicatorOp('ma', close, tf.tensor1d([5, 0.5])), { message: /ma: periods\[1\] = 0.5 is outside \[1, inf\)/ });
  tf.dispose(close);
});

test.serial('the cases above dispatched every kernel the ntp backend registers', (t) => {
  const missed = NTP_KERNELS.filter((k) => !dispatched.has(k));
  t.deepEqual(missed, [], `kernels without a comparison: ${missed.join(', ')}`);
});
