/**
 * DSR and PBO for a sweep. A configuration is what the sweep varies apart from the symbol
 * (rule x risk set, and for the model strategy the entry threshold after "@" in the entry's
 * name); its return series is the per-bar returns of its paths on every symbol, one after the
 * other, so all configurations cover the same bars. The DSR is the best ranked row's, counting
 * every ranked row as a trial; the PBO runs over up to `maxConfigs` configurations (a seeded
 * sample that keeps the best one), streamed into block sums so no series is held whole.
 */
import { runNativeBacktestAsync, type BacktestOptions, type RuleStrategy, type SweepGrid, type SweepResult } from '../backtest/index.js';
import type { NativeDevice } from '../native/types.js';
import { Rng } from '../data/random.js';
import { overfittingStatistics, type OverfittingStatistics } from './statistics/overfitting.js';
import { BlockStats, defaultBlocks, pboFromBlocks } from './statistics/pbo.js';

export interface SweepStatisticsOptions {
  barsPerYear: number;
  device?: NativeDevice;
  blocks?: number;
  maxConfigs?: number;
  seed?: number;
  /**
   * Every path of the sweep as it streamed (SweepOutput.trials): the annualised Sharpe ratios'
   * count and spread. Without it only result.rows count, which for a sweep larger than
   * sweep.keep would understate the trials and flatter the DSR.
   */
  allTrials?: { count: number; variance: number };
}

interface Config { suffix: string; rule: number; risk: number }

const split = (name: string) => {
  const at = name.indexOf('@');
  return at < 0 ? { base: name, suffix: '' } : { base: name.slice(0, at), suffix: name.slice(at + 1) };
};

export async function sweepOverfitting(result: SweepResult, grid: SweepGrid, o: SweepStatisticsOptions): Promise<OverfittingStatistics | null> {
  if (result.rows.length === 0) return null;
  const R = grid.rules?.length ?? 1;
  const P = grid.risk?.length ?? 1;
  const names = grid.symbols.map((s, i) => s.symbol ?? `symbol${i}`);
  const coords = (path: number) => ({ entry: Math.floor(path / (R * P)), rule: Math.floor(path / P) % R, risk: path % P });
  const keyOf = (c: Config) => `${c.suffix}|${c.rule}|${c.risk}`;
  const configs = new Map<string, Config>();
  for (const row of result.rows) {
    const c = coords(row.path);
    const cfg = { suffix: split(names[c.entry]).suffix, rule: c.rule, risk: c.risk };
    if (!configs.has(keyOf(cfg))) configs.set(keyOf(cfg), cfg);
  }
  const bestRow = result.rows[0];
  const bestCoords = coords(bestRow.path);
  const bestKey = keyOf({ suffix: split(names[bestCoords.entry]).suffix, rule: bestCoords.rule, risk: bestCoords.risk });
  // A seeded sample of configurations for the PBO, the best one always among them.
  let chosen = [...configs.keys()];
  const max = o.maxConfigs ?? 100;
  if (chosen.length > max) {
    const rng = new Rng(o.seed ?? 42);
    const others = chosen.filter((k) => k !== bestKey);
    for (let i = others.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [others[i], others[j]] = [others[j], others[i]];
    }
    chosen = [bestKey, ...others.slice(0, max - 1)];
  }
  const column = new Map(chosen.map((k, i) => [k, i]));
  const bases = [...new Set(names.map((n) => split(n).base))];
  const offsets = new Map<string, number>();
  let total = 0;
  for (const b of bases) {
    offsets.set(b, total);
    const entry = grid.symbols[names.findIndex((n) => split(n).base === b)];
    total += entry.candles.close.length - 1;
  }
  const blocks = defaultBlocks(total, o.blocks);
  const acc = chosen.length >= 2 && blocks >= 2 ? new BlockStats(chosen.length, total, blocks) : null;
  let best: Float64Array | null = null;
  for (let e = 0; e < grid.symbols.length; e++) {
    const { base, suffix } = split(names[e]);
    const wanted = chosen.map((k) => configs.get(k)!).filter((c) => c.suffix === suffix);
    const isBestEntry = e === bestCoords.entry;
    if (wanted.length === 0 && !isBestEntry) continue;
    const pairs = wanted.map((c) => [c.rule, c.risk]);
    if (isBestEntry) pairs.push([bestCoords.rule, bestCoords.risk]);
    // Only the rules and risk sets of the chosen configurations run again (at most maxConfigs of
    // each), not the whole grid: a 1e8-path sweep must not compute, nor return, 1e8 paths twice.
    const ruleIds = [...new Set(pairs.map(([r]) => r))], riskIds = [...new Set(pairs.map(([, p]) => p))];
    const ruleAt = new Map(ruleIds.map((r, i) => [r, i])), riskAt = new Map(riskIds.map((p, i) => [p, i]));
    const subP = riskIds.length;
    const risk: Partial<BacktestOptions>[] = riskIds.map((p) => (grid.risk ?? [{}])[p]);
    const rules: RuleStrategy[] | undefined = grid.rules ? ruleIds.map((r) => grid.rules![r]) : undefined;
    const res = await runNativeBacktestAsync({
      symbols: [grid.symbols[e]], params: risk, ...(rules ? { rules } : {}), device: o.device ?? 'auto',
      trace: { paths: [...new Set(pairs.map(([r, p]) => ruleAt.get(r)! * subP + riskAt.get(p)!))], equity: true },
    });
    const offset = offsets.get(base)!;
    for (const trace of res.traces) {
      const eq = trace.equity!;
      const rule = ruleIds[Math.floor(trace.path / subP)], riskIndex = riskIds[trace.path % subP];
      const k = column.get(keyOf({ suffix, rule, risk: riskIndex }));
      if (acc && k !== undefined) for (let i = 1; i < eq.length; i++) acc.add(k, offset + i - 1, eq[i] / eq[i - 1] - 1);
      if (isBestEntry && rule === bestCoords.rule && riskIndex === bestCoords.risk) best = Float64Array.from({ length: eq.length - 1 }, (_, i) => eq[i + 1] / eq[i] - 1);
    }
  }
  if (!best || best.length < 2) return null;
  const annual = Math.sqrt(o.barsPerYear);
  const all = o.allTrials;
  return overfittingStatistics({
    trials: all ? all.count : result.rows.length, best,
    trialSharpes: all ? { count: all.count, variance: all.variance / o.barsPerYear } : result.rows.map((r) => r.metrics.sharpe / annual).filter(Number.isFinite),
    pbo: acc ? pboFromBlocks(acc) : null, barsPerYear: o.barsPerYear,
  });
}
