import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { FusedLSTM, fusedLstm, lstmWithTfOps } from '../../src/models/fused-lstm.js';
import { setNativeKernels } from '../../src/models/native-kernels.js';

await tf.setBackend('cpu');
setNativeKernels(true);

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** A FusedLSTM and a tf.layers.lstm with identical weights, built on the same input shape. */
function pair(units: number, returnSequences: boolean, goBackwards: boolean, shape: [number, number, number]) {
  const ref = tf.layers.lstm({ units, returnSequences, goBackwards, recurrentActivation: 'sigmoid', unitForgetBias: true });
  const fused = new FusedLSTM({ units, returnSequences, goBackwards });
  ref.apply(tf.zeros(shape));  // builds the layers
  fused.apply(tf.zeros(shape));
  // Non-trivial bias so every gate's bias gradient is exercised.
  const w = ref.getWeights();
  ref.setWeights([w[0], w[1], tf.randomUniform(w[2].shape, -0.5, 0.5, 'float32', 3)]);
  fused.setWeights(ref.getWeights());
  return { ref, fused };
}

for (const [returnSequences, goBackwards] of [[true, false], [true, true], [false, false], [false, true]] as const) {
  test(`FusedLSTM matches tf.layers.lstm (returnSequences=${returnSequences}, goBackwards=${goBackwards})`, (t) => {
    const shape: [number, number, number] = [6, 9, 5];
    const { ref, fused } = pair(7, returnSequences, goBackwards, shape);
    const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
    const yr = ref.apply(x) as tf.Tensor, yf = fused.apply(x) as tf.Tensor;
    t.deepEqual(yf.shape, yr.shape);
    t.true(maxDiff(yf, yr) < 1e-5, `forward diff ${maxDiff(yf, yr)}`);

    // Gradients of a weighted sum w.r.t. the input and every weight.
    const r = tf.randomNormal(yr.shape, 0, 1, 'float32', 2);
    // Gradients w.r.t. the input and the weights through the op and through a tf-ops reference.
    const f = (layer: 'ref' | 'fused') => tf.grads((xi: tf.Tensor, k: tf.Tensor, rk: tf.Tensor, b: tf.Tensor) => {
      let out: tf.Tensor;
      if (layer === 'fused') {
        out = fusedLstm(xi as tf.Tensor3D, k as tf.Tensor2D, rk as tf.Tensor2D, b as tf.Tensor1D, goBackwards, returnSequences);
      } else {
        const y = lstmWithTfOps(xi as tf.Tensor3D, k as tf.Tensor2D, rk as tf.Tensor2D, b as tf.Tensor1D, goBackwards);
        out = returnSequences ? y : y.slice([0, y.shape[1] - 1, 0], [y.shape[0], 1, y.shape[2]]).reshape([y.shape[0], y.shape[2]]);
      }
      return tf.sum(tf.mul(out, r));
    })([x, ...ref.getWeights()]);
    const gf = f('fused'), gt = f('ref');
    // And through the layers themselves via variableGrads (the path training uses).
    const lossOf = (layer: tf.layers.Layer) => () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, r)) as tf.Scalar;
    const vr = tf.variableGrads(lossOf(ref), ref.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val));
    const vf = tf.variableGrads(lossOf(fused), fused.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val));
    const names = ['x', 'kernel', 'recurrent_kernel', 'bias'];
    gf.forEach((g, i) => t.true(maxDiff(g, gt[i]) < 1e-4, `grad ${names[i]} (op vs tf ops): ${maxDiff(g, gt[i])}`));
    const rg = Object.values(vr.grads), fg = Object.values(vf.grads);
    t.is(fg.length, 3);
    fg.forEach((g, i) => t.true(maxDiff(g, rg[i]) < 1e-4, `grad ${names[i + 1]} (FusedLSTM vs tf.layers.lstm): ${maxDiff(g, rg[i])}`));
    const dxRef = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(ref.apply(xi) as tf.Tensor, r)))(x);
    const dxFused = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(fused.apply(xi) as tf.Tensor, r)))(x);
    t.true(maxDiff(dxFused, dxRef) < 1e-4, `grad x (FusedLSTM vs tf.layers.lstm): ${maxDiff(dxFused, dxRef)}`);
    // The tf-ops reference agrees with tf.layers.lstm too, so the input gradient above is anchored.
    rg.forEach((g, i) => t.true(maxDiff(g, gt[i + 1]) < 1e-4));
  });
}

test('with no gradient recorded (predict), fusedLstm gives the training path\'s values', (t) => {
  // Enough rows for several row blocks of the inference kernel.
  const [B, T, F, U] = [40, 12, 5, 9];
  const x = tf.randomNormal([B, T, F], 0, 1, 'float32', 31) as tf.Tensor3D;
  const k = tf.randomNormal([F, 4 * U], 0, 0.4, 'float32', 32) as tf.Tensor2D;
  const rk = tf.randomNormal([U, 4 * U], 0, 0.4, 'float32', 33) as tf.Tensor2D;
  const b = tf.randomNormal([4 * U], 0, 0.4, 'float32', 34) as tf.Tensor1D;
  for (const [returnSequences, goBackwards] of [[true, false], [true, true], [false, false], [false, true]] as const) {
    const lstm = (xi: tf.Tensor) => fusedLstm(xi as tf.Tensor3D, k, rk, b, goBackwards, returnSequences);
    let recorded: tf.Tensor | undefined;
    tf.grad((xi: tf.Tensor) => {
      const y = lstm(xi);
      recorded = tf.keep(y.clone());
      return tf.sum(y);
    })(x);
    const inferred = lstm(x);
    t.deepEqual(inferred.shape, recorded!.shape);
    t.true(maxDiff(inferred, recorded!) < 1e-6, `returnSequences=${returnSequences}, goBackwards=${goBackwards}: ${maxDiff(inferred, recorded!)}`);
  }
});

test('FusedLSTM round-trips its config and rejects bad shapes', (t) => {
  const layer = new FusedLSTM({ units: 4, returnSequences: true, goBackwards: true, name: 'f' });
  const cfg = layer.getConfig();
  t.is(cfg.units, 4);
  t.is(cfg.goBackwards, true);
  t.throws(() => new FusedLSTM({ units: 0 }), { message: /units must be a positive integer/ });
  t.throws(() => layer.apply(tf.zeros([2, 3])), { message: /\[batch, steps, features\]/ });
  t.throws(() => fusedLstm(tf.zeros([2, 3, 4]), tf.zeros([5, 8]), tf.zeros([2, 8]), tf.zeros([8])), { message: /kernel must be \[4, 4\*units\]/ });
});
