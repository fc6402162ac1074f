/**
 * Backtest summary metrics (SPEC §9), computed from an equity curve and a trade log. The
 * native engine streams the same quantities with the same formulas and the same order of
 * floating-point operations (native/core/backtest/backtest_step.h `mark` and `finalize`), so the two
 * agree to rounding.
 *
 * Conventions:
 * - Per-bar simple returns r_t = e_t / e_{t-1} - 1 over closes t = 1..N-1 (0 when e_{t-1} <= 0),
 *   rf = 0, annualised by barsPerYear; volatility is the sample standard deviation (n - 1).
 * - Sortino's downside deviation is sqrt(mean(min(r, 0)^2)) over all N-1 returns.
 * - CAGR = (final / initial)^(barsPerYear / (N-1)) - 1; -1 once equity is <= 0.
 * - Max drawdown is the largest (peak - e) / peak as a positive fraction; its duration is the
 *   longest run of consecutive closes below the running peak, in bars.
 * - Ratios with a zero denominator are 0 when the numerator is 0, else +-Infinity (a profit
 *   factor with no losing trade, a Calmar with no drawdown).
 * - A trade is a win when its net pnl (after all fees) is > 0 and a loss when < 0.
 *   avgLoss is negative; expectancy is the mean net pnl per trade (quote currency).
 * - Exposure = bars with a position tested (entry bar included) / N.
 */
import type { Trade } from './types.js';

export const METRIC_NAMES = [
  'totalReturn', 'cagr', 'annualVolatility', 'sharpe', 'sortino', 'maxDrawdown', 'maxDrawdownBars',
  'calmar', 'trades', 'winRate', 'profitFactor', 'avgWin', 'avgLoss', 'expectancy', 'exposure',
  'feesPaid', 'tier1Hits', 'tier2Hits', 'tier3Hits', 'stopOuts', 'finalEquity',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
export type BacktestMetrics = Record<MetricName, number>;

/** 0/0 = 0, x/0 = +-Infinity. */
function ratio(num: number, den: number): number {
  if (den !== 0) return num / den;
  return num === 0 ? 0 : num > 0 ? Infinity : -Infinity;
}

export function computeMetrics(equity: Float64Array, trades: readonly Trade[], initialEquity: number, barsPerYear: number): BacktestMetrics {
  const n = equity.length;
  let sumR = 0, sumR2 = 0, sumDown2 = 0;
  let peak = initialEquity, maxDd = 0, ddRun = 0, maxDdRun = 0;
  for (let t = 0; t < n; t++) {
    const e = equity[t];
    if (t > 0) {
      const prev = equity[t - 1];
      const r = prev > 0 ? e / prev - 1 : 0;
      sumR += r;
      sumR2 += r * r;
      sumDown2 += r < 0 ? r * r : 0;
    }
    if (e >= peak) {
      peak = e;
      ddRun = 0;
    } else {
      const dd = (peak - e) / peak;
      if (dd > maxDd) maxDd = dd;
      ddRun += 1;
      if (ddRun > maxDdRun) maxDdRun = ddRun;
    }
  }
  const finalEquity = n > 0 ? equity[n - 1] : initialEquity;
  const growth = finalEquity / initialEquity;
  const nr = n > 1 ? n - 1 : 0;
  const mean = nr > 0 ? sumR / nr : 0;
  let variance = nr > 1 ? (sumR2 - nr * mean * mean) / (nr - 1) : 0;
  variance = variance > 0 ? variance : 0;
  const sd = Math.sqrt(variance);
  const down = nr > 0 ? Math.sqrt(sumDown2 / nr) : 0;
  const ann = Math.sqrt(barsPerYear);
  const years = nr / barsPerYear;
  const cagr = growth <= 0 ? -1 : years > 0 ? Math.pow(growth, 1 / years) - 1 : 0;

  let wins = 0, losses = 0, grossProfit = 0, grossLoss = 0, fees = 0, stopOuts = 0, heldBars = 0;
  const tierHits = [0, 0, 0];
  for (const tr of trades) {
    if (tr.pnl > 0) { wins += 1; grossProfit += tr.pnl; }
    if (tr.pnl < 0) { losses += 1; grossLoss += -tr.pnl; }
    fees += tr.fees;
    if (tr.exitReason === 'stop') stopOuts += 1;
    heldBars += tr.barsHeld;
    for (const x of tr.tierExits) tierHits[x.tier - 1] += 1;
  }
  const count = trades.length;
  return {
    totalReturn: growth - 1,
    cagr,
    annualVolatility: sd * ann,
    sharpe: sd > 0 ? (mean / sd) * ann : 0,
    sortino: ratio(mean, down) * ann,
    maxDrawdown: maxDd,
    maxDrawdownBars: maxDdRun,
    calmar: ratio(cagr, maxDd),
    trades: count,
    winRate: count > 0 ? wins / count : 0,
    profitFactor: ratio(grossProfit, grossLoss),
    avgWin: wins > 0 ? grossProfit / wins : 0,
    avgLoss: losses > 0 ? -grossLoss / losses : 0,
    expectancy: count > 0 ? (grossProfit - grossLoss) / count : 0,
    exposure: n > 0 ? heldBars / n : 0,
    feesPaid: fees,
    tier1Hits: tierHits[0],
    tier2Hits: tierHits[1],
    tier3Hits: tierHits[2],
    stopOuts,
    finalEquity,
  };
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Bars per 365-day year from the median spacing of the timestamps (robust to exchange gaps).
 * Fewer than two bars, or no positive spacing: 365 * 24 (hourly), since nothing better is known.
 */
export function inferBarsPerYear(timestamp: Float64Array): number {
  const diffs = new Float64Array(Math.max(0, timestamp.length - 1));
  let count = 0;
  for (let i = 1; i < timestamp.length; i++) {
    const d = timestamp[i] - timestamp[i - 1];
    if (d > 0 && d < Infinity) diffs[count++] = d;
  }
  if (count === 0) return 365 * 24;
  return YEAR_MS / medianInPlace(diffs.subarray(0, count));
}

/**
 * Median of a non-empty array of numbers (no NaN), reordering it. Quickselect: linear time,
 * where a sort cost a sweep tens of milliseconds per call on 50k-bar symbols.
 */
export function medianInPlace(a: Float64Array): number {
  const mid = a.length >> 1;
  const upper = select(a, mid);
  if (a.length % 2 === 1) return upper;
  let lower = -Infinity;  // after select, a[0..mid) holds the values <= upper
  for (let i = 0; i < mid; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/** Reorders `a` so that a[k] is the k-th smallest, with a[i] <= a[k] for i < k; returns a[k]. */
function select(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;  // a[j+1 .. i-1] all equal the pivot, and k is among them
  }
  return a[k];
}
