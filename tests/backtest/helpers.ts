/**
 * Small builders for backtest tests, and a runner that executes one scenario on both the
 * reference engine and the native CPU engine so every known answer is asserted on both.
 */
import type { Candles } from '../../src/data/candles.js';
import { emptyCandles } from '../../src/data/candles.js';
import type { SignalArrays } from '../../src/signals/types.js';
import { runNativeBacktest, metricsOf } from '../../src/backtest/native.js';
import { runReferenceBacktest } from '../../src/backtest/reference.js';
import type { BacktestMetrics } from '../../src/backtest/metrics.js';
import type { BacktestOptions, Trade } from '../../src/backtest/types.js';

export const HOUR = 3_600_000;

/** Hourly candles from [open, high, low, close] rows. */
export function bars(rows: readonly (readonly [number, number, number, number])[]): Candles {
  const c = emptyCandles(rows.length);
  rows.forEach(([o, h, l, cl], i) => {
    c.timestamp[i] = 1_700_000_000_000 + i * HOUR;
    c.open[i] = o; c.high[i] = h; c.low[i] = l; c.close[i] = cl; c.volume[i] = 1;
  });
  return c;
}

export interface Entry { t: number; side: 1 | -1; stop?: number; targets?: [number, number, number]; size?: number }

/** Signal arrays of length n with the given decisions (default stop 5%, targets 2/4/6%, size 1). */
export function signalsAt(n: number, entries: readonly Entry[]): SignalArrays {
  const s: SignalArrays = {
    side: new Int8Array(n),
    stopDistance: new Float64Array(n).fill(0.05),
    targetDistance: [new Float64Array(n).fill(0.02), new Float64Array(n).fill(0.04), new Float64Array(n).fill(0.06)],
    size: new Float64Array(n).fill(1),
  };
  for (const e of entries) {
    s.side[e.t] = e.side;
    if (e.stop !== undefined) s.stopDistance[e.t] = e.stop;
    if (e.targets) e.targets.forEach((d, k) => { s.targetDistance[k][e.t] = d; });
    if (e.size !== undefined) s.size[e.t] = e.size;
  }
  return s;
}

/** No fees, no slippage, 1000 of capital (10 units at a 100 entry). */
export const FRICTIONLESS: Partial<BacktestOptions> = { feeBps: 0, slippageBps: 0, initialEquity: 1000 };

export interface EngineRun { engine: 'reference' | 'native'; trades: Trade[]; equity: Float64Array; metrics: BacktestMetrics }

/** The same scenario through the reference engine and the native CPU engine. */
export function runBoth(candles: Candles, signals: SignalArrays, options: Partial<BacktestOptions>): EngineRun[] {
  const ref = runReferenceBacktest(candles, signals, options);
  const nat = runNativeBacktest({
    symbols: [{ candles, signals, barsPerYear: ref.barsPerYear }],
    params: [options],
    device: 'cpu',
    trace: { paths: [0], equity: true },
  });
  return [
    { engine: 'reference', trades: ref.trades, equity: ref.equity, metrics: ref.metrics },
    { engine: 'native', trades: nat.traces[0].trades, equity: nat.traces[0].equity!, metrics: metricsOf(nat, 0) },
  ];
}

/** |a - b| <= rel * max(|a|, |b|) + abs, with equal infinities and NaNs counting as equal. */
export function closeTo(a: number, b: number, rel = 1e-9, abs = 1e-12): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + abs;
}
