import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { setNativeKernels, nativeKernelsEnabled } from '../../src/models/native-kernels.js';

await tf.setBackend('cpu');

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/** Runs fn with the native kernels on and off and returns both results as arrays. */
function both<T>(fn: () => T): { native: T; js: T } {
  setNativeKernels(true);
  const native = fn();
  setNativeKernels(false);
  const js = fn();
  return { native, js };
}

function assertClose(t: import('ava').ExecutionContext, a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  t.is(a.length, b.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  t.true(worst <= tol, `${what}: max rel diff ${worst}`);
}

test.serial('switch registers and restores the kernels', (t) => {
  const original = tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc;
  t.true(setNativeKernels(true));
  t.true(nativeKernelsEnabled());
  t.not(tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc, original);
  t.false(setNativeKernels(false));
  t.is(tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc, original);
});

test.serial('matMul matches tfjs-cpu on random shapes, transposes, batches and odd sizes', (t) => {
  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [1, 1], b: [1, 1], ta: false, tb: false },
    { a: [7, 13], b: [13, 5], ta: false, tb: false },
    { a: [13, 7], b: [13, 5], ta: true, tb: false },
    { a: [7, 13], b: [5, 13], ta: false, tb: true },
    { a: [13, 7], b: [5, 13], ta: true, tb: true },
    { a: [3, 33, 65], b: [3, 65, 17], ta: false, tb: false },
    { a: [2, 3, 9, 4], b: [2, 3, 5, 4], ta: false, tb: true },
    { a: [1, 31, 6], b: [4, 6, 29], ta: false, tb: false },   // a's batch broadcasts
    { a: [4, 6, 31], b: [6, 29], ta: true, tb: false },        // rank-2 b broadcasts
    { a: [300, 70], b: [70, 130], ta: false, tb: false },      // several blocks
  ];
  cases.forEach((c, i) => {
    const r = both(() => tf.tidy(() => tf.matMul(rand(c.a, i), rand(c.b, 100 + i), c.ta, c.tb).dataSync()));
    assertClose(t, r.native, r.js, 1e-5, `case ${i} ${JSON.stringify(c)}`);
  });
});

test.serial('fused matMul with bias and activations matches tfjs-cpu', (t) => {
  for (const activation of ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const) {
    const r = both(() => tf.tidy(() => tf.fused.matMul({
      a: rand([2, 11, 19], 1), b: rand([19, 23], 2), bias: rand([23], 3), activation, leakyreluAlpha: 0.3,
    }).dataSync()));
    assertClose(t, r.native, r.js, 1e-5, activation);
  }
  // A full-shape bias and a transposed product.
  const r = both(() => tf.tidy(() => tf.fused.matMul({
    a: rand([19, 11], 4), b: rand([23, 19], 5), transposeA: true, transposeB: true, bias: rand([11, 23], 6), activation: 'relu',
  }).dataSync()));
  assertClose(t, r.native, r.js, 1e-5, 'full bias');
});

test.serial('gradients through matMul and fused matMul match tfjs-cpu', (t) => {
  // (tfjs's BatchMatMul gradient does not reduce broadcast batch dims, so batched operands here
  // have equal batch sizes.)
  const a = rand([51, 9], 7), b = rand([9, 12], 8), bias = rand([12], 9), c = rand([3, 17, 9], 10), d = rand([3, 12, 9], 11);
  const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor, u: tf.Tensor, v: tf.Tensor) =>
    tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias: z, activation: 'relu' }).square().sum()
      .add(tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias: z }).sum())
      .add(tf.matMul(x, tf.matMul(y, y, false, true)).sum())
      .add(tf.matMul(u, v, false, true).square().sum());
  const r = both(() => tf.tidy(() => tf.grads(f)([a, b, bias, c, d]).map((g) => Array.from(g.dataSync()))));
  r.native.forEach((g, i) => assertClose(t, g, r.js[i], 1e-4, `grad ${i}`));
});

test.serial('int32 products fall back to the original kernel', (t) => {
  const r = both(() => tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([[1, 2]], [1, 2], 'int32'), tf.tensor2d([[3], [4]], [2, 1], 'int32')).dataSync())));
  t.deepEqual(r.native, [11]);
  t.deepEqual(r.js, [11]);
});

test.serial('Sum and Mean over contiguous axes match tfjs-cpu (and other axes fall back)', (t) => {
  const x = rand([3, 5, 7, 2], 12);
  for (const [axis, keepDims, op] of [[0, false, 'sum'], [[1, 2], true, 'sum'], [3, false, 'sum'], [-1, true, 'sum'], [[0, 1, 2, 3], false, 'sum'],
    [[0, 2], false, 'sum'], [undefined, false, 'sum'], [1, false, 'mean'], [[0, 1], true, 'mean'], [[1, 3], false, 'mean']] as const) {
    const r = both(() => tf.tidy(() => {
      const s = tf[op](x, axis as number | number[] | undefined, keepDims);
      return { shape: s.shape, v: Array.from(s.dataSync()) };
    }));
    t.deepEqual(r.native.shape, r.js.shape, `shape for axis ${JSON.stringify(axis)}`);
    assertClose(t, r.native.v, r.js.v, 1e-5, `axis ${JSON.stringify(axis)}`);
  }
});

test.serial('SplitV (concat gradients) matches tfjs-cpu on every axis', (t) => {
  const x = rand([4, 6, 9], 13);
  for (const [sizes, axis] of [[[2, 1, 1], 0], [[1, 5], 1], [[3, -1, 2], 2], [3, -1]] as const) {
    const r = both(() => tf.tidy(() => tf.split(x, sizes as number | number[], axis).map((p) => ({ shape: p.shape, v: Array.from(p.dataSync()) }))));
    t.is(r.native.length, r.js.length);
    r.native.forEach((p, i) => {
      t.deepEqual(p.shape, r.js[i].shape);
      t.deepEqual(p.v, r.js[i].v);
    });
  }
});

test.serial('Transpose matches tfjs-cpu for identity, 2-D and higher-rank permutations', (t) => {
  for (const [shape, perm] of [[[64, 128], [0, 1]], [[64, 128], [1, 0]], [[3, 5, 7, 2], [2, 0, 3, 1]], [[4, 6, 9], [0, 2, 1]],
    [[5], [0]], [[0, 3], [1, 0]]] as const) {
    const x = rand(shape as unknown as number[], 14);
    const r = both(() => tf.tidy(() => {
      const y = tf.transpose(x, perm as unknown as number[]);
      return { shape: y.shape, v: Array.from(y.dataSync()) };
    }));
    t.deepEqual(r.native.shape, r.js.shape, `shape for perm ${perm}`);
    t.deepEqual(r.native.v, r.js.v, `values for shape ${shape} perm ${perm}`);
  }
});

test.serial('Add, Sub and Multiply match tfjs-cpu exactly for every broadcast they see, native or not', (t) => {
  const cases: [number[], number[]][] = [
    [[64, 128], [64, 128]],       // same shape (native)
    [[144, 64, 16], []],          // scalar (native)
    [[144, 64, 16], [16]],        // bias-like trailing block (native)
    [[144, 64, 16], [1, 64, 16]], // trailing block with a leading 1 (native)
    [[8, 16], [16]],              // small: JS kernel
    [[144, 64, 16], [144, 1, 16]],// a middle broadcast: JS kernel
    [[16], [144, 64, 16]],        // the smaller operand first
  ];
  for (const [i, [sa, sb]] of cases.entries()) {
    for (const op of ['add', 'sub', 'mul'] as const) {
      const { native, js } = both(() => tf.tidy(() => Array.from(tf[op](rand(sa, 10 + i), rand(sb, 20 + i)).dataSync())));
      t.deepEqual(native, js, `${op} [${sa}] with [${sb}]`);
    }
  }
  // Integer tensors always use the JS kernel.
  const { native, js } = both(() => Array.from(tf.add(tf.fill([70, 70], 3, 'int32'), tf.scalar(2, 'int32')).dataSync()));
  t.deepEqual(native, js);
});
