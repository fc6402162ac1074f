/**
 * `ntp run` end to end in a real process with a tiny model on its default data (the shipped
 * demo candles, BTCUSDT and ETHUSDT, cut short): every artefact of the run directory exists and
 * agrees with the --json summary, and the backtest stands beside its baselines.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from '../helpers/market-data.js';

const TINY = `
data: { demo: { bars: 700 } }
windows: { lookback: 24 }
dataset: { batchSize: 64 }
model:
  transformer: { dModel: 8, heads: 2, keyDim: 4, blocks: 1, ffnDim: 16 }
  lstm: { units: 8 }
  indicators: { hidden: [8], output: 4 }
  tower: { hidden: [8, 4] }
training: { epochs: 2 }
`;

test('ntp run writes a complete run directory and a report, and --json parses', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-e2e-'));
  const runDir = join(dir, 'run');
  const config = join(dir, 'tiny.yaml');
  writeFileSync(config, `${TINY}output: { runDir: ${JSON.stringify(runDir)} }\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'run', '--config', config, '--json'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 });
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as {
    runDir: string; synthetic: boolean; epochs: number; report: string;
    source: string; evaluation: Record<string, number>;
    backtests: { symbol: string; trades: number; metrics: Record<string, number>; comparison: { runs: { name: string; values: Record<string, number> }[] } }[];
  };
  t.is(summary.runDir, runDir);
  t.false(summary.synthetic);
  t.regex(summary.source, /demo data .*BTCUSDT, ETHUSDT 1h, 700 bars each/);
  t.is(summary.epochs, 2);
  for (const f of ['config.yaml', 'scaler.json', 'run.json', 'history.json', 'indicator_periods.csv', 'evaluation.json',
    'report.html', 'report-data.json', 'model/model.json', 'checkpoints/last/state.json', 'checkpoints/best/state.json', 'calibration.json']) {
    t.true(existsSync(join(runDir, f)), `${f} exists`);
  }
  t.true(readdirSync(join(runDir, 'tensorboard')).some((f) => f.startsWith('events.out.tfevents.')));
  const evaluation = JSON.parse(readFileSync(join(runDir, 'evaluation.json'), 'utf8')) as { split: string; values: Record<string, number> };
  t.is(evaluation.split, 'test');
  t.is(evaluation.values.dir_mcc_h1, summary.evaluation.dir_mcc_h1);
  t.deepEqual(summary.backtests.map((b) => b.symbol), ['BTCUSDT', 'ETHUSDT']);
  const html = readFileSync(summary.report, 'utf8');
  t.notRegex(html, /SYNTHETIC DATA/);
  for (const b of summary.backtests) {
    t.deepEqual(b.comparison.runs.map((x) => x.name), ['model', 'buy and hold', 'ema cross 12/26']);
    const hold = b.comparison.runs[1].values.totalReturn;
    t.true(html.includes(`data-symbol="${b.symbol}" data-run="buy and hold" data-key="totalReturn" data-metric="${hold}"`), `${b.symbol}: report shows buy-and-hold`);
  }
  t.regex(r.stderr + r.stdout, /demo data/);
  // The report's metric cells carry the backtest's numbers.
  const m = summary.backtests[0].metrics;
  t.true(html.includes(`data-metric="${m.trades}"`));
  t.is(m.trades, summary.backtests[0].trades);
});
