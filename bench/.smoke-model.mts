import * as tf from '@tensorflow/tfjs';
import { buildModel, setNativeKernels } from '../src/models/index.js';
await tf.setBackend('cpu');
setNativeKernels(true);
let t0 = Date.now();
const m = buildModel();
console.log('build ms', Date.now() - t0, 'params', m.countParams(), m.outputNames);
const B = 144;
const f = tf.randomNormal([B, 64, 10]), c = tf.randomUniform([B, 64], 0.9, 1.1);
t0 = Date.now();
const out = m.predict([f, c]) as tf.Tensor[];
console.log('predict ms', Date.now() - t0, out.map((o) => o.shape));
m.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
const ys = out.map((o) => tf.zerosLike(o));
for (let i = 0; i < 3; i++) {
  t0 = Date.now();
  const l = await m.trainOnBatch([f, c], ys);
  console.log('train ms', Date.now() - t0, Array.isArray(l) ? l[0] : l);
}
