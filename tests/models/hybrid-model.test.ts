import test from 'ava';
import { mkdtempSync, rmSync, truncateSync, statSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { buildModel, checkModelInputs, outputNames, predictNamed } from '../../src/models/hybrid-model.js';
import { reseedModel } from '../../src/models/seeds.js';
import { ConfigError, defaultConfig, getPath } from '../../src/config/index.js';
import { DEFAULT_MODEL_CONFIG, resolveModelConfig } from '../../src/models/config.js';
import { loadModel, saveModel } from '../../src/models/io.js';
import { setNativeKernels } from '../../src/models/native-kernels.js';
import { RecentReturns } from '../../src/models/small-layers.js';

await tf.setBackend('cpu');

// A smaller model keeps the tests quick; the defaults are checked separately.
const SMALL = { lookback: 32, features: 4, transformer: { dModel: 16, heads: 2, keyDim: 8, ffnDim: 32 }, lstm: { units: 8 } };

function batch(B: number, T: number, F: number, seed = 1) {
  return {
    features: tf.randomNormal([B, T, F], 0, 1, 'float32', seed),
    close: tf.add(1, tf.mul(0.01, tf.randomNormal([B, T], 0, 1, 'float32', seed + 1))),
  };
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

test.serial('default config: SPEC sizes, nine named outputs with valid ranges', (t) => {
  setNativeKernels(true);
  const model = buildModel();
  t.deepEqual(model.outputNames, outputNames(3));
  t.deepEqual(model.outputNames.slice(0, 3), ['price_h0', 'direction_h0', 'variance_h0']);
  t.deepEqual(model.inputs.map((i) => i.shape), [[null, 64, 10], [null, 64]]);
  t.is(model.getLayer('merge').outputShape[1], 212);  // 64 + 128 + 20
  // L2 on every Dense kernel (FusedDense: tfjs's Dense, one op per call on ntp).
  const dense = model.layers.filter((l) => l.getClassName() === 'FusedDense');
  t.true(dense.length > 0 && dense.every((l) => (l.getConfig().kernelRegularizer as { config?: { l2?: number } } | null)?.config?.l2 === 1e-4));
  const { features, close } = batch(5, 64, 10);
  const out = predictNamed(model, features, close);
  t.deepEqual(Object.keys(out), outputNames(3));
  for (const [name, v] of Object.entries(out)) {
    t.deepEqual(v.shape, [5, 1], name);
    const d = v.dataSync();
    t.true(d.every(Number.isFinite), name);
    if (name.startsWith('direction')) t.true(d.every((p) => p > 0 && p < 1), name);
    if (name.startsWith('variance')) t.true(d.every((s) => s >= 1e-6), name);
  }
});

test.serial('config: every size configurable, bad values named by the config keys a user sets', (t) => {
  const c = resolveModelConfig({ lstm: { bidirectional: false, layers: 2 }, horizons: 2 });
  t.is(c.lstm.units, DEFAULT_MODEL_CONFIG.lstm.units);
  t.is(c.lstm.layers, 2);
  const model = buildModel({ ...SMALL, horizons: 2, lstm: { units: 8, bidirectional: false, layers: 2 }, indicators: { hidden: [8], output: 4 } });
  t.is(model.outputs.length, 6);
  t.is(model.getLayer('merge').outputShape[1], 16 + 8 + 4);
  // The same keys, and messages, as a config file's (docs/CONFIG.md).
  t.throws(() => resolveModelConfig({ transformer: { heads: 0 } }), { instanceOf: ConfigError, message: /model\.transformer\.heads: got 0, expected integer ≥ 1/ });
  t.throws(() => resolveModelConfig({ transformer: { ffnDim: 0 } }), { instanceOf: ConfigError, message: /model\.transformer\.ffnDim: got 0/ });
  t.throws(() => resolveModelConfig({ lstm: { unit: 3 } } as never), { instanceOf: ConfigError, message: /model\.lstm\.unit: unknown key \(did you mean model\.lstm\.units\?\)/ });
  t.throws(() => resolveModelConfig({ tower: { dropout: 1 } }), { instanceOf: ConfigError, message: /model\.tower\.dropout: got 1, expected number ≥ 0 and < 1/ });
  t.throws(() => resolveModelConfig({ lookback: 2 }), { instanceOf: ConfigError, message: /windows\.lookback: the model needs lookback >= 3 from it \(got 2\)/ });
  // Every key a model error can name is one the config file has.
  for (const key of ['model.transformer.ffnDim', 'model.tower.dropout', 'windows.lookback']) t.not(getPath(defaultConfig(), key), undefined, key);
});

test.serial('native kernels on and off give the same predictions and gradients', (t) => {
  setNativeKernels(true);
  const model = buildModel({ ...SMALL, lstmImplementation: 'fused' });
  const { features, close } = batch(6, 32, 4, 3);
  const lossOf = () => {
    const outs = model.apply([features, close], { training: false }) as tf.Tensor[];
    return tf.addN(outs.map((o, i) => tf.sum(tf.mul(o, i + 1)))) as tf.Scalar;
  };
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const run = () => {
    const preds = (model.predict([features, close]) as tf.Tensor[]).map((p) => p.clone());
    const { value, grads } = tf.variableGrads(lossOf, vars);
    return { preds, value: value.dataSync()[0], grads: vars.map((v) => grads[v.name]) };
  };
  const on = run();
  setNativeKernels(false);
  const off = run();
  setNativeKernels(true);
  on.preds.forEach((p, i) => t.true(maxDiff(p, off.preds[i]) < 1e-4, `prediction ${i}: ${maxDiff(p, off.preds[i])}`));
  t.true(Math.abs(on.value - off.value) < 1e-3 * Math.max(1, Math.abs(off.value)));
  let worst = 0;
  on.grads.forEach((g, i) => {
    const scale = Math.max(1, tf.max(tf.abs(off.grads[i])).dataSync()[0]);
    worst = Math.max(worst, maxDiff(g, off.grads[i]) / scale);
  });
  t.true(worst < 1e-3, `worst relative gradient difference ${worst}`);
});

test.serial('the seed decides the initial weights and every dropout mask; Math.random is never drawn', (t) => {
  setNativeKernels(true);
  const calls = { n: 0 };
  const original = Math.random;
  Math.random = () => { calls.n++; return original(); };  // a spy: counts, changes nothing
  try {
    const config = { ...SMALL, transformer: { ...SMALL.transformer, dropout: 0.3 }, tower: { hidden: [8], dropout: 0.3 } };
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    const a = buildModel(config, { seed: 1 }), b = buildModel(config, { seed: 1 }), c = buildModel(config, { seed: 2 });
    t.deepEqual(weights(b), weights(a));
    t.notDeepEqual(weights(c), weights(a));
    const { features, close } = batch(4, 32, 4, 9);
    const train = () => (a.apply([features, close], { training: true }) as tf.Tensor[]).map((o) => Array.from(o.dataSync()));
    reseedModel(a, 1, 'epoch:1');
    const first = train(), second = train();
    t.notDeepEqual(second, first, 'a fresh mask every training call');
    reseedModel(a, 1, 'epoch:1');
    t.deepEqual(train(), first, 'the same phase replays the same masks');
    t.false(a.layers.some((l) => l.getClassName() === 'Dropout'), 'no tfjs Dropout (one fixed seed, or Math.random)');
    t.is(calls.n, 0);
  } finally {
    Math.random = original;
  }
});

test.serial('trains: a few steps lower the loss', async (t) => {
  setNativeKernels(true);
  const model = buildModel(SMALL);
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError' });
  const { features, close } = batch(32, 32, 4, 5);
  const ys = model.outputs.map(() => tf.fill([32, 1], 0.5));
  const first = (await model.trainOnBatch([features, close], ys)) as number[];
  let last = first;
  for (let i = 0; i < 15; i++) last = (await model.trainOnBatch([features, close], ys)) as number[];
  t.true(last[0] < first[0], `loss ${first[0]} -> ${last[0]}`);
});

test.serial('save to a directory and load with no extra code: identical predictions', async (t) => {
  setNativeKernels(true);
  const dir = mkdtempSync(join(tmpdir(), 'ntp-model-'));
  try {
    const model = buildModel(SMALL);
    const { features, close } = batch(4, 32, 4, 7);
    const before = model.predict([features, close]) as tf.Tensor[];
    const target = join(dir, 'model');
    await saveModel(model, target);
    await saveModel(model, target);  // overwriting replaces the directory atomically
    t.deepEqual(readdirSync(dir), ['model']);  // no temp directories left behind
    t.true(existsSync(join(target, 'model.json')) && existsSync(join(target, 'weights.bin')));
    const loaded = await loadModel(target);
    t.deepEqual(loaded.outputNames, model.outputNames);
    const after = loaded.predict([features, close]) as tf.Tensor[];
    before.forEach((b, i) => t.is(maxDiff(b, after[i]), 0));
    // The same with the native kernels off (the tfjs-ops paths of the custom layers).
    setNativeKernels(false);
    const offPreds = loaded.predict([features, close]) as tf.Tensor[];
    before.forEach((b, i) => t.true(maxDiff(b, offPreds[i]) < 1e-4));
    setNativeKernels(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('wrong input shapes and missing or truncated weights give clear errors', async (t) => {
  const model = buildModel(SMALL);
  const { features, close } = batch(2, 32, 4);
  t.throws(() => checkModelInputs(model, tf.zeros([2, 32, 5]), close), { message: /model input "features" must have shape \[batch, 32, 4\] \(got \[2, 32, 5\]\)/ });
  t.throws(() => predictNamed(model, features, tf.zeros([2, 31])), { message: /model input "close" must have shape \[batch, 32\]/ });
  t.throws(() => predictNamed(model, features, tf.zeros([3, 32])), { message: /disagree on the batch size/ });
  const dir = mkdtempSync(join(tmpdir(), 'ntp-model-'));
  try {
    await t.throwsAsync(loadModel(join(dir, 'nothing')), { message: /cannot read .*model\.json/ });
    const target = join(dir, 'm');
    await saveModel(model, target);
    truncateSync(join(target, 'weights.bin'), statSync(join(target, 'weights.bin')).size - 8);
    await t.throwsAsync(loadModel(target), { message: /weight data is \d+ bytes but the manifest describes \d+/ });
    rmSync(join(target, 'weights.bin'));
    await t.throwsAsync(loadModel(target), { message: /missing weight file .*weights\.bin/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('recentReturns: the last k returns over the window volatility and their signs, a zero-start skip to each direction logit that learns, saved and loaded', async (t) => {
  setNativeKernels(true);
  // The layer against a hand computation: closes 1, 1.01, 0.99, 1.02, 1.02.
  const closes = [1, 1.01, 0.99, 1.02, 1.02];
  const r = closes.slice(1).map((c, i) => Math.log(c / closes[i]));
  const rv = Math.sqrt(r.reduce((a, x) => a + x * x, 0) / r.length);
  const layer = new RecentReturns({ bars: 3 });
  const got = Array.from((layer.apply(tf.tensor2d([closes])) as tf.Tensor).dataSync());
  const z = r.slice(-3).map((x) => x / rv);
  const want = [...z, ...z.map(Math.sign)];
  got.forEach((g, i) => t.true(Math.abs(g - want[i]) < 1e-5, `output ${i}: ${g} vs ${want[i]}`));
  t.is(want[5], 0, 'a flat bar has sign 0');
  // A jump after 40 quiet bars is over 5 of the window's own RMS (at most sqrt(41) can be): clipped.
  const quiet = Array.from({ length: 41 }, (_, i) => (i % 2 === 0 ? 1 : 1.001));
  const spike = Array.from((new RecentReturns({ bars: 1 }).apply(tf.tensor2d([[...quiet, 2]])) as tf.Tensor).dataSync());
  t.is(spike[0], RecentReturns.CLIP);

  const cfg = { ...SMALL, recentReturns: 4, horizons: 2 };
  const all = buildModel({ ...SMALL, recentReturns: 100 }).getLayer('direction_h0_recent').getWeights()[0];
  t.deepEqual(all.shape, [62, 1], 'more bars than a window has: all 31 returns and signs');
  const model = buildModel(cfg);
  const skips = model.layers.filter((l) => /^direction_h\d_recent$/.test(l.name));
  t.is(skips.length, 2);
  for (const s of skips) t.deepEqual(Array.from(s.getWeights()[0].dataSync()), new Array(8).fill(0), 'starts at zero');
  // Without it the model is the plain one: same outputs from the same seed.
  const plain = buildModel({ ...cfg, recentReturns: 0 });
  const { features, close } = batch(16, 32, 4, 11);
  const withSkip = model.predict([features, close]) as tf.Tensor[];
  const without = plain.predict([features, close]) as tf.Tensor[];
  withSkip.forEach((o, i) => t.true(maxDiff(o, without[i]) < 1e-6, `output ${model.outputNames[i]} equal at the start`));

  // Direction = the reversal of the last bar: the skip learns a negative weight on it.
  const last = tf.tidy(() => tf.sub(tf.log(close.slice([0, 31], [-1, 1])), tf.log(close.slice([0, 30], [-1, 1]))));
  const down = tf.tidy(() => tf.cast(tf.less(last, 0), 'float32'));
  model.compile({ optimizer: tf.train.adam(3e-2), loss: model.outputNames.map((n) => (n.startsWith('direction') ? 'binaryCrossentropy' : 'meanSquaredError')) });
  const ys = model.outputNames.map((n) => (n.startsWith('direction') ? down : tf.zerosLike(down)));
  for (let i = 0; i < 20; i++) await model.trainOnBatch([features, close], ys);
  const w = skips[0].getWeights()[0].dataSync();
  t.true(w[3] < -0.1, `weight on the last bar's return ${w[3]}`);

  const dir = mkdtempSync(join(tmpdir(), 'ntp-model-'));
  try {
    await saveModel(model, join(dir, 'model'));
    const loaded = await loadModel(join(dir, 'model'));
    const a = model.predict([features, close]) as tf.Tensor[];
    const b = loaded.predict([features, close]) as tf.Tensor[];
    a.forEach((x, i) => t.is(maxDiff(x, b[i]), 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
