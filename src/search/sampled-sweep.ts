/**
 * Rule-strategy sweeps too large for a full grid: random or TPE proposals over the grid's
 * values (sweep.sampler, sweep.trials). A trial is one rule x risk set, scored by the mean of
 * rankBy over the symbols; parameters a rule cannot use (fast >= slow, lower >= upper) fail
 * without a backtest. The tried pairs come back as an ordinary ranked SweepResult (rows of
 * the grid "tried rules x tried risk sets", only tried pairs kept), so tables, reports and the
 * overfitting statistics treat them like a grid sweep.
 */
import { rmSync } from 'node:fs';

import {
  ruleIssue, runSweep, strategyOf, type BacktestOptions, type MetricName, type NativeSymbol, type RuleStrategy, type Strategy, type SweepGrid, type SweepResult,
} from '../backtest/index.js';
import type { SweepConfig } from '../config/index.js';
import type { NativeDevice } from '../native/types.js';
import { RandomSampler, TpeSampler } from './samplers/index.js';
import { parseSpace, type Params } from './space.js';
import { runStudy } from './study.js';
import { StudyStore } from './study-store.js';

export interface SampledSweepOptions {
  symbols: NativeSymbol[];
  /** A rule strategy's name (src/backtest/strategies/). */
  strategy: string;
  grid: SweepConfig['grid'];
  base: Partial<BacktestOptions>;
  sampler: 'random' | 'tpe';
  trials: number;
  seed: number;
  rankBy: MetricName;
  device?: NativeDevice;
  /** Study directory (replaced on every call: a sweep is fast enough to rerun). */
  dir: string;
  onTrial?: (done: number, total: number) => void;
}

const list = (key: string, values: readonly number[]) => `${key}: categorical [${values.join(', ')}]`;

/** The rule of a trial's parameters (named by the strategy's sweep.grid keys); an Error for one it cannot use. */
function ruleOf(strategy: Strategy, p: Params): RuleStrategy {
  const params = Object.fromEntries(Object.entries(strategy.params).map(([k, q]) => [k, p[q.gridKey] as number]));
  const issue = ruleIssue(strategy, params);
  if (issue) throw new Error(`${strategy.name} ${issue}: skipped`);
  return { kind: strategy.name, ...params } as RuleStrategy;
}

export async function sampledRuleSweep(o: SampledSweepOptions): Promise<{ result: SweepResult; grid: SweepGrid; trials: number }> {
  const g = o.grid;
  const strategy = strategyOf(o.strategy, 'sweep.strategy');
  const lines = Object.values(strategy.params).map((q) => list(q.gridKey, g[q.gridKey]));
  const space = parseSpace([...lines, list('stopLoss', g.stopLoss), list('feeBps', g.feeBps)]);
  rmSync(o.dir, { recursive: true, force: true });
  const started = performance.now();
  const out = await runStudy({
    store: new StudyStore(o.dir),
    sampler: o.sampler === 'tpe' ? new TpeSampler(space, o.seed, 'max') : new RandomSampler(space, o.seed),
    pruner: null, direction: 'max', trials: o.trials,
    objective: async (trial) => {
      const rule = ruleOf(strategy, trial.params);
      const risk = { ...o.base, stopDistance: trial.params.stopLoss as number, feeBps: trial.params.feeBps as number };
      const r = await runSweep({ symbols: o.symbols, rules: [rule], risk: [risk] }, { device: o.device, rankBy: o.rankBy });
      const values = r.rows.map((row) => row.metrics[o.rankBy]);
      return { value: values.reduce((a, b) => a + b, 0) / values.length };
    },
    onTrial: (t) => o.onTrial?.(t.number + 1, o.trials),
  });
  const tried = out.trials.filter((t) => t.state === 'complete');
  if (tried.length === 0) throw new Error(`sweep: none of the ${out.trials.length} sampled parameter sets is a valid ${strategy.name} rule (check sweep.grid)`);
  const rules: RuleStrategy[] = [];
  const risk: Partial<BacktestOptions>[] = [];
  const pairs = new Set<string>();
  for (const t of tried) {
    const rule = ruleOf(strategy, t.params);
    let r = rules.findIndex((x) => JSON.stringify(x) === JSON.stringify(rule));
    if (r < 0) r = rules.push(rule) - 1;
    let p = risk.findIndex((x) => x.stopDistance === t.params.stopLoss && x.feeBps === t.params.feeBps);
    if (p < 0) p = risk.push({ ...o.base, stopDistance: t.params.stopLoss as number, feeBps: t.params.feeBps as number }) - 1;
    pairs.add(`${r}|${p}`);
  }
  const grid: SweepGrid = { symbols: o.symbols, rules, risk };
  const full = await runSweep(grid, { device: o.device, rankBy: o.rankBy });
  const P = risk.length;
  const rows = full.rows.filter((row) => pairs.has(`${Math.floor(row.path / P) % rules.length}|${row.path % P}`));
  rows.forEach((row, i) => { row.rank = i + 1; });
  const paths = rows.length;
  return {
    result: { ...full, rows, shape: { ...full.shape, paths }, barCombos: rows.reduce((a, r) => a + o.symbols.find((s) => s.symbol === r.symbol)!.candles.close.length, 0), elapsedMs: performance.now() - started },
    grid, trials: out.trials.length,
  };
}
