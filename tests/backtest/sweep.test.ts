/** Sweep expansion, chunked runs with progress, ranking, and the atomic CSV/JSON writers. */
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sliceCandles } from '../../src/data/candles.js';
import { metricsOf, runNativeBacktest } from '../../src/backtest/native.js';
import { runReferenceBacktest } from '../../src/backtest/reference.js';
import { ruleSignals } from '../../src/backtest/rules.js';
import { expandRiskGrid, expandRuleGrid, runSweep, sweepCsv, writeSweepCsv, writeSweepJson } from '../../src/backtest/sweep.js';
import { METRIC_NAMES } from '../../src/backtest/metrics.js';
import { loadMarketData } from '../helpers/market-data.js';
import { closeTo } from './helpers.js';

const symbols = ['BTCUSDT-1h', 'ETHUSDT-1h'].map((name) => ({ symbol: name, candles: sliceCandles(loadMarketData(name).candles, 0, 20_000) }));

test('grids expand to every valid combination', (t) => {
  const rules = expandRuleGrid({ emaCross: { fast: [5, 10, 30], slow: [20, 30] }, rsi: { period: [14], lower: [30, 80], upper: [70] } });
  t.deepEqual(rules.map((r) => JSON.stringify(r)), [
    '{"kind":"emaCross","fast":5,"slow":20}', '{"kind":"emaCross","fast":5,"slow":30}', '{"kind":"emaCross","fast":10,"slow":20}',
    '{"kind":"emaCross","fast":10,"slow":30}', '{"kind":"rsi","period":14,"lower":30,"upper":70}',
  ]);
  const risk = expandRiskGrid({ feeBps: 5 }, { stopDistance: [0.01, 0.02], intrabar: ['pessimistic', 'optimistic'] });
  t.is(risk.length, 4);
  t.deepEqual(risk[3], { feeBps: 5, stopDistance: 0.02, intrabar: 'optimistic' });
  t.throws(() => expandRuleGrid({ emaCross: { fast: [50], slow: [20] } }), { instanceOf: RangeError, message: /rule grid is empty/ });
  t.throws(() => expandRiskGrid({}, { feeBps: [] }), { instanceOf: RangeError, message: /axis feeBps/ });
});

test('a sweep ranks every path, reports progress, and matches direct runs', async (t) => {
  const rules = expandRuleGrid({ emaCross: { fast: [8, 12], slow: [26, 50] }, smaCross: { fast: [10], slow: [30] } });
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
  const res = await runSweep({ symbols, rules: [{ kind: 'emaCross', fast: 10, slow: 30 }], risk: [{}, { stopDistance: 0.02 }] }, { rankBy: 'maxDrawdown', ascending: true });
  writeSweepCsv(join(dir, 'sweep.csv'), res);
  writeSweepJson(join(dir, 'sweep.json'), res);
  t.deepEqual(readdirSync(dir).sort(), ['sweep.csv', 'sweep.json'], 'no temp files left behind');
  const csv = readFileSync(join(dir, 'sweep.csv'), 'utf8').trim().split('\n');
  t.is(csv.length, 1 + 4);
  t.deepEqual(csv[0].split(','), ['rank', 'path', 'symbol', 'strategy', 'stopDistance', ...METRIC_NAMES]);
  t.true(csv[1].includes(',"emaCross(10,30)",'), 'labels with commas are quoted');
  t.is(readFileSync(join(dir, 'sweep.csv'), 'utf8'), sweepCsv(res));
  const json = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
  t.is(json.rows.length, 4);
  t.is(json.rankBy, 'maxDrawdown');
  t.true(json.rows[0].metrics.maxDrawdown <= json.rows[3].metrics.maxDrawdown);
});
