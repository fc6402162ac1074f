// The `ntp` backend against the CPU path (issue 13): training and inference samples/s of the
// reference model on the ntp backend's device vs tfjs's cpu backend with the native kernels (the
// fastest CPU path), both in this process on this machine.
//
//   node --import tsx bench/device-bench.js [--device host|cuda] [--batches 144,1024] [--steps N] [--out FILE]
//
// `--device host` (the default, any machine) measures the host device: the same kernels the
// GPU runs, on the CPU, through the addon's buffers. `--device cuda` fails (exit 1) without a
// usable GPU, and fails when the GPU's allocator was never used (the work did not run there).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { availableParallelism, cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';

import { resolveConfig } from '../src/config/index.js';
import { buildModel, setNativeKernels } from '../src/models/index.js';
import { useNtpBackend } from '../src/runtime/ntp-backend/index.js';
import { lossOptionsFor } from '../src/training/model-config.js';
import { createOptimizer } from '../src/training/optimizer.js';
import { trainStep } from '../src/training/trainer.js';
import { flag, numberFlag } from './flags.js';

const DEVICE = flag('device', 'host');
const BATCHES = String(flag('batches', '144')).split(',').map(Number);
const STEPS = numberFlag('steps', 4);
// `npm run bench -- device` reads bench/results/device.json (the host run).
const NAME = DEVICE === 'host' ? 'device' : `device-${DEVICE}`;
const OUT = resolve(flag('out', `bench/results/${NAME}.json`));
const T = 64, F = 10;
const lossOptions = lossOptionsFor(resolveConfig({}));

tf.env().set('PROD', true);

function batch(B, seed) {
  const features = tf.randomNormal([B, T, F], 0, 1, 'float32', seed);
  const close = tf.add(1, tf.mul(0.01, tf.randomNormal([B, T], 0, 1, 'float32', seed + 1)));
  const y = tf.randomNormal([B, 3], 0, 0.5, 'float32', seed + 2);
  return { features, close, y, d: tf.cast(tf.greater(y, 0), 'float32') };
}

/** Median samples/s of `steps` trainer steps at batch B (after one warm-up step). */
function trainRate(model, native, B) {
  const variables = model.trainableWeights.map((w) => w.read());
  const optimizer = createOptimizer({ learningRate: 1e-3, clipNorm: 5 }, native);
  const b = batch(B, 1);
  trainStep(model, optimizer, variables, b, lossOptions);
  const times = [];
  for (let s = 0; s < STEPS; s++) {
    const t0 = performance.now();
    trainStep(model, optimizer, variables, b, lossOptions);  // reads the loss: the step has finished
    times.push(performance.now() - t0);
  }
  tf.dispose(Object.values(b));
  optimizer.dispose();
  times.sort((x, y) => x - y);
  const median = times[Math.floor(times.length / 2)];
  return { batch: B, medianStepMs: +median.toFixed(1), samplesPerSec: +(B / (median / 1000)).toFixed(1) };
}

function inferenceRate(model, n = 2048, batchSize = 1024) {
  const { features, close, y, d } = batch(n, 3);
  const run = () => {
    const out = model.predict([features, close], { batchSize });
    for (const o of out) o.dataSync();
    tf.dispose(out);
  };
  run();
  const t0 = performance.now();
  run();
  const ms = performance.now() - t0;
  tf.dispose([features, close, y, d]);
  return { samples: n, batchSize, ms: +ms.toFixed(1), samplesPerSec: +(n / (ms / 1000)).toFixed(1) };
}

console.log(`device-bench: ntp on ${DEVICE} vs the cpu path; ${availableParallelism()} cpus (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

await tf.setBackend('cpu');
setNativeKernels(true);
const cpuModel = buildModel({ features: F, lookback: T });
const cpu = { train: BATCHES.map((B) => trainRate(cpuModel, true, B)), inference: inferenceRate(cpuModel) };
cpuModel.dispose();
setNativeKernels(false);

const ntp = await useNtpBackend(DEVICE);  // throws, naming why, for cuda without a GPU
const ntpModel = buildModel({ features: F, lookback: T });
const dev = { train: BATCHES.map((B) => trainRate(ntpModel, false, B)), inference: inferenceRate(ntpModel) };
const memory = ntp.deviceMemory();
ntpModel.dispose();

const deviceName = DEVICE === 'cuda' ? ntp.addon.deviceInfo().cudaDevice : `host (${cpus()[0]?.model ?? '?'})`;
const rows = [
  ...BATCHES.map((B, k) => ({ metric: `training, reference model, batch ${B} (ntp ${DEVICE})`, value: dev.train[k].samplesPerSec, unit: 'samples/s',
    baseline: 'cpu path (native kernels)', baselineValue: cpu.train[k].samplesPerSec, ratio: +(dev.train[k].samplesPerSec / cpu.train[k].samplesPerSec).toFixed(2) })),
  { metric: `inference, reference model (ntp ${DEVICE})`, value: dev.inference.samplesPerSec, unit: 'samples/s', baseline: 'cpu path (native kernels)',
    baselineValue: cpu.inference.samplesPerSec, ratio: +(dev.inference.samplesPerSec / cpu.inference.samplesPerSec).toFixed(2) },
];
for (const r of rows) console.log(`${r.metric}: ${r.value} ${r.unit} vs ${r.baselineValue} (${r.ratio}x)`);
console.log(`device allocator: ${(memory.peak / 2 ** 20).toFixed(1)} MiB peak, ${memory.deviceAllocs} device allocations, ${memory.reuses} reuses`);

const result = { name: NAME, date: new Date().toISOString(), device: deviceName, cpus: availableParallelism(), steps: STEPS, cpu, ntp: dev, memory, rows };
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(`${OUT}.tmp`, JSON.stringify(result, null, 2) + '\n');
renameSync(`${OUT}.tmp`, OUT);
console.log(`wrote ${OUT}`);
if (memory.deviceAllocs === 0) {
  console.error(`device-bench: the ${DEVICE} allocator was never used: the model did not run on the device`);
  process.exit(1);
}
