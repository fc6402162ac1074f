import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import {
  INDICATOR_KINDS, indicatorOp, indicatorOpNative, indicatorOpTfjs, indicatorsConcatOp, resolveImplementation,
  type IndicatorKind,
} from '../../src/indicators/ops.js';
import { indicatorAddon } from '../../src/indicators/native.js';
import { loadMarketData } from '../helpers/market-data.js';
import { maxScaledError, randomWindows, windowsOf } from './reference.js';

await tf.setBackend('cpu');

const PERIODS: Record<IndicatorKind, number[]> = {
  ma: [5, 15.5, 30],
  macd: [12, 26, 9, 5, 35, 5, 19.5, 39, 9],
  rsi: [9, 14, 21.5],
  bollinger: [10, 20, 30.5],
  momentum: [5.3, 10.7, 20.25],
};

const T = 64;
const btc = loadMarketData('BTCUSDT-1h');
const DATASETS: [string, Float32Array, number][] = [
  ['random walk', randomWindows(8, T, 3), 8],
  [`BTCUSDT-1h (${btc.source})`, windowsOf(btc.candles.close, [200, 5000, 20000, 40000, 60000, 66000], T), 6],
];

test('the native addon with indicator kernels is loaded and used on the cpu backend', (t) => {
  t.truthy(indicatorAddon(), 'build the addon (npm run build:native) before running these tests');
  t.is(resolveImplementation('auto'), 'native');
  t.is(resolveImplementation('tfjs'), 'tfjs');
});

// The two implementations against each other: values and both gradients, every kind, random
// and real closes. The tfjs path is float32 throughout, so its tolerance is float32-sized.
for (const [name, data, B] of DATASETS) {
  for (const kind of INDICATOR_KINDS) {
    test(`native and tfjs ops agree: ${kind} on ${name}`, (t) => {
      const close = tf.tensor2d(data, [B, T]);
      const periods = tf.tensor1d(PERIODS[kind]);
      const K = PERIODS[kind].length;
      const w = tf.randomNormal([B, K], 0, 1, 'float32', 7);
      const run = (op: typeof indicatorOpNative) => {
        const y = op(kind, close, periods);
        const [gc, gp] = tf.grads((c: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(op(kind, c, p), w)))([close, periods]);
        return { y: y.dataSync(), gc: gc.dataSync(), gp: gp.dataSync() };
      };
      const n = run(indicatorOpNative), f = run(indicatorOpTfjs);
      const ey = maxScaledError(f.y, n.y), ec = maxScaledError(f.gc, n.gc), ep = maxScaledError(f.gp, n.gp);
      t.log(`max scaled diff: values ${ey.toExponential(2)}, dclose ${ec.toExponential(2)}, dperiods ${ep.toExponential(2)}`);
      t.true(ey < 5e-5, `values ${ey}`);
      t.true(ec < 5e-5, `dclose ${ec}`);
      t.true(ep < 5e-5, `dperiods ${ep}`);
      tf.dispose([close, periods, w]);
    });
  }
}

test('indicatorOp resolves auto to native and matches it exactly', (t) => {
  const close = tf.tensor2d(DATASETS[0][1], [8, T]);
  const p = tf.tensor1d(PERIODS.rsi);
  t.deepEqual(Array.from(indicatorOp('rsi', close, p).dataSync()), Array.from(indicatorOpNative('rsi', close, p).dataSync()));
});

test('bad arguments throw errors naming them, on both paths', (t) => {
  const close = tf.tensor2d(DATASETS[0][1], [8, T]);
  for (const op of [indicatorOpNative, indicatorOpTfjs]) {
    t.throws(() => op('ma', tf.tensor1d([1, 2, 3]), tf.tensor1d([5])), { message: /close must be \[batch, time\]/ });
    t.throws(() => op('macd', close, tf.tensor1d([12, 26])), { message: /multiple of 3/ });
    t.throws(() => op('momentum', close, tf.tensor1d([63])), { message: /periods\[0\] = 63 is outside \[1, time-2\] = \[1, 62\]/ });
    t.throws(() => op('rsi', close, tf.tensor1d([0.5])), { message: /periods\[0\] = 0.5/ });
    t.throws(() => op('ema' as IndicatorKind, close, tf.tensor1d([5])), { message: /kind must be one of/ });
  }
  t.throws(() => indicatorOp('ma', close, tf.tensor1d([5]), 'fast' as never), { message: /implementation must be one of|"fast"/ });
  t.throws(() => indicatorsConcatOp([], close), { message: /parts must not be empty/ });
  t.throws(() => indicatorsConcatOp([{ kind: 'momentum', periods: tf.tensor1d([70]) }], close, 'native'), { message: /periods\[0\] = 70/ });
});

test('the native kernel rejects non-finite closes with the index', (t) => {
  const data = DATASETS[0][1].slice();
  data[70] = NaN;
  t.throws(() => indicatorOpNative('bollinger', tf.tensor2d(data, [8, T]), tf.tensor1d([10])), { message: /close\[70\]/ });
});
