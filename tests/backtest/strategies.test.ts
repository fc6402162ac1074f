/**
 * The strategy registry (src/backtest/strategies/): its twin table in the addon, its sweep.grid
 * keys, its checks, and what each strategy decides on closes built to cross at known bars.
 */
import test from 'ava';

import type { Candles } from '../../src/data/candles.js';
import '../../src/backtest/native.js';  // declares the addon's backtestStrategies
import { defaultRule, gridAxes, ruleIssue, ruleSides, STRATEGIES, strategyOf, type RuleStrategy, type Strategy } from '../../src/backtest/strategies/index.js';
import { nativeAddon } from '../../src/native/addon.js';
import { randomCandles } from '../helpers/random-candles.js';
import { bars } from './helpers.js';

/** Flat bars at the given closes. */
const closes = (xs: readonly number[]): Candles => bars(xs.map((x) => [x, x, x, x] as const));
const sides = (xs: readonly number[], rule: RuleStrategy): number[] => [...ruleSides(closes(xs), rule)];

test('the addon\'s strategy table holds the registry\'s strategies with the same parameters, order and ranges', (t) => {
  const table = nativeAddon().backtestStrategies;
  t.deepEqual(table.list.map((e) => e.name).sort(), STRATEGIES.map((s) => s.name).sort());
  for (const entry of table.list) {
    const declared = Object.entries(strategyOf(entry.name).params).map(([name, p]) => ({ name, min: p.min, max: p.max, integer: p.integer }));
    t.deepEqual(entry.params, declared, entry.name);
    t.true(entry.params.length <= table.maxParams);
  }
});

test('strategies sharing a sweep.grid key share its declaration', (t) => {
  for (const axis of gridAxes()) {
    for (const name of axis.strategies) {
      const param = Object.values(strategyOf(name).params).find((p) => p.gridKey === axis.key);
      t.deepEqual(param, axis.param, `${name} sweep.grid.${axis.key}`);
    }
  }
});

test('rule checks name the parameter, its range and the order constraint', (t) => {
  const cross = strategyOf('ema_cross');
  t.is(ruleIssue(cross, { fast: 0, slow: 5 }), 'fast = 0 must be an integer in [1, 1048576]');
  t.is(ruleIssue(cross, { fast: 5, slow: 2.5 }), 'slow = 2.5 must be an integer in [1, 1048576]');
  t.is(ruleIssue(cross, { fast: 30, slow: 20 }, (k) => `--${k}`), '--fast = 30 must be < --slow = 20');
  t.is(ruleIssue(strategyOf('rsi'), { period: 14, lower: 30, upper: 101 }), 'upper = 101 must be a number in [0, 100]');
  t.is(ruleIssue(cross, { fast: 5, slow: 20 }), null);
  t.throws(() => strategyOf('exec', 'sweep.strategy'), { instanceOf: RangeError, message: /sweep\.strategy = "exec" must be one of ema_cross, sma_cross, rsi/ });
});

test('every strategy at its defaults decides longs and shorts on a random walk, nothing before its warm-up', (t) => {
  const candles = randomCandles(3000, 7);
  for (const s of STRATEGIES as readonly Strategy[]) {
    const rule = defaultRule(s);
    const got = [...ruleSides(candles, rule)];
    const warmup = s.warmup(rule as unknown as Record<string, number>);
    t.true(got.slice(0, warmup).every((x) => x === 0), `${s.name}: nothing before bar ${warmup}`);
    t.true(got.some((x) => x > 0) && got.some((x) => x < 0), `${s.name}: longs and shorts on a wave`);
  }
});

test('sma_cross: long where the close crosses above its 2-bar mean, short where it crosses below', (t) => {
  // fast 1 is the close itself; close - SMA2: 0 0 0 .5 0 0 -1 0 0 (from bar 1).
  t.deepEqual(sides([5, 5, 5, 6, 6, 6, 4, 4, 4], { kind: 'sma_cross', fast: 1, slow: 2 }), [0, 0, 0, 1, 0, 0, -1, 0, 0]);
});

test('macd: long where the histogram turns positive, short where it turns negative', (t) => {
  // fast 1 (the close), slow 2, signal 2: after a step the line is 3^-(k+1) and the signal
  // 2(k+1) 3^-(k+2) bars k after it, so the histogram has the step's sign at the step bar and the
  // other sign from the next bar on.
  const xs = [...Array(5).fill(10), ...Array(10).fill(11), ...Array(10).fill(10)];
  const want = xs.map((_, i) => (i === 5 || i === 16 ? 1 : i === 6 ? -1 : 0));
  t.deepEqual(sides(xs, { kind: 'macd', fast: 1, slow: 2, signal: 2 }), want);
});

test('bollinger_breakout: long where the close breaks above the upper band, short below the lower band', (t) => {
  // period 3, k 1: bar 4's window 10 10 13 has mean 11 and sd 1.41 (13 is above 12.41); bar 8's
  // 13 13 7 has mean 11 and sd 2.83 (7 is below 8.17); a flat window's bands are the close itself.
  t.deepEqual(sides([10, 10, 10, 10, 13, 13, 13, 13, 7, 7], { kind: 'bollinger_breakout', period: 3, k: 1 }), [0, 0, 0, 0, 1, 0, 0, 0, -1, 0]);
});

test('rsi: long when RSI rises back to lower, short when it falls back to upper', (t) => {
  // period 1: RSI is 100 on a rise, 0 on a fall, 50 when flat: 100 0 50 100 100 0 from bar 1.
  t.deepEqual(sides([10, 11, 10, 10, 11, 12, 11], { kind: 'rsi', period: 1, lower: 40, upper: 60 }), [0, 0, -1, 1, 0, 0, -1]);
});
