import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { compositeLoss, lossRegistry, type ModelOutputs } from '../../src/losses/index.js';
import { close, closeAll } from './approx.js';
import { type Batch, referenceTerms } from './reference.js';

await tf.setBackend('cpu');

// Two samples, three horizons; price errors on both sides of the Huber kink.
const batch: Batch = {
  price: [[0.1, -0.2], [0.5, 0.0], [1.5, -0.3]],
  direction: [[0.7, 0.4], [0.9, 0.2], [0.6, 0.3]],
  variance: [[0.5, 1.0], [0.2, 0.8], [2.0, 1.5]],
  y: [[0.2, 0.3, -0.5], [-0.1, -0.4, 0.2]],
  d: [[1, 1, 0], [0, 0, 1]],
};

/** The batch as the model's named outputs, [B, 1] each (or [B] with `flat`). */
function outputs(x: Batch, flat = false): ModelOutputs {
  const out: ModelOutputs = {};
  for (const head of ['price', 'direction', 'variance'] as const) {
    x[head].forEach((values, h) => (out[`${head}_h${h}`] = flat ? tf.tensor1d(values) : tf.tensor2d(values, [values.length, 1])));
  }
  return out;
}
const targets = { y: tf.tensor2d(batch.y), d: tf.tensor2d(batch.d) };
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const scalar = (x: tf.Tensor) => x.dataSync()[0];

test('composite: default weights 1, 1, 0.5, 0.2 over horizon-summed terms', (t) => {
  const ref = referenceTerms(batch);
  const loss = compositeLoss(outputs(batch), targets);
  close(t, scalar(loss.terms.price), sum(ref.price));
  close(t, scalar(loss.terms.direction), sum(ref.direction));
  close(t, scalar(loss.terms.variance), sum(ref.variance));
  close(t, scalar(loss.terms.trend), ref.trend);
  closeAll(t, loss.perHorizon.price!.dataSync(), ref.price);
  closeAll(t, loss.perHorizon.direction!.dataSync(), ref.direction);
  closeAll(t, loss.perHorizon.variance!.dataSync(), ref.variance);
  t.is(loss.perHorizon.trend, undefined);
  const total = sum(ref.price) + sum(ref.direction) + 0.5 * sum(ref.variance) + 0.2 * ref.trend;
  close(t, scalar(loss.total), total);
});

test('composite: term weights, horizon weights and a swapped direction loss', (t) => {
  const ref = referenceTerms(batch);
  const loss = compositeLoss(outputs(batch), targets, {
    weights: { price: 2, trend: 0 },
    horizonWeights: [1, 0, 3],
    losses: { direction: 'bce' },
  });
  const weighted = (xs: number[]) => xs[0] + 3 * xs[2];
  close(t, scalar(loss.terms.direction), weighted(ref.directionBce));
  const total = 2 * weighted(ref.price) + weighted(ref.directionBce) + 0.5 * weighted(ref.variance);
  close(t, scalar(loss.total), total);
});

test('composite: [B] and [B, 1] outputs give the same loss', (t) => {
  const a = compositeLoss(outputs(batch), targets);
  const b = compositeLoss(outputs(batch, true), targets);
  t.is(scalar(a.total), scalar(b.total));
});

test('composite: gradients match central finite differences for every output element', (t) => {
  const names = Object.keys(outputs(batch));
  const values = names.map((n) => outputs(batch, true)[n]);
  const lossOf = (xs: tf.Tensor[]) => compositeLoss(Object.fromEntries(names.map((n, i) => [n, xs[i]])), targets).total;
  const grads = tf.grads((...xs: tf.Tensor[]) => lossOf(xs))(values);
  const eps = 5e-3;
  names.forEach((name, i) => {
    const analytic = grads[i].dataSync();
    for (let b = 0; b < 2; b++) {
      const at = (delta: number) => {
        const moved = values.map((v, j) => (j === i ? tf.add(v, tf.oneHot([b], 2).reshape([2]).mul(delta)) : v));
        return scalar(lossOf(moved));
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      t.true(Math.abs(analytic[b] - numeric) <= 2e-4 + 1e-3 * Math.abs(numeric), `d total / d ${name}[${b}]: analytic ${analytic[b]}, numeric ${numeric}`);
    }
  });
});

test('composite: p = 0 or 1 and the smallest variance keep loss and gradients finite', (t) => {
  const edge: Batch = { ...batch, direction: [[0, 1], [1, 0], [0, 0]], variance: [[1e-6, 1e-6], [1e-6, 1e-6], [1e-6, 1e-6]] };
  const names = Object.keys(outputs(edge));
  const values = names.map((n) => outputs(edge, true)[n]);
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) =>
    compositeLoss(Object.fromEntries(names.map((n, i) => [n, xs[i]])), targets).total,
  )(values);
  t.true(Number.isFinite(scalar(value)));
  for (const g of grads) t.true(g.dataSync().every(Number.isFinite));
});

test('composite: all labels of one class matches the reference', (t) => {
  const allUp: Batch = { ...batch, y: batch.y.map((row) => row.map(Math.abs)), d: batch.d.map((row) => row.map(() => 1)) };
  const ref = referenceTerms(allUp);
  const loss = compositeLoss(outputs(allUp), { y: tf.tensor2d(allUp.y), d: tf.tensor2d(allUp.d) });
  close(t, scalar(loss.total), sum(ref.price) + sum(ref.direction) + 0.5 * sum(ref.variance) + 0.2 * ref.trend);
});

test('composite: a registered loss of the wrong shape is named', (t) => {
  lossRegistry.register('test_per_sample', (x) => tf.sub(x.price, x.y));
  t.throws(() => compositeLoss(outputs(batch), targets, { losses: { price: 'test_per_sample' } }), {
    message: "loss 'test_per_sample' (term price) returned shape [2, 3], expected [] or [3]",
  });
});
