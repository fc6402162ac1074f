import * as tf from '@tensorflow/tfjs';
import { buildModel, setNativeKernels } from '../src/models/index.js';
await tf.setBackend('cpu');
setNativeKernels(true);
const times = new Map<string, { ms: number; n: number; shapes: Map<string, [number, number]> }>();
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
    const s = e.shapes.get(key) ?? [0, 0]; s[0] += dt; s[1]++;
    e.shapes.set(key, s);
    times.set(k.kernelName, e);
    return r;
  } });
}
const m = buildModel();
const B = 144;
const mode = process.argv[2] ?? 'train';
const f = tf.randomNormal([B * (mode === 'train' ? 1 : 4), 64, 10]), c = tf.randomUniform([B * (mode === 'train' ? 1 : 4), 64], 0.9, 1.1);
m.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
const ys = m.outputs.map(() => tf.zeros([B, 1]));
const step = async () => { if (mode === 'train') await m.trainOnBatch([f, c], ys); else tf.dispose(m.predict([f, c], { batchSize: 288 })); };
await step();
times.clear();
let t0 = Date.now();
await step();
const wall = Date.now() - t0;
let total = 0;
for (const e of times.values()) total += e.ms;
console.log(mode, 'wall', wall, 'kernel total', total.toFixed(0));
const rows = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14);
for (const [name, e] of rows) {
  const top = [...e.shapes.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 3).map(([s, [ms, n]]) => `${s}:${ms.toFixed(0)}/${n}`).join(' ');
  console.log(name.padEnd(16), e.ms.toFixed(1).padStart(7), String(e.n).padStart(5), top);
}
