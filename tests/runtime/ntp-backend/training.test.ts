/**
 * The reference model through the `ntp` backend on the host device: one training step matches the
 * tfjs cpu path (loss and every gradient), many steps leak neither tensors nor device memory, and a
 * model trained on ntp saves files that load on the cpu backend with the same predictions.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { defaultConfig } from '../../../src/config/defaults.js';
import { compositeTotal } from '../../../src/losses/index.js';
import { buildModel, loadModel, predictNamed, saveModel } from '../../../src/models/index.js';
import { setNativeKernels } from '../../../src/models/native-kernels.js';
import { useNtpBackend } from '../../../src/runtime/ntp-backend/index.js';
import { testDevice } from './device.js';
import { namedOutputs } from '../../../src/training/batch-tensors.js';
import { lossOptionsFor } from '../../../src/training/model-config.js';
import { createOptimizer } from '../../../src/training/optimizer.js';
import { batchArrays, batchTensors as tensors, type BatchArrays } from '../../helpers/model-batch.js';
import { trainStep } from '../../../src/training/trainer.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');
const ntp = await useNtpBackend(testDevice());
const lossOptions = lossOptionsFor(defaultConfig());

/** Dropout off so both backends compute the same function (their random masks differ by design). */
const NO_DROPOUT = { transformer: { dropout: 0 }, indicators: { dropout: 0 }, tower: { dropout: 0 } };
// A lookback above 21 keeps the indicators' default periods in range (shorter ones are clipped).
const SMALL = { lookback: 24, features: 4, transformer: { dModel: 8, heads: 2, keyDim: 4, ffnDim: 16, blocks: 1 }, lstm: { units: 4 },
  indicators: { hidden: [8] }, tower: { hidden: [8] } };

/**
 * The training step's loss (composite + L2) and the gradient of every trainable weight, on the active
 * backend: the trainer's compositeTotal, the fused loss on ntp and tfjs's ops on the pure-JS cpu path.
 */
function lossAndGradients(model: tf.LayersModel, a: BatchArrays): { loss: number; grads: Map<string, Float32Array> } {
  let result: { loss: number; grads: Map<string, Float32Array> } | undefined;
  tf.tidy(() => {
    const t = tensors(a);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const out = namedOutputs(model, model.apply([t.features, t.close], { training: true }) as tf.Tensor[]);
      const total = compositeTotal(out, { y: t.y, d: t.d }, lossOptions);
      return tf.addN([total, ...model.calculateLosses()]) as tf.Scalar;
    }, variables);
    result = { loss: value.dataSync()[0], grads: new Map(variables.map((v) => [v.name, grads[v.name].dataSync() as Float32Array])) };
  });
  return result!;
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * a[k];
  return Math.sqrt(s);
}

/**
 * ||a - b|| / max(||b||, floor): the relative error of a whole gradient (elementwise ratios blow up
 * near zero). The floor, 1e-3 of the global gradient norm, is for gradients that are zero in exact
 * arithmetic and only float32 noise in both paths (the attention key bias: softmax ignores a
 * constant added to every score of a row, ~1e-10 here against a global norm of ~5).
 */
function relativeError(a: Float32Array, b: Float32Array, floor = 0): number {
  const diff = norm(a.map((v, k) => v - b[k]));
  return diff === 0 ? 0 : diff / Math.max(norm(b), floor);
}

async function compareStep(t: import('ava').ExecutionContext, nativeKernels: boolean, rel: number) {
  await tf.setBackend('cpu');
  setNativeKernels(nativeKernels);
  const model = buildModel(NO_DROPOUT, { seed: 42 });
  const batch = batchArrays(8, 64, 10);
  const want = lossAndGradients(model, batch);
  await tf.setBackend('ntp');
  const got = lossAndGradients(model, batch);
  t.true(Math.abs(got.loss - want.loss) <= rel * Math.abs(want.loss), `loss ntp ${got.loss} vs cpu ${want.loss}`);
  t.is(got.grads.size, want.grads.size);
  const floor = 1e-3 * Math.hypot(...[...want.grads.values()].map(norm));
  let worst = ['', 0] as [string, number];
  for (const [name, g] of want.grads) {
    const e = relativeError(got.grads.get(name)!, g, floor);
    if (!(e <= worst[1])) worst = [name, e];
  }
  t.true(worst[1] <= rel, `largest relative gradient error ${worst[1]} (${worst[0]})`);
  t.log(`largest relative gradient error ${worst[1].toExponential(2)} (${worst[0]})`);
  model.dispose();
  setNativeKernels(false);
}

test.serial('a training step of the reference model matches tfjs cpu kernels (same graph)', async (t) => {
  await compareStep(t, false, 1e-5);
});

test.serial('a training step of the reference model matches the cpu path with native kernels and fused ops', async (t) => {
  await compareStep(t, true, 1e-5);
});

test.serial('the fused Adam step on ntp equals the cpu path\'s native Adam bit for bit, state and L2 penalties included', async (t) => {
  const shapes = [[3, 4], [7], [1]];
  const l2 = [1e-3, 0, 0.5];
  const run = async (backend: string, native: boolean) => {
    await tf.setBackend(backend);
    const vars = shapes.map((s, k) => tf.variable(tf.tensor(batchArrays(1, 1, tf.util.sizeFromShape(s), 1, k).features, s)));
    const opt = createOptimizer({ learningRate: 0.01, clipNorm: 0.5 }, native);
    const penalties: number[] = [];
    for (let step = 0; step < 3; step++) {
      const grads = shapes.map((s, k) => tf.tensor(batchArrays(1, 1, tf.util.sizeFromShape(s), 1, 10 * step + k).features, s));
      penalties.push(opt.apply(vars, grads, l2).penalty);
      tf.dispose(grads);
    }
    const state = await opt.state();
    const out = { kind: opt.kind, penalties, params: vars.map((v) => Array.from(v.dataSync())), moments: state.arrays.map((a) => Array.from(a.data)), step: state.scalars.step };
    opt.dispose();
    tf.dispose(vars);
    return out;
  };
  const cpu = await run('cpu', true);
  const device = await run('ntp', false);
  t.deepEqual(device, cpu);
});

test.serial('a NaN gradient on ntp changes no weight, moment or step count', async (t) => {
  await tf.setBackend('ntp');
  const vars = [tf.variable(tf.tensor([1, 2, 3])), tf.variable(tf.tensor([[4, 5]]))];
  const opt = createOptimizer({ learningRate: 0.01, clipNorm: 1 }, false);
  t.true(opt.apply(vars, [tf.tensor([0.1, 0.2, 0.3]), tf.tensor([[0.4, 0.5]])], [0.1, 0]).applied);
  const before = { params: vars.map((v) => Array.from(v.dataSync())), state: await opt.state() };
  const result = opt.apply(vars, [tf.tensor([0.1, NaN, 0.3]), tf.tensor([[0.4, 0.5]])], [0.1, 0]);
  t.false(result.applied);
  t.true(Number.isNaN(result.norm));
  t.deepEqual({ params: vars.map((v) => Array.from(v.dataSync())), state: await opt.state() }, before);
  opt.dispose();
  tf.dispose(vars);
});

test.serial('the fused Adam step refuses a buffer it writes twice or also reads as a gradient', async (t) => {
  // All tensors of a step update concurrently: an aliased buffer would make the result depend on timing.
  await tf.setBackend('ntp');
  const [p, g, m, v, out, p2] = [0, 1, 2, 3, 4, 5].map(() => tf.tensor([1, 2, 3]));
  const h = (x: tf.Tensor) => ntp.handle(x);
  const step = (o: { params: tf.Tensor[]; grads: tf.Tensor[]; m: tf.Tensor[]; v: tf.Tensor[]; out?: tf.Tensor[] }) => ntp.addon.tensorAdamStep({
    params: o.params.map(h), grads: o.grads.map(h), m: o.m.map(h), v: o.v.map(h), ...(o.out ? { out: o.out.map(h) } : {}),
    learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1, clipNorm: 0 });
  t.throws(() => step({ params: [p], grads: [g], m: [m], v: [m] }), { message: /v\[0\] is the same buffer as .*m\[0\]/ });
  t.throws(() => step({ params: [p], grads: [m], m: [m], v: [v] }), { message: /grads\[0\] is the same buffer as .*m\[0\]/ });
  t.throws(() => step({ params: [p, p2], grads: [g, g], m: [m, v], v: [v, out] }), { message: /m\[1\] is the same buffer/ });
  t.throws(() => step({ params: [p, p2], grads: [g, g], m: [m, v], v: [out, tf.tensor([0, 0, 0])], out: [p2, p2] }), { message: /out\[1\]|params\[1\]/ });
  // Empty tensors have no buffer to alias; gradients may share a buffer, and out[i] may be params[i] (in place).
  const empty = () => tf.tensor([]);
  t.true(step({ params: [empty(), empty()], grads: [empty(), empty()], m: [empty(), empty()], v: [empty(), empty()], out: [empty(), empty()] }).applied);
  t.true(step({ params: [p, p2], grads: [g, g], m: [m, v], v: [out, tf.tensor([0, 0, 0])], out: [p, p2] }).applied);
});

test.serial('a training step on ntp reads one tensor back from the device: the loss', async (t) => {
  // Every read stalls a GPU until its queue drains; the step's only one is the loss it reports
  // (the learnable indicators' periods reach their kernels clipped on the device, unread). The
  // fused Adam step's wait for its gradient norm (the clip needs it) is the step's other one.
  await tf.setBackend('ntp');
  const model = buildModel(SMALL, { seed: 2 });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer({ learningRate: 1e-3, clipNorm: 5 }, false);
  const step = () => {
    const bt = tensors(batchArrays(16, 24, 4, 3, 5));
    try {
      return trainStep(model, optimizer, variables, bt, lossOptions);
    } finally {
      tf.dispose(Object.values(bt));
    }
  };
  step();
  const readSync = ntp.readSync.bind(ntp);
  let reads = 0;
  ntp.readSync = (dataId) => { reads++; return readSync(dataId); };
  try {
    step();
  } finally {
    ntp.readSync = readSync;
  }
  t.is(reads, 1);
  optimizer.dispose();
  model.dispose();
});

test.serial('200 training steps grow neither the tensor count nor the device memory', async (t) => {
  await tf.setBackend('ntp');
  const model = buildModel(SMALL, { seed: 1 });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer({ learningRate: 1e-3, clipNorm: 5 }, false);
  const step = (k: number) => {
    const bt = tensors(batchArrays(16, 24, 4, 3, k));
    try {
      return trainStep(model, optimizer, variables, bt, lossOptions);
    } finally {
      tf.dispose(Object.values(bt));
    }
  };
  const first = step(0);  // creates the optimizer's moments
  step(1);
  const tensorsBefore = tf.memory().numTensors, before = ntp.deviceMemory();
  let last = first;
  for (let k = 2; k < 200; k++) last = step(k);
  const after = ntp.deviceMemory();
  t.is(tf.memory().numTensors, tensorsBefore);
  t.is(after.inUse, before.inUse, 'bytes in use');
  t.is(after.deviceAllocs, before.deviceAllocs, 'no new device allocations after the first steps');
  t.true(Number.isFinite(last) && last !== first, `loss moved: ${first} -> ${last}`);
  optimizer.dispose();
  model.dispose();
});

test.serial('a model trained on ntp saves files that load on cpu with the same predictions', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-interchange-'));
  try {
    await tf.setBackend('ntp');
    const model = buildModel(SMALL, { seed: 3 });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = createOptimizer({ learningRate: 1e-2, clipNorm: 5 }, false);
    for (let k = 0; k < 3; k++) {
      const bt = tensors(batchArrays(16, 24, 4, 3, k));
      trainStep(model, optimizer, variables, bt, lossOptions);
      tf.dispose(Object.values(bt));
    }
    const input = batchArrays(5, 24, 4, 3, 99);
    const predict = (m: tf.LayersModel) => tf.tidy(() => {
      const bt = tensors(input);
      return Object.fromEntries(Object.entries(predictNamed(m, bt.features, bt.close)).map(([k, v]) => [k, Array.from(v.dataSync())]));
    });
    const onNtp = predict(model);
    await saveModel(model, dir);
    optimizer.dispose();
    model.dispose();
    await tf.setBackend('cpu');
    const loaded = await loadModel(dir);
    const onCpu = predict(loaded);
    t.deepEqual(Object.keys(onCpu), Object.keys(onNtp));
    for (const [name, v] of Object.entries(onNtp)) {
      const e = relativeError(Float32Array.from(onCpu[name]), Float32Array.from(v));
      t.true(e <= 1e-5, `${name}: relative difference ${e}`);
    }
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
