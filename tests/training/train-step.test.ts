/**
 * One training step (trainer.ts's trainStep): the L2 penalties the optimizer applies equal the
 * penalties on the tape (tfjs's own regularizer losses), and a non-finite batch fails naming the
 * input while the weights stay as they were.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { defaultConfig } from '../../src/config/defaults.js';
import { compositeLoss } from '../../src/losses/index.js';
import { buildModel, l2Penalties, setNativeKernels } from '../../src/models/index.js';
import { namedOutputs } from '../../src/training/batch-tensors.js';
import { lossOptionsFor } from '../../src/training/model-config.js';
import { createOptimizer } from '../../src/training/optimizer.js';
import { trainStep } from '../../src/training/trainer.js';
import { batchArrays, batchTensors } from '../helpers/model-batch.js';

await tf.setBackend('cpu');
const lossOptions = lossOptionsFor(defaultConfig());
// A large L2 so the penalty moves the loss and the update well past float32 noise.
const MODEL = { lookback: 24, features: 4, l2: 0.05, transformer: { dModel: 8, heads: 2, keyDim: 4, ffnDim: 16, blocks: 1, dropout: 0 },
  lstm: { units: 4 }, indicators: { hidden: [8], dropout: 0 }, tower: { hidden: [8], dropout: 0 } };

const batch = (seed: number) => batchTensors(batchArrays(8, 24, 4, 3, seed));

const weightsOf = (m: tf.LayersModel) => m.trainableWeights.map((w) => Array.from(w.read().dataSync()));

test('l2Penalties lists every dense kernel with the model\'s l2, and nothing when l2 is 0', (t) => {
  const model = buildModel(MODEL);
  const penalties = l2Penalties(model);
  t.true(penalties.size >= 5, `${penalties.size} penalised kernels`);
  for (const [name, l2] of penalties) {
    t.regex(name, /\/kernel(_\d+)?$/);
    t.is(l2, 0.05);
  }
  // Exactly the weights tfjs's own regularizer losses cover.
  const losses = model.calculateLosses();
  t.is(losses.length, penalties.size);
  tf.dispose(losses);
  const none = buildModel({ ...MODEL, l2: 0 });
  t.is(l2Penalties(none).size, 0);
  model.dispose();
  none.dispose();
});

test('l2Penalties refuses a penalty the optimizer cannot apply', (t) => {
  const x = tf.input({ shape: [3] });
  const y = tf.layers.dense({ units: 2, kernelRegularizer: tf.regularizers.l1l2({ l1: 0.1, l2: 0.1 }), name: 'l1dense' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: y });
  t.throws(() => l2Penalties(model), { message: /layer l1dense: kernelRegularizer L1L2 \(l1 0\.1\) is not supported/ });
  model.dispose();
});

for (const native of [true, false]) {
  test.serial(`a step with the optimizer's L2 equals a step with the penalties on the tape (${native ? 'native' : 'tfjs'} Adam)`, (t) => {
    setNativeKernels(native);
    try {
      const a = buildModel(MODEL, { seed: 5 }), b = buildModel(MODEL, { seed: 5 });
      const va = a.trainableWeights.map((w) => w.read() as tf.Variable), vb = b.trainableWeights.map((w) => w.read() as tf.Variable);
      const oa = createOptimizer({ learningRate: 1e-2, clipNorm: 1 }, native), ob = createOptimizer({ learningRate: 1e-2, clipNorm: 1 }, native);
      for (let k = 0; k < 3; k++) {
        const bt = batch(k);
        const got = trainStep(a, oa, va, bt, lossOptions);
        // The reference: tfjs's regularizer losses added to the loss, so the tape differentiates them.
        const want = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            const out = namedOutputs(b, b.apply([bt.features, bt.close], { training: true }) as tf.Tensor[]);
            return tf.addN([compositeLoss(out, { y: bt.y, d: bt.d }, lossOptions).total, ...b.calculateLosses()]) as tf.Scalar;
          }, vb);
          ob.apply(vb, vb.map((v) => grads[v.name]));
          return value.dataSync()[0];
        });
        tf.dispose(Object.values(bt));
        t.true(Math.abs(got - want) <= 1e-6 * Math.abs(want), `step ${k}: loss ${got} vs ${want}`);
      }
      const wa = weightsOf(a), wb = weightsOf(b);
      let worst = 0;
      // Not the attention key bias: softmax ignores a constant added to a row's scores, so its
      // gradient is zero in exact arithmetic and float32 noise in both runs, which Adam scales to
      // a full step (its values differ at ~1e-6, both noise).
      wa.forEach((w, i) => {
        if (/key_bias/.test(a.trainableWeights[i].name)) return;
        w.forEach((x, j) => { worst = Math.max(worst, Math.abs(x - wb[i][j]) / Math.max(1e-3, Math.abs(wb[i][j]))); });
      });
      t.true(worst <= 1e-5, `largest relative weight difference after 3 steps: ${worst}`);
      t.log(`largest relative weight difference after 3 steps: ${worst.toExponential(2)}`);
      [a, b].forEach((m) => m.dispose());
      [oa, ob].forEach((o) => o.dispose());
    } finally {
      setNativeKernels(false);
    }
  });

  test.serial(`a non-finite batch fails naming the input and changes no weight (${native ? 'native' : 'tfjs'} Adam)`, async (t) => {
    setNativeKernels(native);
    try {
      const model = buildModel(MODEL, { seed: 6 });
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const optimizer = createOptimizer({ learningRate: 1e-2, clipNorm: 1 }, native);
      const good = batch(1);
      trainStep(model, optimizer, variables, good, lossOptions);
      const before = weightsOf(model);
      const bad = batch(2);
      const y = bad.y.arraySync();
      y[3][1] = NaN;
      bad.y.dispose();
      bad.y = tf.tensor2d(y);
      const stateBefore = await optimizer.state();
      const tensorsBefore = tf.memory().numTensors;
      t.throws(() => trainStep(model, optimizer, variables, bad, lossOptions), { message: /^targets\.y has a non-finite value \(NaN\) at index \[3, 1\]/ });
      t.is(tf.memory().numTensors, tensorsBefore, 'no tensor leaked by the failed step');
      t.deepEqual(weightsOf(model), before);
      // Nor did the optimizer's state move: moments and step count as they were.
      t.deepEqual(await optimizer.state(), stateBefore);
      t.true(Number.isFinite(trainStep(model, optimizer, variables, good, lossOptions)));
      tf.dispose([...Object.values(good), ...Object.values(bad)]);
      optimizer.dispose();
      model.dispose();
    } finally {
      setNativeKernels(false);
    }
  });
}
