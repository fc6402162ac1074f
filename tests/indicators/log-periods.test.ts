import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { LearnableIndicators, LearnableMA, LearnableMomentum, readIndicatorPeriods } from '../../src/indicators/index.js';
import { randomWindows } from './reference.js';

await tf.setBackend('cpu');

const T = 64;
const PERIODS = [5.5, 15, 30.25];

function built<L extends tf.layers.Layer>(layer: L): L {
  layer.apply(tf.input({ shape: [T] }));
  return layer;
}

test('log periods: same features as raw periods, gradient = s * p * dL/dp (chain rule through exp)', (t) => {
  for (const impl of ['native', 'tfjs'] as const) {
    const raw = built(new LearnableMA({ periods: PERIODS, implementation: impl }));
    const logp = built(new LearnableMA({ periods: PERIODS, implementation: impl, logScale: 10 }));
    const stored = Array.from(logp.variable().read().dataSync());
    stored.forEach((w, i) => t.true(Math.abs(w - Math.log(PERIODS[i]) / 10) < 1e-6));
    logp.currentPeriods().forEach((p, i) => t.true(Math.abs(p / PERIODS[i] - 1) < 1e-5, `${impl}: period ${p}`));

    const x = tf.tensor2d(randomWindows(8, T, 3), [8, T]);
    const weights = tf.randomNormal([8, 3], 0, 1, 'float32', 4);
    const loss = (layer: LearnableMA) => () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, weights)) as tf.Scalar;
    const a = tf.variableGrads(loss(raw), [raw.variable().read() as tf.Variable]);
    const b = tf.variableGrads(loss(logp), [logp.variable().read() as tf.Variable]);
    t.true(Math.abs(a.value.dataSync()[0] - b.value.dataSync()[0]) < 1e-4 * Math.max(1, Math.abs(a.value.dataSync()[0])), `${impl}: same loss`);
    const gRaw = Array.from(Object.values(a.grads)[0].dataSync());
    const gLog = Array.from(Object.values(b.grads)[0].dataSync());
    gRaw.forEach((g, i) => {
      const expected = 10 * PERIODS[i] * g;
      t.true(Math.abs(gLog[i] - expected) <= 1e-3 * Math.abs(expected) + 1e-6, `${impl}: d/dtheta ${gLog[i]} vs s p dL/dp ${expected}`);
    });
    tf.dispose([x, weights, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
  }
});

test('log periods stay inside the range: the weight is clipped in log space', (t) => {
  const layer = built(new LearnableMomentum({ periods: [5], logScale: 4 }));
  layer.variable().write(tf.tensor1d([Math.log(1000) / 4]));
  layer.applyPeriodConstraint();
  t.true(Math.abs(layer.currentPeriods()[0] - (T - 2)) < 1e-3, `clipped to T-2: ${layer.currentPeriods()[0]}`);
  layer.variable().write(tf.tensor1d([-5]));
  const out = layer.apply(tf.tensor2d(randomWindows(2, T, 1), [2, T])) as tf.Tensor;
  t.true(Array.from(out.dataSync()).every(Number.isFinite), 'an out-of-range weight is clipped before the kernel');
  t.throws(() => new LearnableMA({ logScale: 0 }), { message: /logScale must be a finite number > 0/ });
});

test('log periods survive save/load; a layer config without logScale (older models) reads raw periods', async (t) => {
  const input = tf.input({ shape: [T] });
  const model = tf.model({ inputs: input, outputs: new LearnableIndicators({ name: 'ind', logScale: 10 }).apply(input) as tf.SymbolicTensor });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  t.deepEqual(readIndicatorPeriods(loaded), readIndicatorPeriods(model));
  t.is(readIndicatorPeriods(loaded).ma_5.toFixed(4), '5.0000');

  const oldInput = tf.input({ shape: [T] });
  const old = tf.model({ inputs: oldInput, outputs: new LearnableIndicators({ name: 'ind' }).apply(oldInput) as tf.SymbolicTensor });
  t.false('logScale' in old.layers[1].getConfig());
  t.is(readIndicatorPeriods(old).ma_5, 5);
});

test('frozen periods (trainable false) are not trained and still saved', (t) => {
  const input = tf.input({ shape: [T] });
  const ind = new LearnableIndicators({ name: 'frozen', logScale: 10, trainable: false });
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(ind.apply(input)) as tf.SymbolicTensor });
  t.is(model.trainableWeights.filter((w) => w.name.includes('periods')).length, 0);
  t.is(model.weights.filter((w) => w.name.includes('periods')).length, 6);
  t.false(model.layers[1].getConfig().trainable as boolean);
});
