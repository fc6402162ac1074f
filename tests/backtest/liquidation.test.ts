/**
 * Liquidation (SPEC §9): when equity reaches zero the position closes at that bar, at the
 * price that reached it, and nothing more opens. Hand-worked scenarios on both engines, and
 * the real ETHUSDT bad print of 2017-08-22 04:00 (a generated series with the same gap where
 * ../shared is absent).
 */
import { join } from 'node:path';

import test from 'ava';

import type { Candles } from '../../src/data/candles.js';
import { sliceCandles } from '../../src/data/candles.js';
import type { BacktestOptions } from '../../src/backtest/types.js';
import { loadMarketData, REPO_ROOT, SHARED_DATA_DIR } from '../helpers/market-data.js';
import { bars, closeTo, FRICTIONLESS, runBoth, signalsAt } from './helpers.js';

const near = (a: number, b: number): boolean => closeTo(a, b, 1e-12, 1e-9);
const NO_LEVELS = { stopDistance: Infinity, targetDistance: [Infinity, Infinity, Infinity] as [number, number, number] };

test('a short through a gap up is liquidated at the open that reached it; nothing opens after', (t) => {
  // Short 10 units at 100 with 1000 of cash: equity is zero at 200. Bar 2 opens at 250, beyond
  // it (and beyond the 105 stop): closed there for -1500, leaving -500. The short decided at
  // bar 3 never opens.
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [250, 260, 240, 255], [255, 256, 254, 255], [255, 256, 250, 252], [252, 252, 252, 252]]);
  for (const r of runBoth(c, signalsAt(6, [{ t: 0, side: -1 }, { t: 3, side: -1 }]), FRICTIONLESS)) {
    t.is(r.trades.length, 1, r.engine);
    const tr = r.trades[0];
    t.deepEqual([tr.exitReason, tr.exitIndex, tr.barsHeld], ['liquidation', 2, 1], r.engine);
    t.true(near(tr.exitPrice, 250), `${r.engine}: exit ${tr.exitPrice} is the gap open`);
    t.true(near(tr.pnl, -1500));
    t.deepEqual(Array.from(r.equity).map((x) => Math.round(x * 1e6) / 1e6), [1000, 1000, -500, -500, -500, -500], r.engine);
    t.is(r.metrics.stopOuts, 0, 'a liquidation is not a stop-out');
  }
});

test('inside a bar: liquidated at the price where equity after the exit fee is zero', (t) => {
  // Short without a stop, 10 bps fee, no slippage, 1000 of cash: 10 units at 100, entry fee 1.
  // Zero equity at L: 999 + 10 (100 - L) - 10 L 0.001 = 0 -> L = 1999 / 10.01.
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [150, 230, 140, 160], [160, 161, 159, 160]]);
  const opts: Partial<BacktestOptions> = { feeBps: 10, slippageBps: 0, initialEquity: 1000, ...NO_LEVELS };
  const L = 1999 / 10.01;
  for (const r of runBoth(c, signalsAt(4, [{ t: 0, side: -1 }, { t: 2, side: 1 }]), opts)) {
    t.is(r.trades.length, 1, `${r.engine}: the long decided after the liquidation never opens`);
    const tr = r.trades[0];
    t.deepEqual([tr.exitReason, tr.exitIndex], ['liquidation', 2], r.engine);
    t.true(near(tr.exitPrice, L), `${r.engine}: exit ${tr.exitPrice} vs ${L}`);
    t.true(Math.abs(r.metrics.finalEquity) < 1e-9, `${r.engine}: equity ${r.metrics.finalEquity} is zero`);
    t.true(near(r.metrics.totalReturn, -1));
  }
});

test('a nearer stop fills before the liquidation price; a leveraged long is liquidated below its stop', (t) => {
  // 5x long: 50 units at 100 with 1000 of cash, zero equity at 80. A 10% stop (90) is nearer:
  // the stop fills. A 30% stop (70) is beyond 80: liquidated at 80.
  const c = bars([[100, 100, 100, 100], [100, 101, 99, 100], [98, 99, 75, 95], [95, 96, 94, 95]]);
  const lev = { ...FRICTIONLESS, riskFraction: 5 };
  for (const r of runBoth(c, signalsAt(4, [{ t: 0, side: 1, stop: 0.1 }]), lev)) {
    t.deepEqual([r.trades[0].exitReason, r.trades[0].exitPrice], ['stop', 90], r.engine);
    t.true(near(r.metrics.finalEquity, 500));
  }
  for (const r of runBoth(c, signalsAt(4, [{ t: 0, side: 1, stop: 0.3 }]), lev)) {
    t.is(r.trades[0].exitReason, 'liquidation', r.engine);
    t.true(near(r.trades[0].exitPrice, 80), `${r.engine}: ${r.trades[0].exitPrice}`);
    t.true(Math.abs(r.metrics.finalEquity) < 1e-9);
  }
  // Optimistic: tier 1 (102) fills first, so the rest's liquidation price is lower (the 2 x
  // 50/3 profit is cash): 1000 + 100/3 + (100/3)(L - 100) = 0 -> L = 69.
  const c2 = bars([[100, 100, 100, 100], [100, 101, 99, 100], [98, 103, 60, 65], [65, 66, 64, 65]]);
  for (const r of runBoth(c2, signalsAt(4, [{ t: 0, side: 1, stop: 0.5 }]), { ...lev, intrabar: 'optimistic' })) {
    const tr = r.trades[0];
    t.deepEqual([tr.exitReason, tr.tierExits.length], ['liquidation', 1], r.engine);
    t.true(Math.abs(r.metrics.finalEquity) < 1e-9, `${r.engine}: ${r.metrics.finalEquity}`);
    t.true(near((tr.exitPrice * 50 - 102 * 50 / 3) / (100 / 3), 69), `${r.engine}: remainder exits at 69`);
  }
});

const BAD_PRINT = Date.UTC(2017, 7, 22, 4);

/** ETHUSDT 1h around the bad print, or a generated series with the same gap (close 280.00, then open 144.21, high 309.03, close 287). */
function aroundBadPrint(dataDir: string): { candles: Candles; at: number; source: string } {
  const m = loadMarketData('ETHUSDT-1h', dataDir);
  const i = m.candles.timestamp.indexOf(BAD_PRINT);
  if (m.source === 'file' && i > 0) return { candles: sliceCandles(m.candles, i - 48, i + 48), at: 48, source: m.path! };
  const c = sliceCandles(m.candles, 0, 96);
  const scale = 280 / c.close[47];
  for (const k of ['open', 'high', 'low', 'close'] as const) for (let j = 0; j < 96; j++) c[k][j] *= scale;
  const after = 287 / c.open[49];
  for (const k of ['open', 'high', 'low', 'close'] as const) for (let j = 49; j < 96; j++) c[k][j] *= after;
  c.close[47] = 280; c.high[47] = Math.max(c.high[47], 280); c.low[47] = Math.min(c.low[47], 280);
  c.open[48] = 144.21; c.high[48] = 309.03; c.low[48] = 144.21; c.close[48] = 287;
  c.timestamp.set(Array.from({ length: 96 }, (_, j) => BAD_PRINT + (j - 48) * 3_600_000));
  return { candles: c, at: 48, source: 'generated' };
}

// The real file where ../shared is present, and the generated stand-in always.
for (const dataDir of [SHARED_DATA_DIR, join(REPO_ROOT, 'no-such-data-dir')]) {
  test(`ETHUSDT 2017-08-22 04:00 bad print (${dataDir === SHARED_DATA_DIR ? 'shared data' : 'generated'}): a short opened at 144.21 is liquidated in that bar, not held to -107%`, (t) => {
    const { candles, at, source } = aroundBadPrint(dataDir);
    t.is(candles.close[at - 1], 280);
    t.is(candles.open[at], 144.21);
    // Short decided at the 280.00 close (fills at the 144.21 open), no stop or targets, held
    // until a long signal 30 bars later: the engines used to hold it to -107%.
    const s = signalsAt(candles.close.length, [{ t: at - 1, side: -1 }, { t: at + 30, side: 1 }]);
    // Default costs (10 bps fee, 5 bps slippage), 10,000 of equity: zero equity after the exit
    // fee at L = (notional + cash after the entry fee) / (quantity (1 + fee)).
    const entry = 144.21 * (1 - 0.0005);
    const L = (10_000 + 9_990) / ((10_000 / entry) * 1.001);
    for (const r of runBoth(candles, s, NO_LEVELS)) {
      t.is(r.trades.length, 1, `${r.engine} (${source}): nothing opens after the liquidation`);
      const tr = r.trades[0];
      t.deepEqual([tr.exitReason, tr.entryIndex, tr.exitIndex], ['liquidation', at, at], r.engine);
      t.true(closeTo(tr.exitPrice, L, 1e-9), `${r.engine}: liquidated at ${tr.exitPrice}, expected ${L}`);
      t.true(tr.exitPrice < candles.high[at], 'the bar reached it');
      t.true(Math.abs(r.metrics.finalEquity) < 1e-6, `${r.engine}: final equity ${r.metrics.finalEquity}`);
      t.true(r.metrics.totalReturn >= -1 - 1e-9, `${r.engine}: total return ${r.metrics.totalReturn}`);
      for (let j = at; j < candles.close.length; j++) t.true(Math.abs(r.equity[j]) < 1e-6);
    }
    t.log(`data: ${source}`);
  });
}
