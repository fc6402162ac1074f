/**
 * What a backtest paid to trade: gross and net P&L, fees and slippage (in quote currency, as a
 * share of starting equity, and per year), and the average edge per trade against the average
 * cost per trade, both as fractions of the trade's notional. Computed from the trade log, so
 * both engines' results give the same figures.
 */
import { roundTripCost } from '../signals/costs.js';
import type { BacktestOptions, Trade } from './types.js';

export interface CostSummary {
  trades: number;
  /** P&L before fees and slippage. */
  grossPnl: number;
  /** P&L after them (the sum of the trades' pnl). */
  netPnl: number;
  fees: number;
  /** What market fills lost to slippage (entries, and exits other than targets and liquidations). */
  slippage: number;
  /** fees / starting equity, and that per year of bars. */
  feesShare: number;
  feesSharePerYear: number;
  slippageShare: number;
  slippageSharePerYear: number;
  years: number;
  /** Mean gross P&L per trade / its notional: the edge before costs. */
  avgEdgePerTrade: number;
  /** Mean (fees + slippage) per trade / its notional. */
  avgCostPerTrade: number;
  /** 2 x fee + slippage (signals/costs.ts): a market entry and a target exit. */
  roundTripCost: number;
}

/** Slippage a trade paid: its entry against the bar's open, and a market exit of what the targets left. */
export function tradeSlippage(t: Trade, open: ArrayLike<number>, slip: number): number {
  let cost = t.quantity * Math.abs(t.entryPrice - open[t.entryIndex]);
  if (t.exitReason === 'target' || t.exitReason === 'liquidation' || slip === 0) return cost;
  let tierQty = 0, tierValue = 0;
  for (const x of t.tierExits) {
    tierQty += x.quantity;
    tierValue += x.quantity * x.price;
  }
  const rest = t.quantity - tierQty;
  if (rest > 1e-12 * t.quantity) {
    const fill = (t.exitPrice * t.quantity - tierValue) / rest; // the market exit's fill price
    cost += rest * Math.abs(fill / (1 - t.side * slip) - fill); // fill = raw price moved by slip against the exit
  }
  return cost;
}

export function costSummary(trades: readonly Trade[], open: ArrayLike<number>, options: BacktestOptions, bars: number, barsPerYear: number): CostSummary {
  const slip = options.slippageBps / 1e4;
  let net = 0, fees = 0, slippage = 0, edge = 0, cost = 0;
  for (const t of trades) {
    const s = tradeSlippage(t, open, slip);
    net += t.pnl;
    fees += t.fees;
    slippage += s;
    edge += (t.pnl + t.fees + s) / t.notional;
    cost += (t.fees + s) / t.notional;
  }
  const n = trades.length;
  const years = bars / barsPerYear;
  const share = (x: number): number => x / options.initialEquity;
  const perYear = (x: number): number => (years > 0 ? share(x) / years : 0);
  return {
    trades: n, grossPnl: net + fees + slippage, netPnl: net, fees, slippage,
    feesShare: share(fees), feesSharePerYear: perYear(fees), slippageShare: share(slippage), slippageSharePerYear: perYear(slippage),
    years, avgEdgePerTrade: n > 0 ? edge / n : 0, avgCostPerTrade: n > 0 ? cost / n : 0, roundTripCost: roundTripCost(options),
  };
}
