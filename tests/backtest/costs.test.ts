/** Cost accounting of a backtest (src/backtest/costs.ts) against hand-worked trades. */
import test from 'ava';

import { costSummary, tradeSlippage } from '../../src/backtest/costs.js';
import { runReferenceBacktest } from '../../src/backtest/reference.js';
import { resolveBacktestOptions } from '../../src/backtest/types.js';
import { bars, closeTo, signalsAt } from './helpers.js';

const near = (a: number, b: number): boolean => closeTo(a, b, 1e-12, 1e-9);

test('gross = net + fees + slippage; slippage on market fills only; shares per year', (t) => {
  // Long at bar 1's open 100 with 10 bps fee and 10 bps slippage on 1000: entry fill 100.1.
  // Tier 1 (2%) fills at 102.102 (a limit: no slippage); the rest stops at 95.095 (5% below
  // the entry fill; no breakeven) and fills at 95.095 x 0.999.
  const c = bars([[100, 100, 100, 100], [100, 103, 99, 101], [101, 101, 94, 95], [95, 95, 95, 95]]);
  const options = resolveBacktestOptions({ feeBps: 10, slippageBps: 10, initialEquity: 1000, barsPerYear: 2, breakevenAfterTp1: false });
  const r = runReferenceBacktest(c, signalsAt(4, [{ t: 0, side: 1 }]), options);
  t.is(r.trades.length, 1);
  const tr = r.trades[0];
  t.deepEqual([tr.exitReason, tr.tierExits.length], ['stop', 1]);
  const q = 1000 / 100.1;
  const stop = 100.1 * 0.95;
  const expectedSlip = q * 0.1 + (q - q / 3) * stop * 0.001;
  t.true(near(tradeSlippage(tr, c.open, 0.001), expectedSlip), `${tradeSlippage(tr, c.open, 0.001)} vs ${expectedSlip}`);

  const s = costSummary(r.trades, c.open, options, 4, 2);
  t.true(near(s.netPnl, r.metrics.finalEquity - 1000));
  t.true(near(s.fees, r.metrics.feesPaid));
  t.true(near(s.slippage, expectedSlip));
  // Gross: the same fills without slippage and fees.
  const gross = (q / 3) * (100.1 * 1.02 - 100) + (q - q / 3) * (stop - 100);
  t.true(near(s.grossPnl, gross), `${s.grossPnl} vs ${gross}`);
  t.true(near(s.feesShare, s.fees / 1000));
  t.is(s.years, 2);
  t.true(near(s.feesSharePerYear, s.fees / 1000 / 2));
  t.true(near(s.slippageSharePerYear, expectedSlip / 1000 / 2));
  t.true(near(s.avgEdgePerTrade, gross / tr.notional));
  t.true(near(s.avgCostPerTrade, (s.fees + expectedSlip) / tr.notional));
  t.true(near(s.roundTripCost, 0.003));
});

test('no trades: zero costs and edges, never NaN', (t) => {
  const c = bars([[100, 100, 100, 100], [100, 100, 100, 100]]);
  const s = costSummary([], c.open, resolveBacktestOptions(), 2, 8760);
  t.deepEqual([s.trades, s.grossPnl, s.netPnl, s.fees, s.slippage, s.avgEdgePerTrade, s.avgCostPerTrade], [0, 0, 0, 0, 0, 0, 0]);
});
