import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { attentionWithTfOps, layerNorm, layerNormWithTfOps, multiHeadAttention, reluOp } from '../../src/models/fused-ops.js';
import { setNativeKernels } from '../../src/models/native-kernels.js';

await tf.setBackend('cpu');
setNativeKernels(true);

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** f(x) as computed while a gradient is recorded: the path training takes (keeps its backward buffers). */
function recordedValue(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
  let value: tf.Tensor | undefined;
  tf.grad((xi: tf.Tensor) => {
    const y = f(xi);
    value = tf.keep(y.clone());
    return tf.sum(y);
  })(x);
  return value!;
}

test('with no gradient recorded (predict), attention and layer norm give the training path\'s values', (t) => {
  const [B, T, H, K] = [5, 13, 4, 6];
  const qkv = tf.randomNormal([B, T, 3 * H * K], 0, 1, 'float32', 21) as tf.Tensor3D;
  const attention = (x: tf.Tensor) => multiHeadAttention(x as tf.Tensor3D, H, K);
  t.is(maxDiff(attention(qkv), recordedValue(attention, qkv)), 0);
  const x = tf.randomNormal([B, T, 16], 0, 1, 'float32', 22);
  const res = tf.randomNormal([B, T, 16], 0, 1, 'float32', 23);
  const gamma = tf.randomNormal([16], 1, 0.3, 'float32', 24) as tf.Tensor1D;
  const beta = tf.randomNormal([16], 0, 0.3, 'float32', 25) as tf.Tensor1D;
  for (const residual of [undefined, res]) {
    const norm = (a: tf.Tensor) => layerNorm(a, gamma, beta, 1e-3, residual);
    t.is(maxDiff(norm(x), recordedValue(norm, x)), 0, `residual: ${residual !== undefined}`);
  }
});

test('native multi-head attention matches the tfjs-ops version, forward and gradient', (t) => {
  const [B, T, H, K] = [3, 11, 4, 5];
  const qkv = tf.randomNormal([B, T, 3 * H * K], 0, 1, 'float32', 1) as tf.Tensor3D;
  const r = tf.randomNormal([B, T, H * K], 0, 1, 'float32', 2);
  const native = multiHeadAttention(qkv, H, K);
  const ref = attentionWithTfOps(qkv, H, K);
  t.deepEqual(native.shape, [B, T, H * K]);
  t.true(maxDiff(native, ref) < 1e-5, `forward ${maxDiff(native, ref)}`);
  const gn = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(multiHeadAttention(x as tf.Tensor3D, H, K), r)))(qkv);
  const gr = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(attentionWithTfOps(x as tf.Tensor3D, H, K), r)))(qkv);
  t.true(maxDiff(gn, gr) < 1e-4, `gradient ${maxDiff(gn, gr)}`);
});

test('attention dropout zeroes weights, rescales the rest, and its gradient uses the same mask', (t) => {
  const [B, T, H, K] = [2, 16, 2, 4];
  // V = identity-like rows make the output reveal the (dropped) attention weights: with Q = K = 0
  // every weight is 1/T, so each output element is a sum of kept weights * V.
  const qkvData = new Float32Array(B * T * 3 * H * K);
  for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) for (let h = 0; h < H; h++) {
    qkvData[((b * T + s) * 3 + 2) * H * K + h * K] = 1;  // V[:, h, 0] = 1
  }
  const qkv = tf.tensor3d(qkvData, [B, T, 3 * H * K]);
  const out = multiHeadAttention(qkv, H, K, 0.5, 1).dataSync();
  // Output column 0 of each head = (kept count / T) / (1 - 0.5); over all rows ~1 on average.
  let sum = 0, n = 0;
  for (let i = 0; i < out.length; i += K) { sum += out[i]; n++; }
  t.true(Math.abs(sum / n - 1) < 0.15, `mean of dropped-out weights ${sum / n}`);
  t.true(out.some((v, i) => i % K === 0 && Math.abs(v - 1) > 1e-3), 'some rows differ from the no-dropout value');
  // The seed decides the mask: the same seed gives the same one, another seed another.
  t.deepEqual(Array.from(multiHeadAttention(qkv, H, K, 0.5, 1).dataSync()), Array.from(out));
  t.notDeepEqual(Array.from(multiHeadAttention(qkv, H, K, 0.5, 2).dataSync()), Array.from(out));
  t.throws(() => multiHeadAttention(qkv, H, K, 0.5), { instanceOf: RangeError, message: /needs the seed of its mask/ });
  // The gradient w.r.t. V is W_dropped^T dO. With loss = sum(output) (only column 0 of V is
  // non-zero), the sum of dV[..., 0] equals the loss itself only if the backward pass applied
  // the same mask as the forward pass of that call.
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.sum(multiHeadAttention(x as tf.Tensor3D, H, K, 0.5, 3)))(qkv);
  const g = grad.dataSync();
  let dvSum = 0;
  for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) for (let h = 0; h < H; h++) dvSum += g[((b * T + s) * 3 + 2) * H * K + h * K];
  t.true(Math.abs(dvSum - value.dataSync()[0]) < 1e-3, `sum dV ${dvSum} vs loss ${value.dataSync()[0]}`);
});

test('native layer norm matches the tfjs-ops version, forward and gradients', (t) => {
  const x = tf.randomNormal([7, 5, 33], 0, 2, 'float32', 3);
  const gamma = tf.randomNormal([33], 1, 0.3, 'float32', 4) as tf.Tensor1D;
  const beta = tf.randomNormal([33], 0, 0.3, 'float32', 5) as tf.Tensor1D;
  const r = tf.randomNormal([7, 5, 33], 0, 1, 'float32', 6);
  t.true(maxDiff(layerNorm(x, gamma, beta), layerNormWithTfOps(x, gamma, beta)) < 1e-5);
  const f = (impl: typeof layerNorm) => tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(impl(a, g as tf.Tensor1D, b as tf.Tensor1D), r)))([x, gamma, beta]);
  const gn = f(layerNorm), gr = f(layerNormWithTfOps);
  ['x', 'gamma', 'beta'].forEach((name, i) => t.true(maxDiff(gn[i], gr[i]) < 1e-4, `${name}: ${maxDiff(gn[i], gr[i])}`));
});

test('fused residual + layer norm matches the tfjs-ops version, and its dropout mask is consistent', (t) => {
  const x = tf.randomNormal([6, 9, 16], 0, 1, 'float32', 7);
  const res = tf.randomNormal([6, 9, 16], 0, 1, 'float32', 8);
  const gamma = tf.randomNormal([16], 1, 0.3, 'float32', 9) as tf.Tensor1D;
  const beta = tf.randomNormal([16], 0, 0.3, 'float32', 10) as tf.Tensor1D;
  const r = tf.randomNormal([6, 9, 16], 0, 1, 'float32', 11);
  t.true(maxDiff(layerNorm(x, gamma, beta, 1e-3, res), layerNormWithTfOps(x, gamma, beta, 1e-3, res)) < 1e-5);
  const f = (impl: typeof layerNorm, rate: number) => tf.grads((a: tf.Tensor, b: tf.Tensor, g: tf.Tensor, be: tf.Tensor) =>
    tf.sum(tf.mul(impl(a, g as tf.Tensor1D, be as tf.Tensor1D, 1e-3, b, rate, 5), r)))([x, res, gamma, beta]);
  const gn = f(layerNorm, 0), gr = f(layerNormWithTfOps, 0);
  ['x', 'residual', 'gamma', 'beta'].forEach((name, i) => t.true(maxDiff(gn[i], gr[i]) < 1e-4, `${name}: ${maxDiff(gn[i], gr[i])}`));
  // With dropout 0.25: d residual is 0 where the branch was dropped and d x / 0.75 where kept,
  // so forward and backward used the same mask.
  const [dx, dres] = f(layerNorm, 0.25).map((g) => g.dataSync());
  let dropped = 0;
  for (let i = 0; i < dx.length; i++) {
    if (dres[i] === 0) dropped++;
    else t.true(Math.abs(dres[i] - dx[i] / 0.75) < 1e-5 * Math.max(1, Math.abs(dres[i])), `element ${i}`);
  }
  t.true(Math.abs(dropped / dx.length - 0.25) < 0.08, `dropped fraction ${dropped / dx.length}`);
});

test('reluOp matches tf.relu forward and gradient (small: JS loops, large: the addon)', (t) => {
  for (const shape of [[5, 7, 3], [40, 64, 8]]) {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 12);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 13);
    t.is(maxDiff(reluOp(x), tf.relu(x)), 0);
    const g1 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(reluOp(a), r)))(x);
    const g2 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), r)))(x);
    t.is(maxDiff(g1, g2), 0);
  }
});

test('bad shapes are rejected with the expected shape in the message', (t) => {
  t.throws(() => multiHeadAttention(tf.zeros([2, 3, 10]) as tf.Tensor3D, 2, 2), { message: /qkv must be \[batch, steps, 12\]/ });
  t.throws(() => layerNorm(tf.zeros([2, 4]), tf.zeros([3]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D), { message: /gamma and beta must be \[4\]/ });
  t.throws(() => layerNorm(tf.zeros([2, 4]), tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, 1e-3, tf.zeros([2, 3])), { message: /residual must have the input's shape \[2,4\]/ });
});
