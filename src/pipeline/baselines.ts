/**
 * A backtest beside its baselines: buy-and-hold and an EMA cross (12/26), run by the same
 * engine on exactly the same bars with the same execution settings, and what each paid in
 * costs. Buy-and-hold buys at the first open a signal can act on (bar 1) and sells at the last
 * close; the EMA cross is the ema_cross rule strategy (src/backtest/strategies/), without stop
 * or targets.
 */
import { costSummary, sidesToSignals, type BacktestOptions, type CostSummary, type RuleStrategy } from '../backtest/index.js';
import { EMA_CROSS_BASELINE } from '../metrics/baselines.js';
import { COMPARISON_ROWS, formatComparisonValue, type ReportComparison } from '../report/index.js';
import { backtestSeries, type Engine, type SymbolBacktest } from './backtest-series.js';

/** The same EMA periods as the direction baseline of the forecast evaluation. */
export const BASELINE_EMA_CROSS = { kind: 'ema_cross', ...EMA_CROSS_BASELINE } as const satisfies RuleStrategy;

export interface ComparedRun {
  name: string;
  result: SymbolBacktest;
  costs: CostSummary;
}

/** Per symbol: the strategy first, then buy-and-hold and the EMA cross. */
export type Comparison = ComparedRun[];

export function costsOf(b: SymbolBacktest, options: BacktestOptions): CostSummary {
  const bars = b.candles.close.length;
  return costSummary(b.trades, b.candles.open, options, bars, options.barsPerYear ?? b.barsPerYear);
}

export async function compareWithBaselines(
  results: readonly SymbolBacktest[],
  options: BacktestOptions,
  engine: Engine,
  strategyName: string,
): Promise<Comparison[]> {
  const series = results.map(({ symbol, candles }) => ({ symbol, candles }));
  const holdSignals = series.map(({ candles }) => {
    const side = new Int8Array(candles.close.length);
    side[0] = 1;
    return sidesToSignals(side);
  });
  // Buy-and-hold is long whatever sides the strategy may open.
  const hold = await backtestSeries(series, { kind: 'signals', signals: holdSignals }, { ...options, direction: 'both' }, engine);
  const ema = await backtestSeries(series, { kind: 'rule', rule: BASELINE_EMA_CROSS }, options, engine);
  const emaName = `ema cross ${BASELINE_EMA_CROSS.fast}/${BASELINE_EMA_CROSS.slow}`;
  return results.map((r, s) => [
    { name: strategyName, result: r, costs: costsOf(r, options) },
    { name: 'buy and hold', result: hold[s], costs: costsOf(hold[s], options) },
    { name: emaName, result: ema[s], costs: costsOf(ema[s], options) },
  ]);
}

/** The values of COMPARISON_ROWS for one run. */
export function comparisonValues(run: ComparedRun): Record<string, number> {
  const m = run.result.metrics, c = run.costs;
  return {
    totalReturn: m.totalReturn, sharpe: m.sharpe, maxDrawdown: m.maxDrawdown, trades: m.trades,
    grossPnl: c.grossPnl, netPnl: c.netPnl, feesShare: c.feesShare, feesSharePerYear: c.feesSharePerYear,
    slippageShare: c.slippageShare, slippageSharePerYear: c.slippageSharePerYear,
    avgEdgePerTrade: c.avgEdgePerTrade, avgCostPerTrade: c.avgCostPerTrade,
  };
}

/** The comparison as the report and the JSON outputs hold it. */
export function comparisonReport(c: Comparison): ReportComparison {
  return { roundTripCost: c[0].costs.roundTripCost, years: c[0].costs.years, runs: c.map((r) => ({ name: r.name, values: comparisonValues(r) })) };
}

/** Fixed-width text: one column per run, one row per COMPARISON_ROWS entry. */
export function formatComparison(symbol: string, c: Comparison): string {
  const width = Math.max(...COMPARISON_ROWS.map((r) => r.label.length)) + 2;
  const col = Math.max(14, ...c.map((r) => r.name.length + 2));
  const values = c.map(comparisonValues);
  const head = `${symbol}: strategy vs baselines on the same ${c[0].result.candles.close.length} bars (${c[0].costs.years.toFixed(2)} years), `
    + `round trip ${formatComparisonValue('bps', c[0].costs.roundTripCost)} bps (2 x fee + slippage)`;
  return [
    head,
    ''.padEnd(width) + c.map((r) => r.name.padStart(col)).join(''),
    ...COMPARISON_ROWS.map((row) => row.label.padEnd(width) + values.map((v) => formatComparisonValue(row.unit, v[row.key]).padStart(col)).join('')),
  ].join('\n');
}
