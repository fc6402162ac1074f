/**
 * Parameter sweeps on the native engine: expand a grid (symbols x strategy parameters x
 * risk parameters), run it in windows of paths (one native call each, running that window's
 * launch plan, with progress while it runs), and return every path's metrics as a ranked table
 * with CSV and JSON writers (atomic: temp file + rename).
 *
 * Entry points for the CLI (`ntp sweep`, `ntp backtest`): expandRuleGrid, expandRiskGrid,
 * runSweep, writeSweepCsv, writeSweepJson (and sweepCsv / sweepJson for the text).
 */
import type { NativeDevice } from '../native/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { METRIC_NAMES, type BacktestMetrics, type MetricName } from './metrics.js';
import type { NativeSymbol } from './native.js';
import { NativeSweep, type NativeSweepWindow } from './native-sweep.js';
import { SweepRows } from './sweep-rows.js';
import { paramNames, ruleIssue, strategyOf, STRATEGY_NAMES, type RuleStrategy, type Strategy, type StrategyName } from './strategies/index.js';
import type { BacktestOptions } from './types.js';

/**
 * Axes of a rule grid, by strategy name and parameter name (e.g. { ema_cross: { fast: [5, 10],
 * slow: [50] } }); every combination is one rule, less those breaking the strategy's order
 * constraints (fast < slow, lower < upper).
 */
export type RuleGridSpec = Partial<Record<StrategyName, Record<string, readonly number[]>>>;

/** Each strategy of the spec with its axes in parameter order (a missing or empty axis is an error). */
function gridStrategies(spec: RuleGridSpec): { strategy: Strategy; axes: (readonly number[])[] }[] {
  return Object.entries(spec).map(([name, axes]) => {
    const strategy = strategyOf(name, 'rule grid strategy');
    return {
      strategy,
      axes: paramNames(strategy).map((k) => {
        const values = axes?.[k];
        if (!Array.isArray(values) || values.length === 0) throw new RangeError(`rule grid ${name}.${k} must be a non-empty array of values`);
        return values;
      }),
    };
  });
}

/** Calls visit with every valid combination of one strategy's axes, in order (last axis fastest). */
function forEachRule(strategy: Strategy, axes: readonly (readonly number[])[], visit: (params: Record<string, number>) => void): void {
  const names = paramNames(strategy);
  const at = new Array<number>(axes.length).fill(0);
  for (;;) {
    const params = Object.fromEntries(names.map((k, i) => [k, axes[i][at[i]]]));
    if (strategy.below.every(([a, b]) => params[a] < params[b])) visit(params);
    let i = axes.length - 1;
    while (i >= 0 && ++at[i] === axes[i].length) at[i--] = 0;
    if (i < 0) return;
  }
}

export function expandRuleGrid(spec: RuleGridSpec): RuleStrategy[] {
  const out: RuleStrategy[] = [];
  for (const { strategy, axes } of gridStrategies(spec)) {
    forEachRule(strategy, axes, (params) => {
      const issue = ruleIssue(strategy, params, (k) => `rule grid ${strategy.name}.${k}`);
      if (issue) throw new RangeError(issue);
      out.push({ kind: strategy.name, ...params } as RuleStrategy);
    });
  }
  if (out.length === 0) {
    const constraints = gridStrategies(spec).map(({ strategy }) => `${strategy.name}: ${strategy.below.map(([a, b]) => `${a} < ${b}`).join(', ')}`);
    throw new RangeError(constraints.length > 0 ? `the rule grid is empty: no combination of its values satisfies ${constraints.join('; ')}`
      : `the rule grid is empty: give the axes of at least one of ${STRATEGY_NAMES.join(', ')}`);
  }
  return out;
}

/** How many strategies expandRuleGrid(spec) gives, without building them (for estimates before a sweep). */
export function countRuleGrid(spec: RuleGridSpec): number {
  let n = 0;
  for (const { strategy, axes } of gridStrategies(spec)) forEachRule(strategy, axes, () => { n++; });
  return n;
}

/** Every combination of the listed option values over `base` (an axis with no values is an error). */
export function expandRiskGrid(base: Partial<BacktestOptions> = {}, axes: { [K in keyof BacktestOptions]?: BacktestOptions[K][] } = {}): Partial<BacktestOptions>[] {
  let sets: Partial<BacktestOptions>[] = [{ ...base }];
  for (const [key, values] of Object.entries(axes) as [keyof BacktestOptions, unknown[]][]) {
    if (!Array.isArray(values) || values.length === 0) throw new RangeError(`risk grid axis ${key} must be a non-empty array of values`);
    sets = sets.flatMap((s) => values.map((v) => ({ ...s, [key]: v })));
  }
  return sets;
}

export interface SweepGrid {
  /** Each with a `symbol` name for the table; `signals` when no rules are given. */
  symbols: NativeSymbol[];
  /** Rule strategies; absent: the symbols' own signal arrays. */
  rules?: RuleStrategy[];
  /** Risk/execution parameter sets (default: one set of defaults). */
  risk?: Partial<BacktestOptions>[];
}

/** Paths per native call of a sweep: two windows' metrics (this one's rows read while the next runs) stay well under 200 MB. */
export const SWEEP_WINDOW_PATHS = 2 ** 19;

export interface SweepOptions {
  device?: NativeDevice;
  /** GPUs a CUDA sweep splits over (0 or absent: every usable one). */
  devices?: number;
  /** Metric to rank by (default sharpe), descending unless `ascending`; NaN ranks last. */
  rankBy?: MetricName;
  ascending?: boolean;
  /**
   * Paths done (non-decreasing), the total and the bar-combinations done, while a window runs
   * (a few times a second) and after each; the last call has done = total.
   */
  onProgress?: (done: number, total: number, barCombos: number) => void;
  /** Paths per native call (default SWEEP_WINDOW_PATHS). */
  chunkPaths?: number;
  /** Rows kept in the result, the best by rankBy (default all); memory stays bounded by it. */
  keep?: number;
  /** Every path's row in path order as soon as it is computed (e.g. streamed to disk). */
  onRow?: (row: SweepRow) => void;
}

export interface SweepRow {
  rank: number;
  /** Path number in the grid: (symbol * R + rule) * P + risk. */
  path: number;
  symbol: string;
  /** e.g. "ema_cross(12,26)" or "signals" (ruleLabel). */
  strategy: string;
  rule: RuleStrategy | null;
  riskIndex: number;
  risk: Partial<BacktestOptions>;
  metrics: BacktestMetrics;
}

export interface SweepResult {
  device: 'cpu' | 'cuda';
  rankBy: MetricName;
  shape: { symbols: number; rules: number; risk: number; paths: number; bars: number };
  /** bars x parameter combinations simulated (sum over paths of the symbol's bars). */
  barCombos: number;
  elapsedMs: number;
  /** The best rows by rankBy, ranked (all paths unless `keep` was smaller). */
  rows: SweepRow[];
  /** Set by sweeps run on a queue (src/distributed): who ran what, and what is missing. */
  distributed?: SweepDistribution;
}

export interface SweepDistribution {
  sweepId: string;
  shards: number;
  /** Shards already stored when this coordinator started (a resumed sweep). */
  resumed: number;
  workers: { worker: string; shards: number; paths: number; barCombos: number; busyMs: number }[];
  /** Shards that failed every attempt: their paths are absent from `rows`. */
  missing: { shard: number; symbol: string; rules: string; risk: string; paths: number; error: string }[];
}

export async function runSweep(grid: SweepGrid, options: SweepOptions = {}): Promise<SweepResult> {
  const rankBy = options.rankBy ?? 'sharpe';
  if (!Array.isArray(grid.symbols) || grid.symbols.length === 0) throw new RangeError('sweep grid symbols must be a non-empty array');
  const risk = grid.risk ?? [{}];
  if (risk.length === 0) throw new RangeError('sweep grid risk must hold at least one parameter set (the grid is empty)');
  const rules = grid.rules;
  if (rules !== undefined && rules.length === 0) throw new RangeError('sweep grid rules must hold at least one rule (the grid is empty)');
  const chunkPaths = options.chunkPaths ?? SWEEP_WINDOW_PATHS;
  if (!(Number.isInteger(chunkPaths) && chunkPaths >= 1)) throw new RangeError(`chunkPaths = ${chunkPaths} must be an integer >= 1`);
  const R = rules?.length ?? 1, P = risk.length, S = grid.symbols.length;
  const total = S * R * P;
  const rows = new SweepRows({ symbols: grid.symbols, rules: rules ?? null, risk }, { rankBy, ascending: options.ascending, keep: options.keep, onRow: options.onRow });
  const started = performance.now();
  const engine = new NativeSweep({ symbols: grid.symbols, params: risk, device: options.device ?? 'auto', ...(rules ? { rules } : {}), ...(options.devices !== undefined ? { devices: options.devices } : {}) });
  const bars = grid.symbols.map((s) => s.candles.close.length);
  const barsBefore = [0];
  for (const n of bars) barsBefore.push(barsBefore[barsBefore.length - 1] + n);
  // Bar-combinations of the first `paths` paths in path order (symbol by symbol).
  const combosOf = (paths: number): number => {
    const s = Math.min(S - 1, Math.floor(paths / (R * P)));
    return barsBefore[s] * R * P + (paths - s * R * P) * bars[s];
  };
  let reported = 0;
  const report = (done: number) => {
    if (done <= reported) return;
    reported = done;
    options.onProgress?.(done, total, combosOf(done));
  };
  const windowFrom = (begin: number) => engine.run(begin, Math.min(total, begin + chunkPaths), (n) => report(begin + n));
  let device: 'cpu' | 'cuda' = 'cpu';
  let pending: Promise<NativeSweepWindow> | null = windowFrom(0);
  try {
    while (pending) {
      const w: NativeSweepWindow = await pending;
      // The next window computes while this one's rows are ranked and streamed.
      pending = w.end < total ? windowFrom(w.end) : null;
      device = w.device;
      rows.add(w.begin, w.metrics);
      report(w.end);
    }
  } finally {
    // After a failure above, a window may still be running: its result is dropped.
    pending?.catch(() => undefined);
  }
  return { device, rankBy, shape: { symbols: S, rules: R, risk: P, paths: total, bars: barsBefore[S] }, barCombos: combosOf(total), elapsedMs: performance.now() - started, rows: rows.ranked() };
}

const RISK_COLUMNS = ['initialEquity', 'riskFraction', 'feeBps', 'slippageBps', 'intrabar', 'breakevenAfterTp1', 'fractions', 'allowReverse', 'maxHoldBars', 'direction', 'stopDistance', 'targetDistance', 'barsPerYear'] as const;

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The risk options that are set in any of the parameter sets: the table's risk columns. */
export function sweepRiskColumns(risk: readonly Partial<BacktestOptions>[]): (typeof RISK_COLUMNS)[number][] {
  return RISK_COLUMNS.filter((k) => risk.some((r) => r[k] !== undefined));
}

/** The CSV header: rank (ranked tables only), path, symbol, strategy, risk columns, every metric. */
export function sweepCsvHeader(riskKeys: readonly (typeof RISK_COLUMNS)[number][], ranked: boolean): string {
  return [...(ranked ? ['rank'] : []), 'path', 'symbol', 'strategy', ...riskKeys, ...METRIC_NAMES].join(',');
}

/** One row of the CSV, matching sweepCsvHeader. */
export function sweepCsvLine(row: SweepRow, riskKeys: readonly (typeof RISK_COLUMNS)[number][], ranked: boolean): string {
  return [...(ranked ? [row.rank] : []), row.path, row.symbol, row.strategy, ...riskKeys.map((k) => row.risk[k]), ...METRIC_NAMES.map((m) => row.metrics[m])].map(csvCell).join(',');
}

/** The ranked table as CSV: rank, path, symbol, strategy, the risk options that vary or are set, every metric. */
export function sweepCsv(result: SweepResult): string {
  const riskKeys = sweepRiskColumns(result.rows.map((r) => r.risk));
  return `${[sweepCsvHeader(riskKeys, true), ...result.rows.map((row) => sweepCsvLine(row, riskKeys, true))].join('\n')}\n`;
}

/** JSON with non-finite numbers written as the strings "Infinity" / "-Infinity" / "NaN" (JSON has none). */
export function sweepJson(result: SweepResult): string {
  return `${JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

export function writeSweepCsv(path: string, result: SweepResult): void {
  writeFileAtomic(path, sweepCsv(result));
}

export function writeSweepJson(path: string, result: SweepResult): void {
  writeFileAtomic(path, sweepJson(result));
}
