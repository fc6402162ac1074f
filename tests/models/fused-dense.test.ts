/**
 * `linear` on the cpu backend with the native kernels runs its own op (one _FusedMatMul, its own
 * gradient): values and the gradients of x, W and b equal tfjs's fused.matMul path, which
 * tf.layers.dense takes, bit for bit. (On ntp it is compared with the cpu path in
 * tests/runtime/ntp-backend/kernels.test.ts.)
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { mulberry32 } from '../../src/data/random.js';
import { linear, setNativeKernels } from '../../src/models/index.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

const f = (shape: number[], seed: number) => {
  const r = mulberry32(seed);
  return tf.tensor(Array.from({ length: tf.util.sizeFromShape(shape) }, () => 6 * r() - 3), shape);
};

/** What tf.layers.dense computes (K.dot: [M, K] view, fused.matMul, back to [..., N]). */
function tfjsDense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, activation: 'linear' | 'relu'): tf.Tensor {
  const [K, N] = w.shape as [number, number];
  return tf.fused.matMul({ a: x.reshape([-1, K]) as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation }).reshape([...x.shape.slice(0, -1), N]);
}

for (const [label, xShape, N, activation, withBias] of [['3-D input, ReLU, bias', [4, 6, 5], 7, 'relu', true],
  ['2-D input, linear, no bias', [9, 3], 2, 'linear', false]] as const) {
  test.serial(`linear on the cpu path with native kernels equals tf.layers.dense's path bit for bit: ${label}`, (t) => {
    setNativeKernels(true);
    try {
      const K = xShape[xShape.length - 1];
      const x = f([...xShape], 1), w = f([K, N], 2), b = withBias ? f([N], 3) : undefined, g = f([...xShape.slice(0, -1), N], 4);
      const run = (op: (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.Tensor) => tf.tidy(() => {
        const loss = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.sum(tf.mul(op(xi, wi, bi), g));
        const grads = b ? tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => loss(xi, wi, bi))([x, w, b])
          : tf.grads((xi: tf.Tensor, wi: tf.Tensor) => loss(xi, wi))([x, w]);
        return [op(x, w, b), ...grads].map((v) => Array.from(v.dataSync()));
      });
      const got = run((xi, wi, bi) => linear(xi, wi as tf.Tensor2D, (bi ?? null) as tf.Tensor1D | null, activation));
      const want = run((xi, wi, bi) => tfjsDense(xi, wi, bi, activation));
      t.deepEqual(got, want);
      t.true(want[0].some((v) => v !== 0));
    } finally {
      setNativeKernels(false);
    }
  });
}
