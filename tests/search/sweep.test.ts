import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expandRuleGrid, runNativeBacktestAsync, runSweep } from '../../src/backtest/index.js';
import { defaultConfig } from '../../src/config/index.js';
import { syntheticCandles } from '../../src/data/synthetic.js';
import { sampledRuleSweep } from '../../src/search/sampled-sweep.js';
import { RunningVariance } from '../../src/search/statistics/moments.js';
import { BlockStats, pboFromBlocks } from '../../src/search/statistics/pbo.js';
import { sweepOverfitting } from '../../src/search/sweep-statistics.js';

const HOUR = 3_600_000;
const symbols = [0, 1].map((k) => ({ symbol: `S${k}`, candles: syntheticCandles({ bars: 3000, timeframeMs: HOUR, start: Date.UTC(2024, 0, 1), seed: 10 + k }) }));

test('a sampled rule sweep tries at most sweep.trials parameter sets from the grid values and ranks them like a grid', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-sampled-sweep-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const grid = { ...defaultConfig().sweep.grid, fast: [3, 5, 8, 13, 21], slow: [10, 30, 60, 120], stopLoss: [0.02, 0.05], feeBps: [10] };
  const { result, grid: tried, trials } = await sampledRuleSweep({
    symbols, strategy: 'ema_cross', grid, base: {}, sampler: 'tpe', trials: 15, seed: 1, rankBy: 'sharpe', dir,
  });
  t.is(trials, 15);
  const sets = result.rows.length / symbols.length;
  t.true(sets >= 1 && sets <= 15);
  for (const rule of tried.rules!) {
    t.true(rule.kind === 'ema_cross' && grid.fast.includes(rule.fast) && grid.slow.includes(rule.slow) && rule.fast < rule.slow);
  }
  // Each row's metrics are those of its own rule and risk set run alone.
  const top = result.rows[0];
  const alone = await runSweep({ symbols: symbols.filter((s) => s.symbol === top.symbol), rules: [top.rule!], risk: [top.risk] });
  t.is(alone.rows[0].metrics.sharpe, top.metrics.sharpe);
  t.deepEqual(result.rows.map((r) => r.rank), result.rows.map((_, i) => i + 1));
});

test('sweep overfitting statistics: DSR counts every ranked row, PBO runs over the configurations on all symbols', async (t) => {
  const rules = expandRuleGrid({ ema_cross: { fast: [3, 5, 8], slow: [20, 50] } });
  const risk = [{ stopDistance: 0.02 }, { stopDistance: 0.05 }];
  const grid = { symbols, rules, risk };
  const result = await runSweep(grid, { rankBy: 'sharpe' });
  const stats = (await sweepOverfitting(result, grid, { barsPerYear: 8760, blocks: 8 }))!;
  t.is(stats.trials, 2 * 6 * 2);
  t.is(stats.pboTrials, 12);
  t.is(stats.pboCombinations, 70); // C(8, 4)
  t.is(stats.observations, 2999);
  // The best row's per-bar Sharpe, annualised, is the sweep's own Sharpe of that row (up to
  // the population vs sample standard deviation, a factor sqrt(T / (T - 1))).
  const own = result.rows[0].metrics.sharpe;
  t.true(Math.abs(stats.sharpe * Math.sqrt(8760) * Math.sqrt(2998 / 2999) - own) < 1e-9 * Math.max(1, Math.abs(own)), `${stats.sharpe * Math.sqrt(8760)} vs ${own}`);
  t.true(stats.pbo! >= 0 && stats.pbo! <= 1);
  t.regex(stats.verdict, /^The best of 24 trials is (not )?distinguishable from luck/);
  // A PBO over a sample of configurations keeps the best and the sample size.
  const sampled = (await sweepOverfitting(result, grid, { barsPerYear: 8760, blocks: 8, maxConfigs: 5 }))!;
  t.is(sampled.pboTrials, 5);
  t.is(sampled.dsr, stats.dsr);
});

test('sweep overfitting statistics rerun only the chosen configurations, and their PBO is the whole grid\'s', async (t) => {
  const rules = expandRuleGrid({ ema_cross: { fast: [3, 5, 8], slow: [20, 50] } });
  const risk = [{ stopDistance: 0.02 }, { stopDistance: 0.05 }, { stopDistance: 0.1 }];
  const grid = { symbols, rules, risk };
  const result = await runSweep(grid, { rankBy: 'sharpe' });
  const stats = (await sweepOverfitting(result, grid, { barsPerYear: 8760, blocks: 8 }))!;
  // The same PBO from every path of the full grid, traced in one run per symbol (path order).
  const P = risk.length, configs = rules.length * P;
  const acc = new BlockStats(configs, 2 * 2999, 8);
  for (const [e, sym] of symbols.entries()) {
    const res = await runNativeBacktestAsync({ symbols: [sym], rules, params: risk, device: 'cpu', trace: { paths: Array.from({ length: configs }, (_, i) => i), equity: true } });
    for (const tr of res.traces) for (let i = 1; i < tr.equity!.length; i++) acc.add(tr.path, e * 2999 + i - 1, tr.equity![i] / tr.equity![i - 1] - 1);
  }
  t.is(stats.pboTrials, configs);
  t.is(stats.pbo, pboFromBlocks(acc).pbo);
});

test('a sweep that keeps only its best rows still counts every path in its DSR (streamed trial spread)', async (t) => {
  const rules = expandRuleGrid({ ema_cross: { fast: [3, 5, 8], slow: [20, 50] } });
  const grid = { symbols, rules, risk: [{ stopDistance: 0.02 }, { stopDistance: 0.05 }] };
  const full = await runSweep(grid, { rankBy: 'sharpe' });
  const spread = new RunningVariance();
  const kept = await runSweep(grid, { rankBy: 'sharpe', keep: 3, onRow: (row) => spread.add(row.metrics.sharpe) });
  t.is(kept.rows.length, 3);
  const reference = (await sweepOverfitting(full, grid, { barsPerYear: 8760, blocks: 8 }))!;
  const streamed = (await sweepOverfitting(kept, grid, { barsPerYear: 8760, blocks: 8, allTrials: { count: spread.count, variance: spread.variance } }))!;
  const keptOnly = (await sweepOverfitting(kept, grid, { barsPerYear: 8760, blocks: 8 }))!;
  t.is(streamed.trials, 24);
  t.true(Math.abs(streamed.dsr - reference.dsr) < 1e-12, `${streamed.dsr} vs ${reference.dsr}`);
  t.true(Math.abs(streamed.expectedMaxSharpe - reference.expectedMaxSharpe) < 1e-12);
  t.is(keptOnly.trials, 3, 'without the stream only the kept rows count (what allTrials corrects)');
});
