/**
 * One backtest per symbol with full trade logs and equity curves, on either engine: the
 * native engine (default; traces are requested for every path) or the TypeScript reference
 * (bar by bar, for explaining a result). Signals come from the model or from a rule strategy.
 */
import type { BacktestMetrics, BacktestOptions, RuleStrategy, Trade } from '../backtest/index.js';
import { inferBarsPerYear, metricsOf, runNativeBacktestAsync, runReferenceBacktest, ruleSignals } from '../backtest/index.js';
import type { Candles, SymbolCandles } from '../data/candles.js';
import type { SignalArrays } from '../signals/index.js';

export type Engine = 'native' | 'reference';

export interface SymbolBacktest {
  symbol: string;
  candles: Candles;
  metrics: BacktestMetrics;
  trades: Trade[];
  equity: Float64Array;
  /** The annualisation the metrics used. */
  barsPerYear: number;
}

export type SignalSource = { kind: 'signals'; signals: SignalArrays[] } | { kind: 'rule'; rule: RuleStrategy };

export async function backtestSeries(
  series: readonly SymbolCandles[],
  source: SignalSource,
  options: BacktestOptions,
  engine: Engine = 'native',
): Promise<SymbolBacktest[]> {
  if (source.kind === 'signals' && source.signals.length !== series.length) {
    throw new RangeError(`backtest: ${source.signals.length} signal sets for ${series.length} symbols`);
  }
  if (engine === 'reference') {
    return series.map(({ symbol, candles }, s) => {
      const signals = source.kind === 'signals' ? source.signals[s] : ruleSignals(candles, source.rule);
      const r = runReferenceBacktest(candles, signals, options);
      return { symbol, candles, metrics: r.metrics, trades: r.trades, equity: r.equity, barsPerYear: r.barsPerYear };
    });
  }
  const res = await runNativeBacktestAsync({
    symbols: series.map(({ symbol, candles }, s) => ({
      symbol, candles, ...(source.kind === 'signals' ? { signals: source.signals[s] } : {}),
    })),
    params: [options],
    ...(source.kind === 'rule' ? { rules: [source.rule] } : {}),
    device: 'cpu',
    trace: { paths: series.map((_, s) => s), equity: true },
  });
  return series.map(({ symbol, candles }, s) => {
    const trace = res.traces.find((t) => t.path === s)!;
    return { symbol, candles, metrics: metricsOf(res, s), trades: trace.trades, equity: trace.equity!, barsPerYear: options.barsPerYear ?? inferBarsPerYear(candles.timestamp) };
  });
}
