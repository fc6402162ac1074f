import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { trendExtended, trendGlobal, trendLocal } from '../../src/losses/trend.js';
import { close } from './approx.js';

await tf.setBackend('cpu');

const value = (x: tf.Tensor) => x.dataSync()[0];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const bce = (p: number, target: number) => -(target * Math.log(p) + (1 - target) * Math.log(1 - p));

// Two samples, three horizons.
const rHat = tf.tensor2d([[0.1, 0.3, 0.2], [0, 0, 0]]);
const r = tf.tensor2d([[0, 0.5, 2], [0, 0.4, 0.4]]);

test('local trend: mean over adjacent pairs and the batch of Huber of the step error', (t) => {
  // row 0: predicted steps (0.2, -0.1), true steps (0.5, 1.5) -> errors -0.3, -1.6 -> 0.045, 1.1
  // row 1: predicted steps (0, 0), true steps (0.4, 0) -> errors -0.4, 0 -> 0.08, 0
  close(t, value(trendLocal(rHat, r)), (0.045 + 1.1 + 0.08 + 0) / 4);
});

test('global trend: Huber of the first-to-last span error, batch mean', (t) => {
  // row 0: 0.1 - 2 = -1.9 -> 1.4; row 1: 0 - 0.4 -> 0.08
  close(t, value(trendGlobal(rHat, r)), (1.4 + 0.08) / 2);
});

test('extended trend adds the mean BCE of p against sigmoid(r̂ / 0.1)', (t) => {
  const p = [[0.6, 0.5, 0.1], [0.5, 0.2, 0.9]];
  const hat = [[0.1, 0.3, 0.2], [0, 0, 0]];
  let agreement = 0;
  for (let b = 0; b < 2; b++) for (let h = 0; h < 3; h++) agreement += bce(p[b][h], sigmoid(hat[b][h] / 0.1));
  agreement /= 6;
  const expected = (0.045 + 1.1 + 0.08) / 4 + (1.4 + 0.08) / 2 + agreement;
  close(t, value(trendExtended(rHat, r, tf.tensor2d(p))), expected);
  // tau 1 softens the labels: only the agreement part changes
  let soft = 0;
  for (let b = 0; b < 2; b++) for (let h = 0; h < 3; h++) soft += bce(p[b][h], sigmoid(hat[b][h]));
  close(t, value(trendExtended(rHat, r, tf.tensor2d(p), 1)), (0.045 + 1.1 + 0.08) / 4 + (1.4 + 0.08) / 2 + soft / 6);
});

test('perfectly consistent predictions have zero local and global trend loss', (t) => {
  const shifted = tf.add(r, 0.7); // same steps, offset everywhere
  close(t, value(trendLocal(shifted, r)), 0, { abs: 1e-12 });
  close(t, value(trendGlobal(shifted, r)), 0, { abs: 1e-12 });
});

test('one horizon has no pairs: local and global are 0', (t) => {
  const one = tf.tensor2d([[0.3], [-0.2]]);
  t.is(value(trendLocal(one, tf.zeros([2, 1]))), 0);
  t.is(value(trendGlobal(one, tf.zeros([2, 1]))), 0);
});

test('trend terms reject non-[B, H] or mismatched inputs and a bad tau by name', (t) => {
  t.throws(() => trendLocal(tf.tensor1d([1, 2]), tf.tensor1d([1, 2])), { message: /rHat must be \[B, H\] \(got shape \[2\]\)/ });
  t.throws(() => trendGlobal(rHat, tf.zeros([2, 2])), { message: 'r has shape [2, 2], expected the shape of rHat [2, 3]' });
  t.throws(() => trendExtended(rHat, r, tf.zeros([2, 1])), { message: 'p has shape [2, 1], expected the shape of rHat [2, 3]' });
  t.throws(() => trendExtended(rHat, r, rHat, 0), { message: /tau must be a finite number > 0 \(got 0\)/ });
});
