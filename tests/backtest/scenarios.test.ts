/**
 * One hand-built scenario per SPEC §9 rule, with the answer worked out by hand, asserted on
 * the reference engine and on the native CPU engine alike.
 */
import test from 'ava';

import { bars, closeTo, FRICTIONLESS, runBoth, signalsAt } from './helpers.js';

const near = (a: number, b: number): boolean => closeTo(a, b, 1e-12, 1e-9);

test('a gap through the stop exits everything at the open', (t) => {
  // Long decided at bar 0, filled at bar 1's open (100): 10 units, stop 95. Bar 2 opens at 90.
  const c = bars([[100, 101, 99, 100], [100, 101.5, 98, 101], [90, 91, 89, 90], [90, 91, 89, 90]]);
  for (const r of runBoth(c, signalsAt(4, [{ t: 0, side: 1 }]), FRICTIONLESS)) {
    t.is(r.trades.length, 1, r.engine);
    const tr = r.trades[0];
    t.is(tr.exitReason, 'stop');
    t.is(tr.entryIndex, 1);
    t.is(tr.exitIndex, 2);
    t.true(near(tr.exitPrice, 90), `${r.engine}: exit ${tr.exitPrice} is the open, not the stop`);
    t.true(near(tr.pnl, -100));
    t.is(tr.barsHeld, 1, 'the gap bar is not held');
    t.true(near(r.metrics.finalEquity, 900));
    t.is(r.metrics.stopOuts, 1);
  }
});

test('stop and target inside one bar: pessimistic takes the stop, optimistic the target first', (t) => {
  // Entry 100, stop 95, tier 1 at 102; bar 2 reaches both 103 and 94.
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 103, 94, 96], [96, 96, 96, 96]]);
  const s = signalsAt(4, [{ t: 0, side: 1 }]);
  for (const r of runBoth(c, s, FRICTIONLESS)) {
    const tr = r.trades[0];
    t.is(tr.exitReason, 'stop', r.engine);
    t.is(tr.tierExits.length, 0);
    t.true(near(tr.pnl, 10 * (95 - 100)));
  }
  for (const r of runBoth(c, s, { ...FRICTIONLESS, intrabar: 'optimistic' })) {
    const tr = r.trades[0];
    t.is(tr.exitReason, 'stop', r.engine);
    t.deepEqual(tr.tierExits.map((x) => [x.tier, x.index]), [[1, 2]]);
    // 10/3 units at 102, then the rest at the original stop (a moved stop waits a bar).
    t.true(near(tr.pnl, (10 / 3) * 2 + (20 / 3) * -5), `${r.engine}: ${tr.pnl}`);
    t.is(r.metrics.tier1Hits, 1);
  }
});

test('all three tiers can fill in one bar', (t) => {
  const c = bars([[100, 100, 100, 100], [100, 107, 99, 106], [106, 106, 106, 106]]);
  for (const r of runBoth(c, signalsAt(3, [{ t: 0, side: 1 }]), FRICTIONLESS)) {
    const tr = r.trades[0];
    t.is(tr.exitReason, 'target', r.engine);
    t.deepEqual(tr.tierExits.map((x) => [x.tier, x.index, x.price]), [[1, 1, 102], [2, 1, 104], [3, 1, 106]]);
    t.true(near(tr.tierExits[2].quantity, 10 - 20 / 3), 'tier 3 takes the remainder');
    t.true(near(tr.pnl, (10 / 3) * 2 + (10 / 3) * 4 + (10 / 3) * 6));
    t.true(near(tr.exitPrice, 104), 'average exit fill');
    t.deepEqual([r.metrics.tier1Hits, r.metrics.tier2Hits, r.metrics.tier3Hits], [1, 1, 1]);
    t.is(r.metrics.winRate, 1);
  }
});

test('after tier 1 the stop moves to the entry price, tested from the next bar', (t) => {
  // Bar 1 (entry bar) fills tier 1 at 102 and dips to 99.5, below the new stop (100): no exit
  // in that bar. Bar 2 dips to 99.8: breakeven stop at 100.
  const c = bars([[100, 100, 100, 100], [100, 102.5, 99.5, 101], [101, 101.5, 99.8, 100.5], [100.5, 101, 100, 100.5]]);
  const s = signalsAt(4, [{ t: 0, side: 1 }]);
  for (const r of runBoth(c, s, FRICTIONLESS)) {
    const tr = r.trades[0];
    t.is(tr.exitReason, 'stop', r.engine);
    t.is(tr.exitIndex, 2);
    t.true(near(tr.pnl, (10 / 3) * 2), `${r.engine}: rest exits flat at the entry`);
    t.is(r.metrics.winRate, 1);
  }
  for (const r of runBoth(c, s, { ...FRICTIONLESS, breakevenAfterTp1: false })) {
    t.is(r.trades[0].exitReason, 'end', `${r.engine}: stop stays at 95`);
  }
});

test('an opposite signal exits at the next open and reverses with allowReverse', (t) => {
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 101, 99, 110], [110, 111, 109, 110], [110, 111, 109, 110]]);
  const s = signalsAt(5, [{ t: 0, side: 1 }, { t: 2, side: -1 }]);
  for (const r of runBoth(c, s, { ...FRICTIONLESS, stopDistance: Infinity, targetDistance: [Infinity, Infinity, Infinity] })) {
    t.is(r.trades.length, 2, r.engine);
    const [long, short] = r.trades;
    t.is(long.exitReason, 'signal');
    t.is(long.exitIndex, 3);
    t.true(near(long.pnl, 100));
    t.is(short.side, -1);
    t.is(short.entryIndex, 3);
    t.true(near(short.notional, 1100), 'sized on the equity after the exit at the same open');
    t.is(short.exitReason, 'end');
  }
  for (const r of runBoth(c, s, { ...FRICTIONLESS, allowReverse: false, stopDistance: Infinity })) {
    t.is(r.trades.length, 1, `${r.engine}: exit only`);
    t.is(r.trades[0].exitReason, 'signal');
    t.is(r.metrics.exposure, 2 / 5);
  }
});

test('a same-side signal is ignored, and long-only paths never open shorts', (t) => {
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 101, 99, 100], [100, 101, 99, 100], [100, 101, 99, 100]]);
  const s = signalsAt(5, [{ t: 0, side: 1 }, { t: 1, side: 1 }, { t: 2, side: -1 }]);
  for (const r of runBoth(c, s, { ...FRICTIONLESS, direction: 'long' })) {
    t.is(r.trades.length, 1, r.engine);
    t.is(r.trades[0].entryIndex, 1);
    t.is(r.trades[0].exitIndex, 3);
    t.is(r.trades[0].exitReason, 'signal');
  }
});

test('maxHoldBars exits at the close of the bar that reaches it (entry bar = 1)', (t) => {
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 101], [101, 101.5, 100, 101], [101, 101, 101, 101]]);
  for (const r of runBoth(c, signalsAt(4, [{ t: 0, side: 1 }]), { ...FRICTIONLESS, maxHoldBars: 2 })) {
    const tr = r.trades[0];
    t.is(tr.exitReason, 'maxHold', r.engine);
    t.is(tr.exitIndex, 2);
    t.is(tr.barsHeld, 2);
    t.true(near(tr.exitPrice, 101));
  }
});

test('shorts mirror: targets below, stop above, breakeven, gap exit', (t) => {
  // Short at 100: stop 105, tier 1 at 98. Bar 2 fills tier 1 (low 97.5); the stop moves to 100;
  // bar 3 opens at 100.5, above it: the rest exits at that open.
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 100.5, 97.5, 99], [100.5, 101, 100, 100.5], [100, 100, 100, 100]]);
  for (const r of runBoth(c, signalsAt(5, [{ t: 0, side: -1 }]), FRICTIONLESS)) {
    const tr = r.trades[0];
    t.is(tr.side, -1, r.engine);
    t.deepEqual(tr.tierExits.map((x) => [x.tier, x.index, x.price]), [[1, 2, 98]]);
    t.is(tr.exitReason, 'stop');
    t.is(tr.exitIndex, 3);
    t.true(near(tr.pnl, (10 / 3) * 2 - (20 / 3) * 0.5), `${r.engine}: ${tr.pnl}`);
    // Marked at bar 2's close: 1000 + 10/3 * 2 + 20/3 * (100 - 99).
    t.true(near(r.equity[2], 1000 + (10 / 3) * 2 + 20 / 3));
  }
});

test('fees and slippage: market fills move against the trade, fees on each fill notional', (t) => {
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [105, 110, 104, 110]]);
  const opts = { initialEquity: 1000, feeBps: 10, slippageBps: 5, stopDistance: Infinity, targetDistance: [Infinity, Infinity, Infinity] as [number, number, number] };
  const entry = 100 * (1 + 0.0005);
  const qty = 1000 / entry;
  const exit = 110 * (1 - 0.0005);
  const fees = 1000 * 0.001 + qty * exit * 0.001;
  for (const r of runBoth(c, signalsAt(3, [{ t: 0, side: 1 }]), opts)) {
    const tr = r.trades[0];
    t.true(near(tr.entryPrice, entry), r.engine);
    t.true(near(tr.quantity, qty));
    t.true(near(tr.exitPrice, exit));
    t.true(near(tr.fees, fees));
    t.true(near(tr.pnl, qty * (exit - entry) - fees));
    t.true(near(r.metrics.feesPaid, fees));
    t.true(near(r.metrics.finalEquity, 1000 + qty * (exit - entry) - fees));
    // Bar 1 is marked at its close without exit costs: cash after the entry fee + qty * (100 - entry).
    t.true(near(r.equity[1], 1000 - 1 + qty * (100 - entry)));
  }
  // Same trade short: the entry fill is below the open, the exit above the close.
  for (const r of runBoth(c, signalsAt(3, [{ t: 0, side: -1 }]), opts)) {
    t.true(near(r.trades[0].entryPrice, 100 * (1 - 0.0005)), r.engine);
    t.true(near(r.trades[0].exitPrice, 110 * (1 + 0.0005)));
  }
  // A stop fill pays slippage too (stop-market), a target fill does not (limit).
  const c2 = bars([[100, 100, 100, 100], [100, 102.5, 99, 100], [100, 100, 90, 92]]);
  for (const r of runBoth(c2, signalsAt(3, [{ t: 0, side: 1 }]), { initialEquity: 1000, feeBps: 0, slippageBps: 5, breakevenAfterTp1: false })) {
    const [tier1] = r.trades[0].tierExits;
    t.true(near(tier1.price, entry * 1.02), `${r.engine}: target at its own price`);
    const stopFill = entry * 0.95 * (1 - 0.0005);
    t.true(near(r.trades[0].pnl, tier1.quantity * (entry * 1.02 - entry) + (qty - tier1.quantity) * (stopFill - entry)));
  }
});

test('a signal on the last bar is not traded; one on the bar before trades at the last open', (t) => {
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [100, 101, 99, 100.5]]);
  for (const r of runBoth(c, signalsAt(3, [{ t: 2, side: 1 }]), FRICTIONLESS)) {
    t.is(r.trades.length, 0, r.engine);
    t.is(r.metrics.trades, 0);
    t.is(r.metrics.totalReturn, 0);
  }
  for (const r of runBoth(c, signalsAt(3, [{ t: 1, side: 1 }]), FRICTIONLESS)) {
    t.is(r.trades.length, 1, r.engine);
    t.deepEqual([r.trades[0].entryIndex, r.trades[0].exitIndex, r.trades[0].exitReason, r.trades[0].barsHeld], [2, 2, 'end', 1]);
    t.true(near(r.trades[0].pnl, 5));
  }
});

test('metrics from a known equity path', (t) => {
  // Frictionless long of 10 units from 100: closes 100, 110, 99, 104.5 mark 1000, 1100, 990, 1045.
  const c = bars([[100, 100, 100, 100], [100, 110, 100, 110], [110, 110, 99, 99], [99, 104.5, 99, 104.5]]);
  const opts = { ...FRICTIONLESS, stopDistance: Infinity, targetDistance: [Infinity, Infinity, Infinity] as [number, number, number], barsPerYear: 3 };
  const r = [0.1, 990 / 1100 - 1, 1045 / 990 - 1];
  const mean = (r[0] + r[1] + r[2]) / 3;
  const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
  for (const run of runBoth(c, signalsAt(4, [{ t: 0, side: 1 }]), opts)) {
    const m = run.metrics;
    t.deepEqual(Array.from(run.equity).map((x) => Math.round(x * 1e9) / 1e9), [1000, 1100, 990, 1045], run.engine);
    t.true(near(m.totalReturn, 0.045));
    t.true(near(m.cagr, 0.045), 'three returns at three bars per year = one year');
    t.true(closeTo(m.sharpe, (mean / sd) * Math.sqrt(3), 1e-9), `${run.engine}: sharpe ${m.sharpe}`);
    t.true(closeTo(m.sortino, (mean / Math.sqrt((r[1] * r[1]) / 3)) * Math.sqrt(3), 1e-9));
    t.true(near(m.maxDrawdown, 0.1));
    t.is(m.maxDrawdownBars, 2);
    t.true(near(m.calmar, 0.45));
    t.is(m.profitFactor, Infinity);
    t.true(near(m.expectancy, 45));
    t.is(m.exposure, 0.75);
  }
});
