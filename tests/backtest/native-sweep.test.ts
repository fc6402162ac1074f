/**
 * Windowed sweeps on the planned native engine (native-sweep.ts, backtestSweep): every window,
 * launch size and split gives the metrics of one backtestRules / backtestSignals call over the
 * whole grid, path for path; runSweep makes one native call per window; bad windows are refused
 * naming the option.
 */
import test from 'ava';

import { sliceCandles } from '../../src/data/candles.js';
import { runNativeBacktest } from '../../src/backtest/native.js';
import { NativeSweep } from '../../src/backtest/native-sweep.js';
import { expandRiskGrid, expandRuleGrid, runSweep } from '../../src/backtest/sweep.js';
import { METRIC_NAMES } from '../../src/backtest/metrics.js';
import { ruleSignals } from '../../src/backtest/rules.js';
import { nativeAddon } from '../../src/native/addon.js';
import { loadMarketData } from '../helpers/market-data.js';

const symbols = [
  { symbol: 'BTCUSDT-1h', candles: sliceCandles(loadMarketData('BTCUSDT-1h').candles, 0, 4000) },
  { symbol: 'ETHUSDT-1h', candles: sliceCandles(loadMarketData('ETHUSDT-1h').candles, 0, 2500) },
];
const rules = expandRuleGrid({ ema_cross: { fast: [5, 12], slow: [26, 50] }, sma_cross: { fast: [10], slow: [30] }, rsi: { period: [14], lower: [30], upper: [70] } });
const risk = expandRiskGrid({ targetDistance: [0.01, 0.02, 0.04] }, { stopDistance: [0.015, 0.03, 0.08], feeBps: [0, 10] });
const K = METRIC_NAMES.length;

const sameBits = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

test('every window and launch size gives the one-call engine\'s metrics, path by path', async (t) => {
  const whole = runNativeBacktest({ symbols, rules, params: risk, device: 'cpu' });
  t.true(METRIC_NAMES.length > 0 && whole.paths === 2 * 6 * 6);
  let trades = 0;
  for (let q = 0; q < whole.paths; q++) trades += whole.metrics[q * K + METRIC_NAMES.indexOf('trades')];
  t.true(trades > 1000, `${trades} trades`);
  for (const launchPaths of [32, 33, 100, 2 ** 14]) {
    const sweep = new NativeSweep({ symbols, rules, params: risk, device: 'cpu', launchPaths });
    for (const cuts of [[0, whole.paths], [0, 1, 40, 41, whole.paths - 5, whole.paths]]) {
      const got = new Float64Array(whole.metrics.length);
      for (let i = 0; i + 1 < cuts.length; i++) {
        const w = await sweep.run(cuts[i], cuts[i + 1]);
        t.is(w.device, 'cpu');
        got.set(w.metrics, cuts[i] * K);
      }
      t.true(sameBits(got, whole.metrics), `launchPaths ${launchPaths}, windows ${cuts.join(' ')}`);
    }
  }
});

test('signal sweeps (the model strategy) run planned too', async (t) => {
  const withSignals = symbols.map((s) => ({ ...s, signals: ruleSignals(s.candles, { kind: 'ema_cross', fast: 8, slow: 21 }) }));
  const whole = runNativeBacktest({ symbols: withSignals, params: risk, device: 'cpu' });
  const w = await new NativeSweep({ symbols: withSignals, params: risk, device: 'cpu', launchPaths: 40 }).run(3, whole.paths);
  t.true(sameBits(w.metrics, whole.metrics.subarray(3 * K)));
});

test('the progress counter ends at the window\'s paths; bad windows are refused naming the option', (t) => {
  const sweep = new NativeSweep({ symbols, rules, params: risk, device: 'cpu' });
  const inputs = (sweep as unknown as { inputs: object }).inputs;
  const progress = new Int32Array(1);
  const call = (o: Record<string, unknown>) => nativeAddon().backtestSweep({ ...inputs, progress, device: 'cpu', ...o } as never);
  t.is(call({ pathBegin: 10, pathEnd: 30, out: { metrics: new Float64Array(20 * K) } }), 'cpu');
  t.is(progress[0], 20);
  t.throws(() => call({ pathBegin: 0, pathEnd: 73, out: { metrics: new Float64Array(73 * K) } }), { instanceOf: RangeError, message: /pathEnd must be an integer in \[1, 72\]/ });
  t.throws(() => call({ pathBegin: 5, pathEnd: 5, out: { metrics: new Float64Array(0) } }), { instanceOf: RangeError, message: /pathEnd must be an integer in \[6, 72\]/ });
  t.throws(() => call({ pathBegin: 0, pathEnd: 2, out: { metrics: new Float64Array(3 * K) } }), { instanceOf: RangeError, message: /out\.metrics has length/ });
  t.throws(() => call({ pathBegin: 0, pathEnd: 2, launchPaths: 8, out: { metrics: new Float64Array(2 * K) } }), { instanceOf: RangeError, message: /launchPaths must be an integer in \[32,/ });
});

test.serial('runSweep makes one native call per window and reports paths and bar-combos up to the total', async (t) => {
  const addon = nativeAddon();
  const original = addon.backtestSweepAsync;
  const windows: [number, number][] = [];
  addon.backtestSweepAsync = (o) => { windows.push([o.pathBegin, o.pathEnd]); return original.call(addon, o); };
  try {
    const progress: [number, number, number][] = [];
    const one = await runSweep({ symbols, rules, risk }, { device: 'cpu', onProgress: (...p) => progress.push(p) });
    t.deepEqual(windows, [[0, 72]]);
    t.deepEqual(progress.at(-1), [72, 72, one.barCombos]);
    t.is(one.barCombos, (4000 + 2500) * 36);
    windows.length = 0;
    progress.length = 0;
    const split = await runSweep({ symbols, rules, risk }, { device: 'cpu', chunkPaths: 30, onProgress: (...p) => progress.push(p) });
    t.deepEqual(windows, [[0, 30], [30, 60], [60, 72]]);
    t.deepEqual(progress.map((p) => p[0]), [30, 60, 72]);
    t.deepEqual(progress[0], [30, 72, 30 * 4000]);
    t.deepEqual(split.rows.map((r) => [r.path, r.metrics.sharpe]), one.rows.map((r) => [r.path, r.metrics.sharpe]));
  } finally {
    addon.backtestSweepAsync = original;
  }
});
