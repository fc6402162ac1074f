// Reference-model throughput on tfjs's `cpu` backend (SPEC §7.4, §12): training samples/s with
// the native kernels on vs off in the same process, inference samples/s, and where the time of
// a native training step goes (per tfjs kernel and per native fused op).
//
//   node --import tsx bench/model-bench.js [--steps N] [--off-steps N] [--out bench/results/model.json]
//
// Each training step is the trainer's own (src/training/trainer.ts trainStep): forward, the
// composite loss + L2, gradients, Adam with global-norm clipping. "on" is the native path
// (native kernels, fused LSTM/attention, fused native Adam); "off" is the pure-JS path
// (tfjs-backend-cpu's kernels, tf.layers.lstm, tf.train.adam), measured in the same process.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { availableParallelism, cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';

import { resolveConfig } from '../src/config/index.js';
import { buildModel, setNativeKernels } from '../src/models/index.js';
import { lossOptionsFor } from '../src/training/model-config.js';
import { createOptimizer } from '../src/training/optimizer.js';
import { trainStep } from '../src/training/trainer.js';
import { nativeAddonStatus, tryNativeAddon } from '../src/native/addon.js';
import { flag, numberFlag } from './flags.js';

const STEPS = numberFlag('steps', 8);
const OFF_STEPS = numberFlag('off-steps', 2);
const OUT = resolve(flag('out', 'bench/results/model.json'));
const B = 144, T = 64, F = 10;
const loadAtStart = loadavg();  // the machine is shared: record how busy it was

await tf.setBackend('cpu');

function data(n, seed) {
  const features = tf.randomNormal([n, T, F], 0, 1, 'float32', seed);
  const close = tf.add(1, tf.mul(0.01, tf.randomNormal([n, T], 0, 1, 'float32', seed + 1)));
  return { features, close };
}

const lossOptions = lossOptionsFor(resolveConfig({}));

function batch() {
  const { features, close } = data(B, 1);
  const y = tf.randomNormal([B, 3], 0, 1, 'float32', 5);
  const d = tf.cast(tf.greater(y, 0), 'float32');
  return { features, close, y, d };
}

/** A function running one trainer step on a fixed batch with the matching optimizer. */
function stepper(model, native) {
  const variables = model.trainableWeights.map((w) => w.read());
  const optimizer = createOptimizer({ learningRate: 1e-3, clipNorm: 5 }, native);
  const b = batch();
  return () => trainStep(model, optimizer, variables, b, lossOptions);
}

async function trainRate(step, steps) {
  step();  // warm-up (allocations, first-call costs)
  const times = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  return { stepsTimed: steps, medianStepMs: +median.toFixed(1), bestStepMs: +times[0].toFixed(1), samplesPerSec: +(B / (median / 1000)).toFixed(1) };
}

function inferenceRate(model, n, batchSize, reps) {
  const { features, close } = data(n, 3);
  tf.dispose(model.predict([features, close], { batchSize }));
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = model.predict([features, close], { batchSize });
    for (const o of out) o.dataSync();
    tf.dispose(out);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  return { samples: n, batchSize, medianMs: +median.toFixed(1), samplesPerSec: +(n / (median / 1000)).toFixed(1) };
}

// Times every cpu kernel (wrapping the registered kernel functions) and the addon's fused ops
// during one training step.
async function profileStep(step) {
  const kernels = new Map();
  const restore = [];
  for (const k of tf.getKernelsForBackend('cpu')) {
    const orig = k;
    tf.unregisterKernel(k.kernelName, 'cpu');
    tf.registerKernel({ ...k, kernelFunc: (a) => {
      const t0 = performance.now();
      const r = orig.kernelFunc(a);
      const e = kernels.get(k.kernelName) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      kernels.set(k.kernelName, e);
      return r;
    } });
    restore.push(orig);
  }
  const addon = tryNativeAddon();
  const native = new Map();
  const wrapped = [];
  for (const name of ['lstmForward', 'lstmBackward', 'attentionForward', 'attentionBackward', 'layerNormForward', 'layerNormBackward', 'indicatorForward', 'indicatorBackward']) {
    if (!addon || typeof addon[name] !== 'function') continue;
    const fn = addon[name];
    addon[name] = (o) => {
      const t0 = performance.now();
      const r = fn(o);
      const e = native.get(name) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      native.set(name, e);
      return r;
    };
    wrapped.push([name, fn]);
  }
  step();
  kernels.clear();
  native.clear();
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  for (const k of restore) {
    tf.unregisterKernel(k.kernelName, 'cpu');
    tf.registerKernel(k);
  }
  for (const [name, fn] of wrapped) addon[name] = fn;
  const table = (m) => [...m.entries()].sort((a, b) => b[1].ms - a[1].ms)
    .map(([name, e]) => ({ name, ms: +e.ms.toFixed(1), calls: e.calls }));
  const kernelRows = table(kernels), nativeRows = table(native);
  const kernelMs = kernelRows.reduce((s, r) => s + r.ms, 0);
  const nativeMs = nativeRows.reduce((s, r) => s + r.ms, 0);
  // Native fused ops run inside customGrad, outside any kernel: the remainder is JS glue
  // (tape, layers, optimizer bookkeeping, allocation).
  return {
    stepWallMs: +wall.toFixed(1), tfjsKernelsMs: +kernelMs.toFixed(1), nativeFusedOpsMs: +nativeMs.toFixed(1),
    otherMs: +(wall - kernelMs - nativeMs).toFixed(1), topKernels: kernelRows.slice(0, 15), nativeOps: nativeRows,
  };
}

const status = nativeAddonStatus();
if (!status.loaded) throw new Error(`model-bench: ${status.error}`);

console.log(`model-bench: batch ${B}, T ${T}, F ${F}; ${availableParallelism()} cpus (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

setNativeKernels(true);
const nativeModel = buildModel({ features: F, lookback: T, lstmImplementation: 'auto' });
console.log(`params: ${nativeModel.countParams()}`);
const nativeStep = stepper(nativeModel, true);
const trainOn = await trainRate(nativeStep, STEPS);
console.log(`train native on : ${trainOn.samplesPerSec} samples/s (median step ${trainOn.medianStepMs} ms)`);
const inferOn = inferenceRate(nativeModel, 4 * B * 2, 288, 5);
console.log(`infer native on : ${inferOn.samplesPerSec} samples/s`);
const profile = await profileStep(nativeStep);
console.log(`profile: step ${profile.stepWallMs} ms = tfjs kernels ${profile.tfjsKernelsMs} + native fused ops ${profile.nativeFusedOpsMs} + other ${profile.otherMs}`);
for (const r of profile.topKernels.slice(0, 8)) console.log(`  ${r.name.padEnd(18)} ${String(r.ms).padStart(8)} ms  ${r.calls} calls`);
for (const r of profile.nativeOps) console.log(`  [native] ${r.name.padEnd(18)} ${String(r.ms).padStart(8)} ms  ${r.calls} calls`);

setNativeKernels(false);
const jsModel = buildModel({ features: F, lookback: T, lstmImplementation: 'layers' });
const trainOff = await trainRate(stepper(jsModel, false), OFF_STEPS);
console.log(`train native off: ${trainOff.samplesPerSec} samples/s (median step ${trainOff.medianStepMs} ms)`);
const inferOff = inferenceRate(jsModel, B, 144, 1);
console.log(`infer native off: ${inferOff.samplesPerSec} samples/s`);

const result = {
  name: 'model',
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? null, loadavgAtStart: loadAtStart, loadavgAtEnd: loadavg() },
  config: { batch: B, lookback: T, features: F, params: nativeModel.countParams(), stepsTimed: STEPS, offStepsTimed: OFF_STEPS },
  train: { nativeOn: trainOn, nativeOff: trainOff, speedup: +(trainOn.samplesPerSec / trainOff.samplesPerSec).toFixed(1) },
  inference: { nativeOn: inferOn, nativeOff: inferOff, speedup: +(inferOn.samplesPerSec / inferOff.samplesPerSec).toFixed(1) },
  targets: { trainSpeedup: 20, trainSamplesPerSec: 450, inferenceSamplesPerSec: 2000 },
  profileNativeStep: profile,
};
// Rows for `npm run bench`'s summary table.
result.rows = [
  { metric: 'training step, reference model (native on)', value: trainOn.samplesPerSec, unit: 'samples/s', baseline: 'pure-JS tfjs cpu', baselineValue: trainOff.samplesPerSec, ratio: result.train.speedup, target: '>= 20x and >= 450/s', pass: result.train.speedup >= 20 && trainOn.samplesPerSec >= 450 },
  { metric: 'inference, reference model (native on)', value: inferOn.samplesPerSec, unit: 'samples/s', baseline: 'pure-JS tfjs cpu', baselineValue: inferOff.samplesPerSec, ratio: result.inference.speedup, target: '>= 2000/s', pass: inferOn.samplesPerSec >= 2000 },
];
console.log(`speedup: training ${result.train.speedup}x, inference ${result.inference.speedup}x`);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(`${OUT}.tmp`, JSON.stringify(result, null, 2) + '\n');
renameSync(`${OUT}.tmp`, OUT);
console.log(`wrote ${OUT}`);
