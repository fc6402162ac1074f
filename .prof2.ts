import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from './src/config/index.js';
import { buildModel } from './src/models/index.js';
import { compositeLoss } from './src/losses/index.js';
import { prepareRuntime } from './src/training/runtime.js';
import { modelConfigFor, lossOptionsFor } from './src/training/model-config.js';
import { createOptimizer } from './src/training/optimizer.js';
import { namedOutputs } from './src/training/batch-tensors.js';
const config = resolveConfig({});
await prepareRuntime(config);
const model = buildModel(modelConfigFor(config, 10, 3, true));
const B = 144;
const x = tf.randomNormal([B, 64, 10]); const c = tf.add(1, tf.mul(0.01, tf.randomNormal([B, 64])));
const y = tf.randomNormal([B, 3]); const d = tf.cast(tf.greater(tf.randomUniform([B, 3]), 0.5), 'float32');
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
const opt = createOptimizer({ learningRate: 1e-3, clipNorm: 5 }, true);
const lo = lossOptionsFor(config);
function step(checkInputs: boolean) {
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const out = namedOutputs(model, model.apply([x, c], { training: true }) as tf.Tensor[]);
      const l = compositeLoss(out, { y, d }, { ...lo, checkInputs });
      const p = model.calculateLosses();
      return tf.addN([l.total, ...p]) as tf.Scalar;
    }, vars);
    opt.apply(vars, vars.map((v) => grads[v.name]));
    value.dataSync();
  });
}
for (const ci of [true, false]) {
  step(ci);
  const t0 = performance.now(); for (let i = 0; i < 5; i++) step(ci); const ms = (performance.now() - t0) / 5;
  console.log(`checkInputs=${ci}: ${ms.toFixed(1)} ms/step, ${(B / ms * 1000).toFixed(0)} samples/s`);
}
const prof = await tf.profile(() => step(false));
const agg = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) { const a = agg.get(k.name) ?? { ms: 0, n: 0 }; a.ms += Number(k.kernelTimeMs); a.n++; agg.set(k.name, a); }
console.log([...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14).map(([k, v]) => `${k} ${v.ms.toFixed(1)}ms x${v.n}`).join('\n'));
