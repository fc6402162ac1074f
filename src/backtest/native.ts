/**
 * The native vectorized backtester (native/core/backtest/backtest.*; on CUDA, one window of native/cuda/sweep.cu):
 * S symbols x R rules x P parameter sets, every path simulated independently by the same
 * execution rules as the reference engine (reference.ts) and summarised by the same metrics.
 *
 * Paths are numbered (s * R + r) * P + p (R = 1 for signal arrays). Summary metrics come back
 * for every path; trade logs, equity curves and the decided signal sides only for the paths
 * named in `trace` (computed on the CPU even when the metrics ran on CUDA).
 *
 * Differences from the reference's options: the annualisation uses one barsPerYear per
 * symbol (NativeSymbol.barsPerYear, else the parameter sets' common barsPerYear, else inferred
 * from the timestamps).
 */
import type { Candles } from '../data/candles.js';
import { assertCandles } from '../data/candles.js';
import { nativeAddon } from '../native/addon.js';
import type { NativeDevice } from '../native/types.js';
import type { SignalArrays } from '../signals/types.js';
import { METRIC_NAMES, inferBarsPerYear, type BacktestMetrics } from './metrics.js';
import { assertSignals } from './signals-check.js';
import { ruleIssue, strategyOf, type RuleStrategy } from './strategies/index.js';
import { EXIT_REASONS, resolveBacktestOptions, type BacktestOptions, type TierExit, type Trade } from './types.js';

export type { RuleStrategy } from './strategies/index.js';

export interface NativeSymbol {
  symbol?: string;
  candles: Candles;
  /** Required for signal backtests; not allowed with rules. */
  signals?: SignalArrays;
  barsPerYear?: number;
}

export interface NativeBacktestRequest {
  symbols: NativeSymbol[];
  /** Parameter sets, each over DEFAULT_BACKTEST_OPTIONS; default: one set of defaults. */
  params?: Partial<BacktestOptions>[];
  /** Rule grid evaluated natively; absent: every symbol's `signals` are used. */
  rules?: RuleStrategy[];
  device?: NativeDevice;
  trace?: { paths: number[]; equity?: boolean; signals?: boolean };
}

export interface PathTrace {
  path: number;
  trades: Trade[];
  equity?: Float64Array;
  /** The decided side at each close (for rules: what the rule produced). */
  side?: Int8Array;
}

export interface NativeBacktestResult {
  device: 'cpu' | 'cuda';
  symbols: number;
  rules: number;
  params: number;
  paths: number;
  /** [paths, METRIC_NAMES.length], row-major. */
  metrics: Float64Array;
  traces: PathTrace[];
}

/** The addon's record layouts and enum orders (native/binding/backtest_binding.cc `layout`). */
export interface BacktestLayout {
  metrics: number;
  tradeFields: number;
  /** Offset of each field in a trade record; tierIndex/tierPrice/tierQty start 3 fields each. */
  trade: Record<'entry' | 'exit' | 'side' | 'entryPrice' | 'exitPrice' | 'qty' | 'notional' | 'reason' | 'fees' | 'pnl' | 'held'
    | 'tierIndex' | 'tierPrice' | 'tierQty', number>;
  flags: Record<'optimistic' | 'breakeven' | 'allowReverse' | 'allowLong' | 'allowShort', number>;
  metricNames: string[];
  /** Exit reason code i + 1 is exitReasons[i]. */
  exitReasons: string[];
}

let checkedLayout: BacktestLayout | null = null;

/**
 * The addon's layout, checked once against the orders the TypeScript side also needs without the
 * addon (the reference engine's METRIC_NAMES and EXIT_REASONS): a stale build fails here
 * with the difference instead of decoding shifted fields.
 */
export function backtestLayout(): BacktestLayout {
  if (checkedLayout) return checkedLayout;
  const layout = nativeAddon().backtestLayout;
  const agree = (what: string, native: readonly string[], ts: readonly string[]) => {
    if (native.join() !== ts.join()) throw new Error(`the native addon's ${what} (${native.join(', ')}) differ from TypeScript's (${ts.join(', ')}): rebuild the addon (npm run build)`);
  };
  agree('metrics', layout.metricNames, METRIC_NAMES);
  agree('exit reasons', layout.exitReasons, EXIT_REASONS);
  checkedLayout = layout;
  return layout;
}

export interface NativeBacktestOptions {
  symbols: { candles: Candles; barsPerYear: number; signals?: SignalArrays }[];
  params: Record<string, Float64Array | Int32Array>;
  rules?: { kind: Int32Array; params: Float64Array };
  out: { metrics: Float64Array };
  trace?: { paths: Int32Array; stride: number; trades: Float64Array; tradeCounts: Int32Array; equity?: Float64Array; signals?: Int8Array };
  device?: NativeDevice;
}

/** The native strategy table (native/core/backtest/backtest_strategies.h), in kind order. */
interface NativeStrategyTable {
  maxParams: number;
  list: { name: string; params: { name: string; min: number; max: number; integer: boolean }[] }[];
}

declare module '../native/types.js' {
  interface NativeAddon {
    backtestStrategies: NativeStrategyTable;
    backtestLayout: BacktestLayout;
    backtestSignals(o: NativeBacktestOptions): 'cpu' | 'cuda';
    backtestSignalsAsync(o: NativeBacktestOptions): Promise<'cpu' | 'cuda'>;
    backtestRules(o: NativeBacktestOptions): 'cpu' | 'cuda';
    backtestRulesAsync(o: NativeBacktestOptions): Promise<'cpu' | 'cuda'>;
  }
}

/** Path number of (symbol s, rule r, parameter set p). */
export function pathIndex(shape: { rules: number; params: number }, s: number, r: number, p: number): number {
  return (s * shape.rules + r) * shape.params + p;
}

/** (symbol, rule, params) indices of a path number. */
export function pathCoordinates(shape: { rules: number; params: number }, path: number): { symbol: number; rule: number; params: number } {
  return { symbol: Math.floor(path / (shape.rules * shape.params)), rule: Math.floor(path / shape.params) % shape.rules, params: path % shape.params };
}

/** Metrics of one path as a named record. */
export function metricsOf(result: Pick<NativeBacktestResult, 'metrics'>, path: number): BacktestMetrics {
  const m = {} as BacktestMetrics;
  METRIC_NAMES.forEach((name, i) => { m[name] = result.metrics[path * METRIC_NAMES.length + i]; });
  return m;
}

function packParams(sets: Partial<BacktestOptions>[]): { columns: Record<string, Float64Array | Int32Array>; resolved: BacktestOptions[] } {
  if (!Array.isArray(sets) || sets.length === 0) throw new RangeError('params must be a non-empty array of option sets (the parameter grid is empty)');
  const resolved = sets.map((s, i) => resolveBacktestOptions(s, `params[${i}]`));
  const P = resolved.length;
  const f64 = (): Float64Array => new Float64Array(P);
  const c = {
    feeBps: f64(), slippageBps: f64(), riskFraction: f64(), fraction1: f64(), fraction2: f64(), fraction3: f64(),
    stopDistance: f64(), target1: f64(), target2: f64(), target3: f64(), initialEquity: f64(),
    maxHoldBars: new Int32Array(P), flags: new Int32Array(P),
  };
  const FLAG = backtestLayout().flags;
  resolved.forEach((o, i) => {
    c.feeBps[i] = o.feeBps;
    c.slippageBps[i] = o.slippageBps;
    c.riskFraction[i] = o.riskFraction;
    [c.fraction1[i], c.fraction2[i], c.fraction3[i]] = o.fractions;
    c.stopDistance[i] = o.stopDistance ?? NaN;  // NaN: the signal's own
    [c.target1[i], c.target2[i], c.target3[i]] = o.targetDistance ?? [NaN, NaN, NaN];
    c.initialEquity[i] = o.initialEquity;
    c.maxHoldBars[i] = o.maxHoldBars;
    c.flags[i] = (o.intrabar === 'optimistic' ? FLAG.optimistic : 0) | (o.breakevenAfterTp1 ? FLAG.breakeven : 0)
      | (o.allowReverse ? FLAG.allowReverse : 0) | (o.direction !== 'short' ? FLAG.allowLong : 0) | (o.direction !== 'long' ? FLAG.allowShort : 0);
  });
  return { columns: c, resolved };
}

/** The rules as the addon's columns: each kind found by name in its table, parameters in its order. */
function packRules(rules: RuleStrategy[]): NonNullable<NativeBacktestOptions['rules']> {
  if (!Array.isArray(rules) || rules.length === 0) throw new RangeError('rules must be a non-empty array (the rule grid is empty)');
  const table = nativeAddon().backtestStrategies;
  const R = rules.length;
  const out = { kind: new Int32Array(R), params: new Float64Array(R * table.maxParams) };
  rules.forEach((r, i) => {
    const at = `rules[${i}]`;
    const strategy = strategyOf((r as { kind?: unknown } | null)?.kind, `${at}.kind`);
    const values = r as unknown as Record<string, number>;
    const issue = ruleIssue(strategy, values, (k) => `${at}.${k}`);
    if (issue) throw new RangeError(issue);
    out.kind[i] = table.list.findIndex((e) => e.name === strategy.name);
    if (out.kind[i] < 0) throw new Error(`the native addon has no strategy ${strategy.name}: rebuild it (npx cmake-js compile --out build)`);
    table.list[out.kind[i]].params.forEach((p, j) => { out.params[i * table.maxParams + j] = values[p.name]; });
  });
  return out;
}

function symbolBarsPerYear(sym: NativeSymbol, resolved: BacktestOptions[], i: number): number {
  if (sym.barsPerYear !== undefined) {
    if (!(Number.isFinite(sym.barsPerYear) && sym.barsPerYear > 0)) throw new RangeError(`symbols[${i}].barsPerYear = ${sym.barsPerYear} must be a finite number > 0`);
    return sym.barsPerYear;
  }
  const given = new Set(resolved.map((o) => o.barsPerYear).filter((v) => v !== undefined));
  if (given.size > 1) throw new RangeError(`params[].barsPerYear differ (${[...given].join(', ')}); the native engine annualises per symbol: set symbols[${i}].barsPerYear instead`);
  return given.size === 1 ? [...given][0]! : inferBarsPerYear(sym.candles.timestamp);
}

/** A request's grid packed for the addon (checked; errors name the field) and its shape: the part shared by single calls and windowed sweeps (native-sweep.ts). */
export interface PackedGrid {
  inputs: Pick<NativeBacktestOptions, 'symbols' | 'params' | 'rules'>;
  shape: { symbols: number; rules: number; params: number };
}

export function packGrid(req: Pick<NativeBacktestRequest, 'symbols' | 'params' | 'rules'>): PackedGrid {
  if (req === null || typeof req !== 'object') throw new TypeError('backtest request must be an object');
  if (!Array.isArray(req.symbols) || req.symbols.length === 0) throw new RangeError('symbols must be a non-empty array');
  const { columns, resolved } = packParams(req.params ?? [{}]);
  const rules = req.rules !== undefined ? packRules(req.rules) : undefined;
  const symbols = req.symbols.map((s, i) => {
    assertCandles(s.candles, `symbols[${i}].candles`);
    if (rules && s.signals) throw new TypeError(`symbols[${i}].signals must be absent when rules are given (the rules decide the signals)`);
    if (!rules) {
      if (!s.signals) throw new TypeError(`symbols[${i}].signals is required when no rules are given`);
      assertSignals(s.signals, s.candles.close.length, `symbols[${i}].signals`);
    }
    return { candles: s.candles, barsPerYear: symbolBarsPerYear(s, resolved, i), ...(rules ? {} : { signals: s.signals }) };
  });
  return { inputs: { symbols, params: columns, ...(rules ? { rules } : {}) }, shape: { symbols: symbols.length, rules: rules ? rules.kind.length : 1, params: resolved.length } };
}

function prepare(req: NativeBacktestRequest): { options: NativeBacktestOptions; shape: { symbols: number; rules: number; params: number }; stride: number } {
  const { inputs: { symbols, params: columns, rules }, shape } = packGrid(req);
  const paths = shape.symbols * shape.rules * shape.params;
  const stride = Math.max(...symbols.map((s) => s.candles.close.length));
  const options: NativeBacktestOptions = { symbols, params: columns, out: { metrics: new Float64Array(paths * backtestLayout().metrics) }, device: req.device ?? 'auto' };
  if (rules) options.rules = rules;
  if (req.trace && req.trace.paths.length > 0) {
    const k = req.trace.paths.length;
    req.trace.paths.forEach((p, i) => {
      if (!Number.isInteger(p) || p < 0 || p >= paths) throw new RangeError(`trace.paths[${i}] = ${p} must be an integer in [0, ${paths})`);
    });
    options.trace = {
      paths: Int32Array.from(req.trace.paths),
      stride,
      trades: new Float64Array(k * stride * backtestLayout().tradeFields),
      tradeCounts: new Int32Array(k),
      ...(req.trace.equity ? { equity: new Float64Array(k * stride) } : {}),
      ...(req.trace.signals ? { signals: new Int8Array(k * stride) } : {}),
    };
  }
  return { options, shape, stride };
}

function decodeTrades(records: Float64Array, count: number, timestamp: Float64Array): Trade[] {
  const { trade: T, tradeFields: TRADE_FIELDS } = backtestLayout();
  const trades: Trade[] = [];
  for (let i = 0; i < count; i++) {
    const r = records.subarray(i * TRADE_FIELDS, (i + 1) * TRADE_FIELDS);
    const tierExits: TierExit[] = [];
    for (let k = 0; k < 3; k++) {
      const index = r[T.tierIndex + k];
      if (index >= 0) tierExits.push({ tier: k + 1, index, time: timestamp[index], price: r[T.tierPrice + k], quantity: r[T.tierQty + k] });
    }
    trades.push({
      side: r[T.side] > 0 ? 1 : -1,
      entryIndex: r[T.entry],
      entryTime: timestamp[r[T.entry]],
      entryPrice: r[T.entryPrice],
      quantity: r[T.qty],
      notional: r[T.notional],
      exitIndex: r[T.exit],
      exitTime: timestamp[r[T.exit]],
      exitPrice: r[T.exitPrice],
      exitReason: EXIT_REASONS[r[T.reason] - 1],
      tierExits,
      barsHeld: r[T.held],
      fees: r[T.fees],
      pnl: r[T.pnl],
    });
  }
  return trades;
}

function finish(req: NativeBacktestRequest, prep: ReturnType<typeof prepare>, device: 'cpu' | 'cuda'): NativeBacktestResult {
  const { options, shape, stride } = prep;
  const traces: PathTrace[] = [];
  const tr = options.trace;
  if (tr) {
    for (let i = 0; i < tr.paths.length; i++) {
      const path = tr.paths[i];
      const sym = req.symbols[pathCoordinates(shape, path).symbol];
      const n = sym.candles.close.length;
      const trace: PathTrace = { path, trades: decodeTrades(tr.trades.subarray(i * stride * backtestLayout().tradeFields), tr.tradeCounts[i], sym.candles.timestamp) };
      if (tr.equity) trace.equity = tr.equity.slice(i * stride, i * stride + n);
      if (tr.signals) trace.side = tr.signals.slice(i * stride, i * stride + n);
      traces.push(trace);
    }
  }
  return { device, ...shape, paths: shape.symbols * shape.rules * shape.params, metrics: options.out.metrics, traces };
}

/** Runs the batch on the calling thread. Bad input: TypeError/RangeError naming the field. */
export function runNativeBacktest(req: NativeBacktestRequest): NativeBacktestResult {
  const prep = prepare(req);
  const addon = nativeAddon();
  const device = prep.options.rules ? addon.backtestRules(prep.options) : addon.backtestSignals(prep.options);
  return finish(req, prep, device);
}

/** Same as runNativeBacktest, off the JS thread. */
export async function runNativeBacktestAsync(req: NativeBacktestRequest): Promise<NativeBacktestResult> {
  const prep = prepare(req);
  const addon = nativeAddon();
  const device = await (prep.options.rules ? addon.backtestRulesAsync(prep.options) : addon.backtestSignalsAsync(prep.options));
  return finish(req, prep, device);
}
