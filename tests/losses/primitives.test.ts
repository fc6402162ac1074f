import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { binaryCrossEntropy } from '../../src/losses/bce.js';
import { binaryFocal } from '../../src/losses/focal.js';
import { gaussianNll } from '../../src/losses/gaussian-nll.js';
import { huber, huberElementwise } from '../../src/losses/huber.js';
import { close, closeAll } from './approx.js';

await tf.setBackend('cpu');

const value = (x: tf.Tensor) => x.dataSync()[0];
// The clip bounds as float32 holds them: 1 - 1e-7 rounds to 1 - 2^-23.
const P_MIN = Math.fround(1e-7);
const P_MAX = Math.fround(1 - 1e-7);

test('huber is quadratic inside delta and linear outside', (t) => {
  // 0.5 * 0.5^2 = 0.125; |-2| > 1: 1 * (2 - 0.5) = 1.5; at |e| = delta both pieces give 0.5.
  closeAll(t, huberElementwise(tf.tensor1d([0.5, -2, 1, 0])).dataSync(), [0.125, 1.5, 0.5, 0]);
  close(t, value(huber(tf.tensor1d([1.5, 0]), tf.tensor1d([1, 2]))), (0.125 + 1.5) / 2);
  // delta 2: e = 3 -> 2 * (3 - 1) = 4
  close(t, value(huberElementwise(tf.scalar(3), 2)), 4);
});

test('huber of [B, H] is the batch mean per horizon', (t) => {
  const pred = tf.tensor2d([[0.5, 3], [0, -1]]);
  const target = tf.zeros([2, 2]);
  // column 0: (0.125 + 0) / 2; column 1: (2.5 + 0.5) / 2
  closeAll(t, huber(pred, target).dataSync(), [0.0625, 1.5]);
});

test('huber rejects a non-positive delta by name', (t) => {
  t.throws(() => huberElementwise(tf.scalar(1), 0), { message: /delta must be a finite number > 0 \(got 0\)/ });
});

test('focal matches the SPEC formula at hand-computed points', (t) => {
  // p = 0.9, d = 1: -0.7 * 0.1 * ln 0.9;  p = 0.2, d = 0: -0.3 * 0.2 * ln 0.8
  const up = -0.7 * 0.1 * Math.log(0.9);
  const down = -0.3 * 0.2 * Math.log(0.8);
  close(t, value(binaryFocal(tf.tensor1d([0.9]), tf.tensor1d([1]))), up);
  close(t, value(binaryFocal(tf.tensor1d([0.2]), tf.tensor1d([0]))), down);
  close(t, value(binaryFocal(tf.tensor1d([0.9, 0.2]), tf.tensor1d([1, 0]))), (up + down) / 2);
  // gamma 2, alpha 0.5: -0.5 * 0.3^2 * ln 0.7
  close(t, value(binaryFocal(tf.tensor1d([0.7]), tf.tensor1d([1]), { alpha: 0.5, gamma: 2 })), -0.5 * 0.09 * Math.log(0.7));
});

test('focal clips p = 0 and p = 1 to finite losses', (t) => {
  const wrongUp = -0.7 * (1 - P_MIN) * Math.log(P_MIN); // d = 1 but p = 0
  const wrongDown = -0.3 * P_MAX * Math.log(1 - P_MAX); // d = 0 but p = 1
  const rightUp = -0.7 * (1 - P_MAX) * Math.log(P_MAX); // d = 1 and p = 1: almost 0
  close(t, value(binaryFocal(tf.tensor1d([0]), tf.tensor1d([1]))), wrongUp);
  close(t, value(binaryFocal(tf.tensor1d([1]), tf.tensor1d([0]))), wrongDown);
  close(t, value(binaryFocal(tf.tensor1d([1]), tf.tensor1d([1]))), rightUp, { abs: 1e-9, rel: 1e-3 });
  t.true(wrongUp > 11 && wrongUp < 12);
});

test('focal with all labels of one class only has that class term', (t) => {
  const p = tf.tensor1d([0.1, 0.6, 0.95]);
  const allUp = [0.1, 0.6, 0.95].map((q) => -0.7 * (1 - q) * Math.log(q));
  const allDown = [0.1, 0.6, 0.95].map((q) => -0.3 * q * Math.log(1 - q));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  close(t, value(binaryFocal(p, tf.ones([3]))), mean(allUp));
  close(t, value(binaryFocal(p, tf.zeros([3]))), mean(allDown));
});

test('focal rejects alpha outside [0, 1] and negative gamma by name', (t) => {
  const p = tf.tensor1d([0.5]);
  t.throws(() => binaryFocal(p, p, { alpha: 1.5 }), { message: /alpha must be a number in \[0, 1\] \(got 1.5\)/ });
  t.throws(() => binaryFocal(p, p, { gamma: -1 }), { message: /gamma must be a finite number >= 0 \(got -1\)/ });
});

test('bce matches -(t ln p + (1-t) ln(1-p)), with soft labels', (t) => {
  close(t, value(binaryCrossEntropy(tf.tensor1d([0.8]), tf.tensor1d([1]))), -Math.log(0.8));
  close(t, value(binaryCrossEntropy(tf.tensor1d([0.5]), tf.tensor1d([0.25]))), Math.log(2));
  close(t, value(binaryCrossEntropy(tf.tensor1d([0]), tf.tensor1d([1]))), -Math.log(P_MIN));
});

test('gaussian nll matches 0.5 (ln s2 + (y - mu)^2 / s2)', (t) => {
  close(t, value(gaussianNll(tf.tensor1d([0.1]), tf.tensor1d([0.5]), tf.tensor1d([0.3]))), 0.5 * (Math.log(0.5) + 0.04 / 0.5));
  // per horizon: column 0 exact (mu = y, s2 = 1) -> 0; column 1: 0.5 (ln 2 + 4 / 2)
  const nll = gaussianNll(tf.tensor2d([[0, 1]]), tf.tensor2d([[1, 2]]), tf.tensor2d([[0, 3]]));
  closeAll(t, nll.dataSync(), [0, 0.5 * (Math.log(2) + 2)]);
});

test('gaussian nll stays finite at the smallest head variance and floors zero variance', (t) => {
  const s2 = Math.fround(1e-6);
  const expected = 0.5 * (Math.log(s2) + 0.25 / s2); // about 1.25e5
  const atFloor = value(gaussianNll(tf.tensor1d([0]), tf.tensor1d([1e-6]), tf.tensor1d([0.5])));
  const atZero = value(gaussianNll(tf.tensor1d([0]), tf.tensor1d([0]), tf.tensor1d([0.5])));
  t.true(Number.isFinite(atFloor));
  close(t, atFloor, expected, { abs: 0, rel: 1e-6 });
  t.is(atZero, atFloor);
  // and the gradient is finite there as well
  const g = tf.grad((v: tf.Tensor) => gaussianNll(tf.tensor1d([0]), v, tf.tensor1d([0.5])) as tf.Scalar)(tf.tensor1d([1e-6]));
  t.true(Number.isFinite(g.dataSync()[0]));
});

test('mismatched shapes are named instead of broadcast', (t) => {
  const b = tf.zeros([3]);
  const bh = tf.zeros([3, 3]);
  t.throws(() => huber(b, bh), { message: 'target has shape [3, 3], expected the shape of pred [3]' });
  t.throws(() => binaryFocal(bh, b), { message: 'd has shape [3], expected the shape of p [3, 3]' });
  t.throws(() => binaryCrossEntropy(b, bh), { message: 'target has shape [3, 3], expected the shape of p [3]' });
  t.throws(() => gaussianNll(b, b, bh), { message: 'y has shape [3, 3], expected the shape of mu [3]' });
});
