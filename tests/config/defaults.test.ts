import test from 'ava';

import { BASE_FEATURES, defaultConfig, schemaDefaults } from '../../src/config/index.js';
import { BACKEND_CHOICES } from '../../src/runtime/backend.js';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';

test('defaults carry the SPEC values for windows, split, dataset and training', (t) => {
  const c = defaultConfig();
  t.is(c.windows.lookback, 64);
  t.deepEqual(c.windows.horizons, [1, 4, 12]);
  t.deepEqual([c.split.train, c.split.val, c.split.test], [0.7, 0.15, 0.15]);
  t.is(c.split.embargo, 12, 'embargo follows max(horizons)');
  t.is(c.dataset.batchSize, 144);
  t.deepEqual(c.training, {
    epochs: 40, learningRate: 3e-4, patience: 3, monitor: 'val_dir_mcc_h1', mode: 'max', clipNorm: 5, seed: 42,
    checkpointDir: 'runs/latest/checkpoints', tensorboard: true, sigmaCalibration: 'regime',
  });
  t.deepEqual(c.features, [...BASE_FEATURES]);
});

test('defaults carry the SPEC §6 model sizes and §7.1 loss settings', (t) => {
  const { model, losses } = defaultConfig();
  t.deepEqual(model.transformer, { dModel: 64, heads: 4, keyDim: 16, blocks: 2, ffnDim: 128, dropout: 0.1 });
  t.deepEqual(model.lstm, { units: 64, bidirectional: true, layers: 1, returnSequences: false });
  t.deepEqual(model.indicators, { hidden: [64, 32], output: 20, dropout: 0.2, learnPeriods: true, periodLogScale: 10 });
  t.deepEqual(model.tower, { hidden: [64, 32], dropout: 0.2 });
  t.is(model.l2, 1e-4);
  t.deepEqual(losses.weights, { price: 1, direction: 1, variance: 0.5, trend: 0.2 });
  t.deepEqual(losses.horizonWeights, [1, 1, 1]);
  t.deepEqual(losses.focal, { alpha: 0.7, gamma: 1, balance: true });
  t.is(losses.huberDelta, 1);
  t.is(losses.trend.tau, 0.1);
});

test('defaults carry the SPEC §8 signal and §9 backtest settings', (t) => {
  const { signals, backtest } = defaultConfig();
  t.is(signals.entryThreshold, 0.55);
  t.deepEqual(signals.agreement, { threshold: 0.5, minAgree: 3, required: true });
  t.deepEqual(signals.size, { min: 0, max: 1 });
  t.is(signals.confidenceScale, 0.01);
  t.deepEqual(signals.stop, { k: 2, min: 0.005, max: 0.1 });
  t.deepEqual(signals.targets, { fractions: [1 / 3, 1 / 3, 1 / 3], minDistance: 0.001 });
  t.deepEqual(signals.spike, { window: 50, k: 3 });
  t.is(backtest.riskFraction, 1);
  t.is(backtest.intrabar, 'pessimistic');
  t.true(backtest.breakevenAfterTp1);
  t.true(backtest.allowReverse);
  t.is(backtest.maxHoldBars, null);
  t.is(backtest.barsPerYear, 365 * 24, '1h bars in a 365-day year');
});

test('schema defaults leave derived keys null, and each call returns a fresh copy', (t) => {
  const raw = schemaDefaults() as { split: { embargo: unknown }; windows: { horizons: number[] } };
  t.is(raw.split.embargo, null);
  raw.windows.horizons.push(99);
  t.deepEqual(defaultConfig().windows.horizons, [1, 4, 12]);
});

test('runtime.backend allows exactly the choices initBackend accepts', (t) => {
  t.deepEqual([...CONFIG_SCHEMA.fields.runtime.fields.backend.enum].sort(), [...BACKEND_CHOICES].sort());
});
