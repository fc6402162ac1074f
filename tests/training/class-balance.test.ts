import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { emptyCandles, type Candles } from '../../src/data/candles.js';
import { Dataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/data/random.js';
import { binaryFocal } from '../../src/losses/focal.js';
import { balancedFocalAlpha, trainingUpFractions } from '../../src/training/class-balance.js';

/** Hourly candles whose close rises on `upShare` of the bars. */
function trendingCandles(n: number, upShare: number, seed: number): Candles {
  const rng = new Rng(seed);
  const c = emptyCandles(n);
  let price = 100;
  for (let t = 0; t < n; t++) {
    const open = price;
    const close = open * Math.exp((rng.uniform() < upShare ? 1 : -1) * 0.005 * (0.5 + rng.uniform()));
    c.timestamp[t] = Date.UTC(2024, 0, 1) + t * 3_600_000;
    c.open[t] = open;
    c.close[t] = close;
    c.high[t] = Math.max(open, close) * 1.001;
    c.low[t] = Math.min(open, close) * 0.999;
    c.volume[t] = 1000 + t;
    price = close;
  }
  return c;
}

test('balanced focal alpha: with 85% up labels the direction gradient at p = 0.5 is zero', async (t) => {
  const candles = trendingCandles(3000, 0.85, 1);
  const dataset = new Dataset([{ symbol: 'UP', candles }], { lookback: 16, horizons: [1, 4], batchSize: 256, shuffle: false });
  const up = trainingUpFractions(dataset, [candles]);
  // The fractions are the labels the batches carry.
  const counts = [0, 0];
  let n = 0;
  const labels: number[] = [];
  for await (const b of dataset.batches('train')) {
    for (let i = 0; i < b.size; i++) for (let h = 0; h < 2; h++) { counts[h] += b.direction[i * 2 + h]; labels.push(b.direction[i * 2 + h]); }
    n += b.size;
  }
  t.deepEqual(up, counts.map((c) => c / n));
  t.true(up[0] > 0.82 && up[0] < 0.88, `1-bar up share ${up[0]}`);
  const alpha = balancedFocalAlpha(up);
  t.deepEqual(alpha, up.map((u) => 1 - u));

  // d loss / d bias for a head that outputs sigmoid(bias) on every window, at bias 0 (p = 0.5):
  // zero with the balanced alphas (no pull towards either class), towards "up" with SPEC's 0.7.
  const d = tf.tensor2d(labels, [n, 2]);
  const gradAt = (a: number | number[]) => tf.tidy(() => {
    const g = tf.grad((bias: tf.Tensor) => tf.sum(binaryFocal(tf.sigmoid(tf.mul(tf.onesLike(d), bias)), d, { alpha: a, gamma: 1 })));
    return g(tf.scalar(0)).dataSync()[0];
  });
  const balanced = gradAt(alpha);
  const fixed = gradAt(0.7);
  t.true(Math.abs(balanced) < 1e-6, `balanced gradient ${balanced}`);
  t.true(fixed < -0.1, `alpha 0.7 pulls towards up: gradient ${fixed}`);
  // Unweighted (alpha 0.5) pulls towards up too, less strongly: the prior is what the head would learn.
  t.true(gradAt(0.5) < -0.05 && gradAt(0.5) > fixed);
  d.dispose();
});

test('per-horizon alphas: one per column, checked', (t) => {
  const p = tf.tensor2d([[0.6, 0.3], [0.2, 0.9]]);
  const d = tf.tensor2d([[1, 0], [0, 1]]);
  const both = binaryFocal(p, d, { alpha: [0.2, 0.8] }).arraySync() as number[];
  const col0 = binaryFocal(p.slice([0, 0], [2, 1]), d.slice([0, 0], [2, 1]), { alpha: 0.2 }).arraySync() as number[];
  const col1 = binaryFocal(p.slice([0, 1], [2, 1]), d.slice([0, 1], [2, 1]), { alpha: 0.8 }).arraySync() as number[];
  t.true(Math.abs(both[0] - col0[0]) < 1e-6 && Math.abs(both[1] - col1[0]) < 1e-6);
  t.throws(() => binaryFocal(p, d, { alpha: [0.5] }), { message: /1 alphas/ });
  t.throws(() => binaryFocal(p, d, { alpha: [0.5, 1.5] }), { message: /alpha\[1\]/ });
  t.deepEqual(balancedFocalAlpha([0.99, 0.5]), [0.05, 0.5]);
  tf.dispose([p, d]);
});
