import * as tf from '@tensorflow/tfjs';
import { buildModel, setNativeKernels } from '../src/models/index.js';
await tf.setBackend('cpu');
setNativeKernels(true);
const times = new Map<string, { ms: number; n: number; shapes: Map<string, number> }>();
for (const k of tf.getKernelsForBackend('cpu')) {
  const orig = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'cpu');
  tf.registerKernel({ ...k, kernelFunc: (args) => {
    const t0 = performance.now();
    const r = orig(args);
    const dt = performance.now() - t0;
    const e = times.get(k.kernelName) ?? { ms: 0, n: 0, shapes: new Map() };
    e.ms += dt; e.n++;
    const key = JSON.stringify(Object.values(args.inputs).map((t) => t?.shape));
    e.shapes.set(key, (e.shapes.get(key) ?? 0) + dt);
    times.set(k.kernelName, e);
    return r;
  } });
}
const m = buildModel();
const B = 144;
const f = tf.randomNormal([B, 64, 10]), c = tf.randomUniform([B, 64], 0.9, 1.1);
m.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
const ys = m.outputs.map(() => tf.zeros([B, 1]));
let t0 = Date.now();
await m.trainOnBatch([f, c], ys);
console.log('first step', Date.now() - t0);
times.clear();
t0 = Date.now();
for (let i = 0; i < 3; i++) await m.trainOnBatch([f, c], ys);
const wall = Date.now() - t0;
let total = 0;
for (const e of times.values()) total += e.ms;
console.log('step wall', wall, 'kernel total', total.toFixed(0));
const rows = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 22);
for (const [name, e] of rows) {
  const top = [...e.shapes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([s, ms]) => `${s}:${ms.toFixed(0)}`).join(' ');
  console.log(name.padEnd(22), e.ms.toFixed(1).padStart(8), 'ms', String(e.n).padStart(5), top);
}
