import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { NativeAdam, TfjsAdam, createOptimizer } from '../../src/training/optimizer.js';

await tf.setBackend('cpu');

function setup(seed: number) {
  const vars = [tf.variable(tf.randomNormal([7, 5], 0, 1, 'float32', seed)), tf.variable(tf.randomNormal([5], 0, 1, 'float32', seed + 1))];
  const grads = [tf.randomNormal([7, 5], 0, 3, 'float32', seed + 2), tf.randomNormal([5], 0, 3, 'float32', seed + 3)];
  return { vars, grads };
}

test('native Adam with clipping follows tf.train.adam with tf.clip_by_global_norm', async (t) => {
  const settings = { learningRate: 1e-2, clipNorm: 1 };
  const a = setup(1), b = setup(1);
  const native = createOptimizer(settings, true), js = createOptimizer(settings, false);
  t.true(native instanceof NativeAdam);
  t.true(js instanceof TfjsAdam);
  for (let step = 0; step < 5; step++) {
    native.apply(a.vars, a.grads);
    js.apply(b.vars, b.grads);
  }
  a.vars.forEach((v, i) => {
    const x = v.dataSync(), y = b.vars[i].dataSync();
    for (let k = 0; k < x.length; k++) t.true(Math.abs(x[k] - y[k]) < 1e-5, `var ${i}[${k}]: ${x[k]} vs ${y[k]}`);
  });
});

test('optimizer state round-trips: a restored optimizer continues exactly', async (t) => {
  const settings = { learningRate: 1e-2, clipNorm: 5 };
  for (const native of [true, false]) {
    const a = setup(4), b = setup(4);
    const first = createOptimizer(settings, native);
    first.apply(a.vars, a.grads);
    first.apply(a.vars, a.grads);
    b.vars.forEach((v, i) => v.assign(a.vars[i]));  // b now holds a's weights after two steps
    const state = await first.state();
    const second = createOptimizer(settings, native);
    await second.restore(state, b.vars);
    first.apply(a.vars, a.grads);
    second.apply(b.vars, b.grads);
    a.vars.forEach((v, i) => t.deepEqual(Array.from(b.vars[i].dataSync()), Array.from(v.dataSync()), `${state.kind} var ${i}`));
  }
});
