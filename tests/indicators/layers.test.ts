import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import {
  LEARNABLE_INDICATOR_CLASSES, LearnableIndicators, LearnableMA, LearnableMomentum, applyPeriodConstraints,
  readIndicatorPeriods, type LearnableIndicatorLayer, type LearnableIndicatorArgs,
} from '../../src/indicators/index.js';
import type { IndicatorImplementation } from '../../src/indicators/ops.js';
import { indicatorRegistry } from '../../src/registry/index.js';
import { loadMarketData } from '../helpers/market-data.js';
import { finiteDifferences, maxScaledError, randomWindows, referenceBatch, windowsOf } from './reference.js';

await tf.setBackend('cpu');

const T = 64;
const btc = loadMarketData('ETHUSDT-1h');
const DATASETS: [string, Float32Array, number][] = [
  ['random walk', randomWindows(5, T, 11), 5],
  [`ETHUSDT-1h (${btc.source})`, windowsOf(btc.candles.close, [100, 9000, 30000, 50000, 67000], T), 5],
];

// Non-default, non-integer periods (momentum off floor()'s jumps) so every derivative is smooth.
const TEST_PERIODS: Record<string, number[]> = {
  LearnableMA: [5.5, 15, 30.25],
  LearnableMacd: [12, 26.5, 9, 5, 35, 5.5, 19.25, 39, 9],
  LearnableCustomMacd: [8.5, 17, 9, 10, 20, 7.5, 6, 13.5, 5],
  LearnableRSI: [9.5, 14, 21],
  LearnableBollingerBands: [10, 20.5, 30],
  LearnableMomentum: [5.3, 10.7, 20.25],
};

/** Flat indices of closes adjacent to an exactly flat step c_t = c_{t-1}. */
function flatStepNeighbours(data: Float32Array, B: number): Set<number> {
  const out = new Set<number>();
  for (let b = 0; b < B; b++) {
    for (let t = 1; t < T; t++) {
      const i = b * T + t;
      if (data[i] === data[i - 1]) { out.add(i); out.add(i - 1); }
    }
  }
  return out;
}

type Cls = new (a?: LearnableIndicatorArgs) => LearnableIndicatorLayer;

function gradients(layer: LearnableIndicatorLayer, data: Float32Array, B: number, w: tf.Tensor) {
  const close = tf.variable(tf.tensor2d(data, [B, T]));
  const periods = layer.variable().read() as tf.Variable;
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(close) as tf.Tensor, w)) as tf.Scalar, [close, periods]);
  const out = { gc: grads[close.name].dataSync(), gp: grads[periods.name].dataSync() };
  tf.dispose([close, value, ...Object.values(grads)]);
  return out;
}

for (const impl of ['native', 'tfjs'] as IndicatorImplementation[]) {
  // float32 autodiff (tfjs) vs float64-accumulating kernels (native): separate budgets.
  const valueTol = impl === 'native' ? 1e-6 : 1e-4;
  const gradTol = impl === 'native' ? 1e-5 : 1e-4;
  for (const Layer of LEARNABLE_INDICATOR_CLASSES as readonly Cls[]) {
    const name = (Layer as unknown as { className: string }).className;
    for (const [dataName, data, B] of DATASETS) {
      test(`${name} (${impl}) on ${dataName}: values vs reference, gradients vs central differences`, (t) => {
        const periods = TEST_PERIODS[name];
        const layer = new Layer({ periods, implementation: impl });
        const y = layer.apply(tf.tensor2d(data, [B, T])) as tf.Tensor;
        t.deepEqual(y.shape, [B, periods.length]);
        const kind = layer.kind;
        const ref = referenceBatch(kind, data, B, T, periods);
        const ev = maxScaledError(y.dataSync(), ref.flat());
        const wData = Array.from({ length: B }, (_, b) => periods.map((_, k) => Math.sin(1 + 3 * b + 7 * k)));
        const fd = finiteDifferences(kind, data, B, T, periods, wData);
        const g = gradients(layer, data, B, tf.tensor2d(wData));
        // RSI is not differentiable in a close next to a flat step (relu at 0; real closes repeat):
        // the kernels use relu'(0) = 0 while central differences average both sides, so those
        // entries are left out of the comparison (and counted).
        const kinks = kind === 'rsi' ? flatStepNeighbours(data, B) : new Set<number>();
        const keep = (v: ArrayLike<number>) => Array.from(v, (x, i) => (kinks.has(i) ? 0 : x));
        const ec = maxScaledError(keep(g.gc), keep(fd.close)), ep = maxScaledError(g.gp, fd.periods);
        t.log(`max scaled error: values ${ev.toExponential(2)}, dclose ${ec.toExponential(2)}, dperiods ${ep.toExponential(2)}` +
          (kinks.size > 0 ? ` (${kinks.size} closes beside flat steps excluded from dclose)` : ''));
        t.true(ev < valueTol, `values ${ev}`);
        t.true(ec < gradTol, `dclose ${ec}`);
        t.true(ep < gradTol, `dperiods ${ep}`);
        t.true(Array.from(g.gp).every((v) => v !== 0), 'every period receives a gradient');
        layer.dispose();
      });
    }
  }
}

test('default periods, output counts and period names follow SPEC §5 (30 in total)', (t) => {
  const ind = new LearnableIndicators();
  const x = tf.tensor2d(randomWindows(3, T, 2), [3, T]);
  const y = ind.apply(x) as tf.Tensor;
  t.deepEqual(y.shape, [3, 30]);
  const periods = readIndicatorPeriods(ind);
  t.deepEqual(Object.keys(periods), [
    'ma_5', 'ma_15', 'ma_30',
    'macd_12_26_9_fast', 'macd_12_26_9_slow', 'macd_12_26_9_signal',
    'macd_5_35_5_fast', 'macd_5_35_5_slow', 'macd_5_35_5_signal',
    'macd_19_39_9_fast', 'macd_19_39_9_slow', 'macd_19_39_9_signal',
    'custom_macd_8_17_9_fast', 'custom_macd_8_17_9_slow', 'custom_macd_8_17_9_signal',
    'custom_macd_10_20_7_fast', 'custom_macd_10_20_7_slow', 'custom_macd_10_20_7_signal',
    'custom_macd_6_13_5_fast', 'custom_macd_6_13_5_slow', 'custom_macd_6_13_5_signal',
    'rsi_9', 'rsi_14', 'rsi_21', 'bb_10', 'bb_20', 'bb_30', 'momentum_5', 'momentum_10', 'momentum_20',
  ]);
  t.deepEqual(Object.values(periods), [5, 15, 30, 12, 26, 9, 5, 35, 5, 19, 39, 9, 8, 17, 9, 10, 20, 7, 6, 13, 5, 9, 14, 21, 10, 20, 30, 5, 10, 20]);
  t.is(ind.trainableWeights.length, 6);
  // The composite equals its parts side by side.
  const parts = tf.concat(ind.parts.map((p) => p.call(x)), 1);
  t.deepEqual(Array.from(y.dataSync()), Array.from(parts.dataSync()));
});

test('periods are clipped to [2, 200] and momentum lags to [1, T-2]', (t) => {
  const ind = new LearnableIndicators();
  ind.apply(tf.tensor2d(randomWindows(2, T, 4), [2, T]));
  const wild = ind.getWeights().map((w) => tf.mul(w, 100));  // all far above the ranges
  ind.setWeights(wild);
  // The kernels never see out-of-range values, even before the constraint is written back...
  const x = tf.tensor2d(randomWindows(2, T, 4), [2, T]);
  const before = (ind.apply(x) as tf.Tensor).dataSync();
  applyPeriodConstraints(ind);
  const periods = readIndicatorPeriods(ind);
  for (const [name, v] of Object.entries(periods)) t.is(v, name.startsWith('momentum') ? T - 2 : 200, name);
  t.deepEqual(Array.from((ind.apply(x) as tf.Tensor).dataSync()), Array.from(before));
  ind.setWeights(ind.getWeights().map((w) => tf.mul(w, 0)));
  applyPeriodConstraints(ind);
  for (const [name, v] of Object.entries(readIndicatorPeriods(ind))) t.is(v, name.startsWith('momentum') ? 1 : 2, name);
  t.throws(() => new LearnableMomentum({ periods: [70] }).apply(x), { message: /periods\[0\] = 70 is outside \[1, 62\]/ });
  t.throws(() => new LearnableMA({ periods: [1] }).apply(x), { message: /periods\[0\] = 1 is outside \[2, 200\]/ });
  t.throws(() => new LearnableMA({ periods: [] }), { message: /non-empty array/ });
  // A range must lie inside the kernels' domain (p >= 1): the periods then reach them unread.
  t.throws(() => new LearnableMA({ minPeriod: 0.5 }), { message: /minPeriod must be a finite number >= 1 \(got 0.5\)/ });
  t.throws(() => new LearnableMA({ minPeriod: 30, maxPeriod: 20 }), { message: /minPeriod 30 is above maxPeriod 20/ });
});

test('a model with the layers saves and loads with config and weights intact', async (t) => {
  const input = tf.input({ shape: [T] });
  const all = new LearnableIndicators({ name: 'indicators', ma: [4, 8, 12] }).apply(input) as tf.SymbolicTensor;
  const extra = new LearnableMomentum({ periods: [3.5], name: 'mom_extra' }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2 }).apply(tf.layers.concatenate().apply([all, extra])) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // Move the periods off their initial values so the round trip must carry the weights.
  model.setWeights(model.getWeights().map((w, i) => (w.rank === 1 && w.size !== 2 ? tf.add(w, 0.25 + 0.01 * i) : w)));
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  t.deepEqual(loaded.layers.map((l) => l.getConfig()), model.layers.map((l) => l.getConfig()));
  const a = model.getWeights(), b = loaded.getWeights();
  t.is(b.length, a.length);
  a.forEach((w, i) => t.deepEqual(Array.from(b[i].dataSync()), Array.from(w.dataSync())));
  t.deepEqual(readIndicatorPeriods(loaded), readIndicatorPeriods(model));
  t.is(Object.keys(readIndicatorPeriods(loaded)).length, 31);
  const x = tf.tensor2d(randomWindows(4, T, 9), [4, T]);
  t.deepEqual(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()));
  const names = model.getWeights().length && model.weights.map((w) => w.name);
  t.true((names as string[]).includes('indicators/ma_periods'), `weight names: ${(names as string[]).join(', ')}`);
});

test('model.fit moves the periods (gradients reach them through tfjs-layers training)', async (t) => {
  const input = tf.input({ shape: [T] });
  const ind = new LearnableIndicators({ name: 'ind_fit' });
  const out = tf.layers.dense({ units: 1 }).apply(ind.apply(input)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
  const before = Object.values(readIndicatorPeriods(ind));
  const x = tf.tensor2d(randomWindows(32, T, 5), [32, T]);
  const y = tf.randomNormal([32, 1], 0, 1, 'float32', 3);
  await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
  applyPeriodConstraints(model);
  const after = Object.values(readIndicatorPeriods(model));
  t.true(after.filter((v, i) => v !== before[i]).length >= 20, `periods moved: ${after.map((v) => v.toFixed(3)).join(', ')}`);
});

test('the layers are registered by name in indicatorRegistry', (t) => {
  for (const name of ['learnable_ma', 'learnable_macd', 'learnable_custom_macd', 'learnable_rsi', 'learnable_bollinger', 'learnable_momentum', 'learnable_indicators']) {
    t.true(indicatorRegistry.has(name), name);
  }
  const layer = indicatorRegistry.get('learnable_rsi').create({ periods: [7] });
  t.deepEqual((layer.getConfig() as { periods: number[] }).periods, [7]);
  t.is(indicatorRegistry.get('learnable_indicators').outputs, 30);
});

test('forward + backward leaks no tensors on either implementation', (t) => {
  for (const implementation of ['native', 'tfjs'] as IndicatorImplementation[]) {
    const ind = new LearnableIndicators({ implementation });
    const x = tf.variable(tf.tensor2d(randomWindows(4, T, 6), [4, T]));
    ind.apply(x);
    const vars = [x, ...ind.trainableWeights.map((v) => v.read() as tf.Variable)];
    const step = () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(ind.apply(x) as tf.Tensor) as tf.Scalar, vars);
      return [value, ...Object.values(grads)].map((g) => g.dataSync()[0]);
    });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    t.is(tf.memory().numTensors, before, implementation);
    x.dispose();
    ind.dispose();
  }
});

test('LearnableIndicators: the fused native op matches the tfjs composite in values and every gradient', (t) => {
  const data = DATASETS[1][1], B = DATASETS[1][2];
  const x = tf.variable(tf.tensor2d(data, [B, T]));
  const w = tf.tensor2d(Array.from({ length: B * 30 }, (_, i) => Math.cos(i)), [B, 30]);
  const run = (implementation: IndicatorImplementation) => {
    const ind = new LearnableIndicators({ implementation, momentum: [5.3, 10.7, 20.25] });
    const y = ind.apply(x) as tf.Tensor;
    const vars = [x, ...ind.trainableWeights.map((v) => v.read() as tf.Variable)];
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(ind.apply(x) as tf.Tensor, w)) as tf.Scalar, vars);
    return [y, ...vars.map((v) => grads[v.name])].map((g) => g.dataSync());
  };
  const native = run('native'), tfjs = run('tfjs');
  const names = ['values', 'dclose', 'ma', 'macd', 'custom_macd', 'rsi', 'bollinger', 'momentum'];
  native.forEach((n, i) => {
    const e = maxScaledError(tfjs[i], n);
    t.log(`${names[i]}: ${e.toExponential(2)}`);
    t.true(e < 5e-5, names[i]);
  });
});

test('default periods are clipped into a short window\'s range; given ones must fit', (t) => {
  const x = tf.input({ shape: [16] });
  const layer = new LearnableMomentum();
  layer.apply(x);
  t.deepEqual(layer.currentPeriods(), [5, 10, 14]);  // 20 > T-2 = 14
  t.deepEqual(layer.periodNames(), ['momentum_5', 'momentum_10', 'momentum_20']);
  t.throws(() => new LearnableMomentum({ periods: [20] }).apply(tf.input({ shape: [16] })), { message: /periods\[0\] = 20 is outside \[1, 14\]/ });
});

test('default periods clipped for a short lookback (momentum lags past T-2) survive a save and load', async (t) => {
  const input = tf.input({ shape: [16] });
  const out = new LearnableMomentum({ name: 'mom_short' }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  const a = model.getWeights(), b = loaded.getWeights();
  t.deepEqual(b.map((w) => Array.from(w.dataSync())), a.map((w) => Array.from(w.dataSync())));
  t.true(Math.max(...(loaded.layers[1] as LearnableMomentum).periodRange()) <= 14);
  model.dispose();
  loaded.dispose();
});
