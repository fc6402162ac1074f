/** Sweep expansion, chunked runs with progress, ranking, and the atomic CSV/JSON writers. */
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sliceCandles } from '../../src/data/candles.js';
import { metricsOf, runNativeBacktest } from '../../src/backtest/native.js';
import { runReferenceBacktest } from '../../src/backtest/reference.js';
import { ruleSignals } from '../../src/backtest/rules.js';
import {
  countRuleGrid, expandRiskGrid, expandRuleGrid, runSweep, sweepCsv, writeSweepCsv, writeSweepJson, type SweepRow,
} from '../../src/backtest/sweep.js';
import { rankCompare, rankSweepRows } from '../../src/backtest/sweep-rows.js';
import { estimateSweep, sweepLimitIssue } from '../../src/backtest/sweep-estimate.js';
import { METRIC_NAMES } from '../../src/backtest/metrics.js';
import { loadMarketData } from '../helpers/market-data.js';
import { closeTo } from './helpers.js';

const symbols = ['BTCUSDT-1h', 'ETHUSDT-1h'].map((name) => ({ symbol: name, candles: sliceCandles(loadMarketData(name).candles, 0, 20_000) }));

test('grids expand to every valid combination', (t) => {
  const rules = expandRuleGrid({ ema_cross: { fast: [5, 10, 30], slow: [20, 30] }, rsi: { period: [14], lower: [30, 80], upper: [70] } });
  t.deepEqual(rules.map((r) => JSON.stringify(r)), [
    '{"kind":"ema_cross","fast":5,"slow":20}', '{"kind":"ema_cross","fast":5,"slow":30}', '{"kind":"ema_cross","fast":10,"slow":20}',
    '{"kind":"ema_cross","fast":10,"slow":30}', '{"kind":"rsi","period":14,"lower":30,"upper":70}',
  ]);
  const risk = expandRiskGrid({ feeBps: 5 }, { stopDistance: [0.01, 0.02], intrabar: ['pessimistic', 'optimistic'] });
  t.is(risk.length, 4);
  t.deepEqual(risk[3], { feeBps: 5, stopDistance: 0.02, intrabar: 'optimistic' });
  t.throws(() => expandRuleGrid({ ema_cross: { fast: [50], slow: [20] } }), { instanceOf: RangeError, message: /rule grid is empty/ });
  t.throws(() => expandRiskGrid({}, { feeBps: [] }), { instanceOf: RangeError, message: /axis feeBps/ });
});

test('a sweep ranks every path, reports progress, and matches direct runs', async (t) => {
  const rules = expandRuleGrid({ ema_cross: { fast: [8, 12], slow: [26, 50] }, sma_cross: { fast: [10], slow: [30] } });
  const risk = expandRiskGrid({ targetDistance: [0.01, 0.02, 0.04] }, { stopDistance: [0.015, 0.03] });
  const progress: number[] = [];
  const res = await runSweep({ symbols, rules, risk }, { device: 'cpu', chunkPaths: 4, onProgress: (done, total) => { progress.push(done); t.is(total, 2 * 5 * 2); } });
  t.is(res.rows.length, 20);
  t.is(progress.at(-1), 20);
  t.true(progress.length >= 4, 'several chunks reported');
  t.is(res.barCombos, 20 * 20_000);
  for (let i = 1; i < res.rows.length; i++) t.true(res.rows[i - 1].metrics.sharpe >= res.rows[i].metrics.sharpe);
  t.deepEqual(res.rows.map((r) => r.rank), Array.from({ length: 20 }, (_, i) => i + 1));
  // The best row equals a direct native run and the reference of that path.
  const best = res.rows[0];
  const sym = symbols.find((s) => s.symbol === best.symbol)!;
  const direct = runNativeBacktest({ symbols: [sym], rules: [best.rule!], params: [best.risk], device: 'cpu' });
  const ref = runReferenceBacktest(sym.candles, ruleSignals(sym.candles, best.rule!), best.risk);
  for (const m of METRIC_NAMES) {
    t.is(best.metrics[m], metricsOf(direct, 0)[m], m);
    t.true(closeTo(best.metrics[m], ref.metrics[m]), `${m}: ${best.metrics[m]} vs reference ${ref.metrics[m]}`);
  }
});

test('CSV and JSON are written atomically with every metric', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-sweep-'));
  const res = await runSweep({ symbols, rules: [{ kind: 'ema_cross', fast: 10, slow: 30 }], risk: [{}, { stopDistance: 0.02 }] }, { rankBy: 'maxDrawdown', ascending: true });
  writeSweepCsv(join(dir, 'sweep.csv'), res);
  writeSweepJson(join(dir, 'sweep.json'), res);
  t.deepEqual(readdirSync(dir).sort(), ['sweep.csv', 'sweep.json'], 'no temp files left behind');
  const csv = readFileSync(join(dir, 'sweep.csv'), 'utf8').trim().split('\n');
  t.is(csv.length, 1 + 4);
  t.deepEqual(csv[0].split(','), ['rank', 'path', 'symbol', 'strategy', 'stopDistance', ...METRIC_NAMES]);
  t.true(csv[1].includes(',"ema_cross(10,30)",'), 'labels with commas are quoted');
  t.is(readFileSync(join(dir, 'sweep.csv'), 'utf8'), sweepCsv(res));
  const json = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
  t.is(json.rows.length, 4);
  t.is(json.rankBy, 'maxDrawdown');
  t.true(json.rows[0].metrics.maxDrawdown <= json.rows[3].metrics.maxDrawdown);
});

test('streaming: every path reaches onRow in path order, and the kept top N equal the head of a full sort', async (t) => {
  const rules = expandRuleGrid({ ema_cross: { fast: [5, 8, 12, 20], slow: [26, 50, 100] }, rsi: { period: [14], lower: [25, 30], upper: [70] } });
  const risk = expandRiskGrid({}, { stopDistance: [0.01, 0.02, 0.05], feeBps: [0, 10] });
  const small = symbols.map((s) => ({ ...s, candles: sliceCandles(s.candles, 0, 3000) }));
  const total = small.length * rules.length * risk.length;
  for (const [rankBy, ascending] of [['sharpe', false], ['maxDrawdown', true], ['profitFactor', false]] as const) {
    const full = await runSweep({ symbols: small, rules, risk }, { rankBy, ascending, chunkPaths: 7 });
    const streamed: number[] = [];
    for (const keep of [1, 5, 17, total + 3]) {
      streamed.length = 0;
      const top = await runSweep({ symbols: small, rules, risk }, { rankBy, ascending, chunkPaths: 7, keep, onRow: (r) => streamed.push(r.path) });
      t.deepEqual(streamed, Array.from({ length: total }, (_, i) => i), 'every path once, in path order');
      t.is(top.shape.paths, total);
      t.deepEqual(top.rows.map((r) => [r.rank, r.path, r.metrics[rankBy]]), full.rows.slice(0, keep).map((r) => [r.rank, r.path, r.metrics[rankBy]]), `${rankBy} keep ${keep}`);
      // Without onRow, rows are made only for paths that enter the kept set: the same rows come out.
      const quiet = await runSweep({ symbols: small, rules, risk }, { rankBy, ascending, chunkPaths: 7, keep });
      t.deepEqual(quiet.rows, full.rows.slice(0, keep), `${rankBy} keep ${keep}, no onRow`);
    }
  }
});

test('a sweep is estimated before it starts and refused above the limits with the numbers and the key', (t) => {
  t.is(countRuleGrid({ ema_cross: { fast: [5, 10, 30], slow: [20, 30] }, rsi: { period: [14, 21], lower: [30, 80], upper: [70] } }),
    expandRuleGrid({ ema_cross: { fast: [5, 10, 30], slow: [20, 30] }, rsi: { period: [14, 21], lower: [30, 80], upper: [70] } }).length);
  const limits = { maxPaths: 1e8, maxSeconds: 7200, maxMemoryMB: 2048, maxDiskMB: 20480 };
  const plan = { bars: [10_000, 10_000], rules: 2_000, risk: 100_000, keep: 1000, allPaths: false, riskColumns: 2, labelBytes: 40 };
  const huge = estimateSweep(plan);
  t.is(huge.paths, 4e8);
  t.is(huge.barCombos, 4e12);
  t.regex(sweepLimitIssue(huge, limits, 1e12)!, /^the sweep is refused before it starts \(4\.00e\+8 paths, 4\.00e\+12 bar-combos: about [\d.]+ min, [\d.]+ MiB of memory, [\d.]+ MiB on disk\): 4\.00e\+8 paths exceed sweep\.limits\.maxPaths \(100000000\)/);
  const long = estimateSweep({ ...plan, bars: [100_000, 100_000], rules: 200 });
  t.regex(sweepLimitIssue(long, limits, 1e12)!, /exceeds sweep\.limits\.maxSeconds \(7200\)/);
  const disk = estimateSweep({ ...plan, bars: [100], rules: 500, allPaths: true });
  t.regex(sweepLimitIssue(disk, limits, 1e12)!, /on disk exceeds sweep\.limits\.maxDiskMB \(20480\); raise it, or set sweep\.allPaths false/);
  t.regex(sweepLimitIssue(disk, { ...limits, maxDiskMB: 1e9 }, 1e6)!, /more than the 1\.0 MiB free there/);
  const memory = estimateSweep({ ...plan, bars: [100], rules: 10, keep: 5_000_000 });
  t.regex(sweepLimitIssue(memory, limits, 1e12)!, /of memory exceeds sweep\.limits\.maxMemoryMB \(2048\)/);
  // 1e8 paths (100 symbols x 200 rules x 5000 risk sets) stay within the default 2 GiB: two windows of metrics, the kept rows.
  const hundredMillion = estimateSweep({ ...plan, bars: Array(100).fill(10_000), rules: 200, risk: 5000, allPaths: true });
  t.is(hundredMillion.paths, 1e8);
  t.true(hundredMillion.memoryBytes < 2048 * 2 ** 20, `${hundredMillion.memoryBytes} bytes`);
  // Streaming keeps memory flat in the number of paths.
  t.is(estimateSweep({ ...plan, bars: [100], rules: 10 }).memoryBytes, estimateSweep({ ...plan, bars: [100], rules: 10, risk: 1e6 }).memoryBytes);
  t.is(sweepLimitIssue(estimateSweep({ ...plan, bars: [1000], rules: 10, risk: 10 }), limits, 1e12), null);
});

test('ranking: by the metric (descending, or ascending), NaN last, ties by path; ranks numbered 1..n, the same order as rankCompare', (t) => {
  const values = [0.5, NaN, 2, 0.5, -1, NaN, 2, 0];
  const rows = values.map((sharpe, i) => ({ rank: 0, path: [7, 3, 5, 1, 0, 2, 4, 6][i], metrics: { sharpe } }) as unknown as SweepRow);
  for (const ascending of [false, true]) {
    const ranked = [...rows];
    rankSweepRows(ranked, 'sharpe', ascending);
    t.deepEqual(ranked.map((r) => r.path), [...rows].sort(rankCompare('sharpe', ascending)).map((r) => r.path));
    t.deepEqual(ranked.map((r) => r.rank), [1, 2, 3, 4, 5, 6, 7, 8]);
  }
  const down = [...rows];
  rankSweepRows(down, 'sharpe');
  // 2 (paths 4, 5), 0.5 (paths 1, 7), 0, -1, then NaN (paths 2, 3).
  t.deepEqual(down.map((r) => r.path), [4, 5, 1, 7, 6, 0, 2, 3]);
});
