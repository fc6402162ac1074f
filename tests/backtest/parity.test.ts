/**
 * Native CPU engine vs the TypeScript reference on real candles (../shared/data, or the
 * seeded synthetic stand-in where that folder is absent): every metric within 1e-9 relative
 * and identical trade lists, over thousands of trades and many parameter sets.
 */
import test from 'ava';

import type { Candles } from '../../src/data/candles.js';
import { sliceCandles } from '../../src/data/candles.js';
import { METRIC_NAMES } from '../../src/backtest/metrics.js';
import { metricsOf, pathIndex, runNativeBacktest, runNativeBacktestAsync, type RuleStrategy } from '../../src/backtest/native.js';
import { runReferenceBacktest } from '../../src/backtest/reference.js';
import { sidesToSignals } from '../../src/backtest/rules.js';
import { defaultRule, ruleLabel, ruleSides, STRATEGIES, type Strategy } from '../../src/backtest/strategies/index.js';
import { expandRuleGrid } from '../../src/backtest/sweep.js';
import type { BacktestOptions, Trade } from '../../src/backtest/types.js';
import type { SignalArrays } from '../../src/signals/types.js';
import { loadMarketData } from '../helpers/market-data.js';
import { closeTo } from './helpers.js';

/** Deterministic signals: ~4% of bars decide a side, with varied stops, targets and sizes. */
function seededSignals(n: number, seed: number): SignalArrays {
  let state = seed >>> 0;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const s: SignalArrays = {
    side: new Int8Array(n), stopDistance: new Float64Array(n),
    targetDistance: [new Float64Array(n), new Float64Array(n), new Float64Array(n)], size: new Float64Array(n),
  };
  for (let t = 0; t < n; t++) {
    const u = rand();
    s.side[t] = u < 0.02 ? 1 : u < 0.04 ? -1 : 0;
    s.stopDistance[t] = 0.004 + 0.04 * rand();
    const t1 = 0.003 + 0.02 * rand();
    s.targetDistance[0][t] = t1;
    s.targetDistance[1][t] = t1 + 0.02 * rand();
    s.targetDistance[2][t] = s.targetDistance[1][t] + 0.03 * rand();
    s.size[t] = 0.2 + 0.8 * rand();
  }
  return s;
}

const PARAM_SETS: Partial<BacktestOptions>[] = [
  {},
  { intrabar: 'optimistic' },
  { breakevenAfterTp1: false, feeBps: 4, slippageBps: 1 },
  { allowReverse: false, maxHoldBars: 24 },
  { direction: 'long', riskFraction: 0.5 },
  { direction: 'short', fractions: [0.5, 0.5, 0] },
  { stopDistance: 0.01, targetDistance: [0.005, NaN, 0.03], maxHoldBars: 7, intrabar: 'optimistic' },
  { feeBps: 0, slippageBps: 0, fractions: [0.25, 0.25, 0.5], initialEquity: 1 },
];

function assertSameTrades(t: import('ava').ExecutionContext, a: Trade[], b: Trade[], label: string): void {
  t.is(a.length, b.length, `${label}: trade count`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    const exact = [x.side === y.side, x.entryIndex === y.entryIndex, x.exitIndex === y.exitIndex, x.exitReason === y.exitReason,
      x.barsHeld === y.barsHeld, JSON.stringify(x.tierExits.map((e) => [e.tier, e.index])) === JSON.stringify(y.tierExits.map((e) => [e.tier, e.index]))];
    const near = [x.entryPrice, x.exitPrice, x.quantity, x.notional, x.fees, x.pnl].every((v, k) => closeTo(v, [y.entryPrice, y.exitPrice, y.quantity, y.notional, y.fees, y.pnl][k]));
    if (!exact.every(Boolean) || !near) {
      t.fail(`${label}: trade ${i} differs\n${JSON.stringify(x)}\n${JSON.stringify(y)}`);
      return;
    }
  }
  t.pass();
}

function assertSameMetrics(t: import('ava').ExecutionContext, ref: Record<string, number>, nat: Record<string, number>, label: string): void {
  const bad = METRIC_NAMES.filter((k) => !closeTo(ref[k], nat[k], 1e-9, 1e-12)).map((k) => `${k}: ${ref[k]} vs ${nat[k]}`);
  t.deepEqual(bad, [], label);
}

const MARKETS = ['BTCUSDT-1h', 'ETHUSDT-1h', 'XRPUSDT-1h'].map((name) => loadMarketData(name));

test('signal arrays: native CPU matches the reference on every metric and trade', (t) => {
  const symbols = MARKETS.map((m, i) => ({ candles: m.candles, signals: seededSignals(m.candles.close.length, 11 + i) }));
  const all = Array.from({ length: symbols.length * PARAM_SETS.length }, (_, i) => i);
  const nat = runNativeBacktest({ symbols, params: PARAM_SETS, device: 'cpu', trace: { paths: all, equity: true } });
  t.is(nat.device, 'cpu');
  let trades = 0;
  symbols.forEach((sym, s) => {
    PARAM_SETS.forEach((opts, p) => {
      const path = pathIndex(nat, s, 0, p);
      const ref = runReferenceBacktest(sym.candles, sym.signals, opts);
      const label = `${MARKETS[s].name} params[${p}]`;
      assertSameMetrics(t, ref.metrics, metricsOf(nat, path), label);
      assertSameTrades(t, ref.trades, nat.traces[path].trades, label);
      const eq = nat.traces[path].equity!;
      let worst = 0;
      for (let i = 0; i < eq.length; i++) worst = Math.max(worst, Math.abs(eq[i] - ref.equity[i]) / Math.abs(ref.equity[i]));
      t.true(worst <= 1e-9, `${label}: equity curve differs by ${worst}`);
      trades += ref.trades.length;
    });
  });
  t.true(trades > 10_000, `exercised ${trades} trades`);
  t.log(`${trades} trades over ${symbols.length} symbols x ${PARAM_SETS.length} parameter sets (${MARKETS.map((m) => m.source).join(', ')})`);
});

test('liquidation: leveraged paths on many stretches of real candles, native (traced and summary-only) matches the reference', (t) => {
  // 40 stretches of 1,500 bars per market, each its own symbol: with 15-60x leverage most
  // paths end in a liquidation, at a gap or inside a bar, before or after partial targets.
  const stretches = MARKETS.flatMap((m) => Array.from({ length: 40 }, (_, k) => sliceCandles(m.candles, k * 1500, (k + 1) * 1500)));
  const symbols = stretches.map((candles, i) => ({ candles, signals: seededSignals(candles.close.length, 101 + i) }));
  const params: Partial<BacktestOptions>[] = [
    { riskFraction: 15 },
    { riskFraction: 30, intrabar: 'optimistic', stopDistance: Infinity },
    { riskFraction: 60, feeBps: 4, slippageBps: 2, targetDistance: [Infinity, Infinity, Infinity] },
  ];
  const all = Array.from({ length: symbols.length * params.length }, (_, i) => i);
  const traced = runNativeBacktest({ symbols, params, device: 'cpu', trace: { paths: all, equity: true } });
  const summary = runNativeBacktest({ symbols, params, device: 'cpu' });
  let liquidations = 0, trades = 0;
  symbols.forEach((sym, s) => params.forEach((opts, p) => {
    const path = pathIndex(traced, s, 0, p);
    const ref = runReferenceBacktest(sym.candles, sym.signals, opts);
    const label = `stretch ${s} params[${p}]`;
    assertSameTrades(t, ref.trades, traced.traces[path].trades, label);
    assertSameMetrics(t, ref.metrics, metricsOf(traced, path), `${label} traced`);
    assertSameMetrics(t, ref.metrics, metricsOf(summary, path), `${label} summary-only`);
    const eq = traced.traces[path].equity!;
    let worst = 0;
    for (let i = 0; i < eq.length; i++) worst = Math.max(worst, Math.abs(eq[i] - ref.equity[i]));
    t.true(worst <= 1e-9 * (opts.initialEquity ?? 10_000), `${label}: equity curve differs by ${worst}`);
    const last = ref.trades.at(-1);
    if (last?.exitReason === 'liquidation') {
      liquidations++;
      t.true(ref.trades.every((x) => x.entryIndex <= last.exitIndex), `${label}: nothing opens after the liquidation`);
    }
    trades += ref.trades.length;
  }));
  t.true(liquidations > symbols.length, `${liquidations} liquidations over ${all.length} paths`);
  t.log(`${liquidations} liquidations, ${trades} trades over ${all.length} paths (${MARKETS.map((m) => m.source).join(', ')})`);
});

/** Every registered strategy at its defaults and at the first rule of its default sweep grid. */
function everyStrategy(): RuleStrategy[] {
  const rules = (STRATEGIES as readonly Strategy[]).flatMap((s) => [defaultRule(s),
    expandRuleGrid({ [s.name]: Object.fromEntries(Object.entries(s.params).map(([k, p]) => [k, p.grid])) })[0]]);
  return rules.filter((r, i) => rules.findIndex((x) => ruleLabel(x) === ruleLabel(r)) === i);
}

test('rule grid: native rule paths of every strategy match the reference run on the same decided sides', async (t) => {
  const rules: RuleStrategy[] = [...everyStrategy(), { kind: 'sma_cross', fast: 10, slow: 40 }];
  const params: Partial<BacktestOptions>[] = [
    { stopDistance: 0.02, targetDistance: [0.01, 0.02, 0.04] },
    { stopDistance: 0.03, targetDistance: [0.015, 0.03, 0.06], intrabar: 'optimistic', maxHoldBars: 48 },
    {},  // no stop, no targets: exits only on opposite crosses
  ];
  const candles: Candles[] = MARKETS.slice(0, 2).map((m) => sliceCandles(m.candles, 0, 40_000));
  const shape = { rules: rules.length, params: params.length };
  const paths = Array.from({ length: candles.length * rules.length * params.length }, (_, i) => i);
  const nat = await runNativeBacktestAsync({ symbols: candles.map((c) => ({ candles: c })), rules, params, device: 'cpu', trace: { paths, signals: true } });
  t.log(rules.map(ruleLabel).join(', '));
  let trades = 0, sideMismatches = 0;
  const events = new Map<string, number>();
  candles.forEach((c, s) => rules.forEach((rule, r) => {
    const tsSides = ruleSides(c, rule);
    events.set(rule.kind, (events.get(rule.kind) ?? 0) + tsSides.reduce((a, x) => a + Math.abs(x), 0));
    params.forEach((opts, p) => {
      const path = pathIndex(shape, s, r, p);
      const nativeSides = nat.traces[path].side!;
      for (let i = 0; i < nativeSides.length; i++) sideMismatches += nativeSides[i] !== tsSides[i] ? 1 : 0;
      const ref = runReferenceBacktest(c, sidesToSignals(nativeSides), opts);
      const label = `symbol ${s} ${ruleLabel(rule)} params[${p}]`;
      assertSameMetrics(t, ref.metrics, metricsOf(nat, path), label);
      assertSameTrades(t, ref.trades, nat.traces[path].trades, label);
      trades += ref.trades.length;
    });
  }));
  // The TypeScript strategies decide the same sides as the native table (both follow
  // plain_indicators.h; only a cross within rounding of a tie could differ).
  t.log(`${trades} trades; ${sideMismatches} decided sides differ from src/backtest/strategies/`);
  t.true(sideMismatches <= 2, `${sideMismatches} decided sides differ between src/backtest/strategies/ and the native engine`);
  t.true(trades > 5_000, `exercised ${trades} trades`);
  for (const s of STRATEGIES) t.true((events.get(s.name) ?? 0) > 100, `${s.name} decided ${events.get(s.name) ?? 0} sides`);
});
