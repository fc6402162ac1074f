/** Every command: --help works, bad flags exit 2, and commands needing a run fail clearly without one. */
import test from 'ava';

import { COMMANDS } from '../../src/cli/commands/index.js';
import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

for (const cmd of COMMANDS) {
  test(`ntp ${cmd.name} --help exits 0 and lists --config, --set and --json`, async (t) => {
    const io = captureIo();
    t.is(await main([cmd.name, '--help'], io), 0);
    for (const flag of ['--config', '--set', '--json']) t.true(io.out.includes(flag), `${cmd.name} --help mentions ${flag}`);
  });
  test(`ntp ${cmd.name} with an unknown flag exits 2`, async (t) => {
    const io = captureIo();
    t.is(await main([cmd.name, '--definitely-not-a-flag'], io), 2);
    t.regex(io.err, /Unknown argument: definitely-not-a-flag/);
  });
}

test('commands that read a run directory say so when it is missing (exit 1)', async (t) => {
  for (const name of ['evaluate', 'predict', 'signals']) {
    const io = captureIo();
    t.is(await main([name, '/nonexistent/run', '--json'], io), 1);
    t.regex(io.err, /not a complete run directory/);
  }
  const io = captureIo();
  t.is(await main(['report', '/nonexistent/run'], io), 2);
  t.regex(io.err, /has no report-data\.json/);
});

test('validate --json over a generated CSV reports the problems and exits 1 on errors', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'ntp-val-'));
  const good = join(dir, 'GOOD.csv');
  const bad = join(dir, 'BAD.csv');
  const rows = (f: (i: number) => string) => ['timestamp,open,high,low,close,volume', ...Array.from({ length: 5 }, (_, i) => f(i))].join('\n');
  writeFileSync(good, rows((i) => `${1_600_000_000_000 + i * 3_600_000},1,2,0.5,1.5,10`));
  writeFileSync(bad, rows((i) => `${1_600_000_000_000 + i * 3_600_000},1,${i === 2 ? 0.9 : 2},0.5,1.5,10`));
  const ok = captureIo();
  t.is(await main(['validate', '--data', good, '--json'], ok), 0);
  t.true(JSON.parse(ok.out).reports[0].report.ok);
  const io = captureIo();
  t.is(await main(['validate', '--data', good, bad, '--json'], io), 1);
  const out = JSON.parse(io.out) as { reports: { symbol: string; report: { ok: boolean; highBelowOpenClose: { rows: number[] } } }[] };
  t.deepEqual(out.reports.map((r) => [r.symbol, r.report.ok]), [['GOOD', true], ['BAD', false]]);
  t.deepEqual(out.reports[1].report.highBelowOpenClose.rows, [2]);
});

test('sweep --json on generated data ranks paths and writes its table', async (t) => {
  const { mkdtempSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const out = mkdtempSync(join(tmpdir(), 'ntp-sweep-'));
  const io = captureIo();
  const code = await main(['sweep', '--json', '--out', out, '--set', 'data.source=synthetic', '--set', 'data.synthetic.bars=3000', '--set', 'sweep.grid.fast=[5,10]',
    '--set', 'sweep.grid.slow=[20,40]', '--set', 'sweep.grid.stopLoss=[0.02,0.05]', '--set', 'sweep.grid.feeBps=[10]', '--set', 'sweep.device=cpu'], io);
  t.is(code, 0, io.err);
  const r = JSON.parse(io.out) as { shape: { paths: number }; top: { rank: number; metrics: { sharpe: number } }[] };
  t.is(r.shape.paths, 1 * 4 * 2);
  t.deepEqual(r.top.map((x) => x.rank), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (let i = 1; i < r.top.length; i++) t.true(r.top[i - 1].metrics.sharpe >= r.top[i].metrics.sharpe);
  for (const f of ['sweep.csv', 'sweep.json', 'report.html']) t.true(existsSync(join(out, f)));
});

test('sweep shows its progress on stderr: paths done, paths/s, ETA and bar-combos/s', async (t) => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const io = captureIo();
  const code = await main(['sweep', '--out', join(mkdtempSync(join(tmpdir(), 'ntp-sweep-')), 'sweep'), '--set', 'data.source=synthetic', '--set', 'data.synthetic.bars=3000',
    '--set', 'sweep.grid.fast=[5,10]', '--set', 'sweep.grid.slow=[20,40]', '--set', 'sweep.grid.stopLoss=[0.02,0.05]', '--set', 'sweep.grid.feeBps=[10]', '--set', 'sweep.device=cpu'], io);
  t.is(code, 0, io.err);
  t.regex(io.err, /sweep \[#{24}\] 8\/8 \S+ path\/s ETA 0s {2}bar-combos\/s \d/);
});

test('train --resume RUN_DIR reads the run directory positionally and fails clearly without a checkpoint', async (t) => {
  const io = captureIo();
  t.is(await main(['train', '--resume', '/nonexistent/run', '--set', 'data.source=synthetic', '--set', 'data.synthetic.bars=300'], io), 1);
  t.regex(io.err, /--resume: \/nonexistent\/run has no checkpoint to resume from/);
});

test('a run trained on --data files is evaluated on the same files without --data', async (t) => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { writeCsvFixture } = await import('../helpers/csv-fixture.js');
  const dir = mkdtempSync(join(tmpdir(), 'ntp-train-data-'));
  const csv = writeCsvFixture(join(dir, 'SYN-1h.csv'), 700);
  const runDir = join(dir, 'run');
  const tiny = ['--set', 'windows.lookback=24', '--set', 'model.transformer.dModel=8', '--set', 'model.transformer.blocks=1',
    '--set', 'model.lstm.units=8', '--set', 'model.indicators.hidden=[8]', '--set', 'model.tower.hidden=[8,4]', '--set', 'training.epochs=1'];
  const trained = captureIo();
  t.is(await main(['train', runDir, '--data', csv, '--json', ...tiny], trained), 0, trained.err);
  t.is(JSON.parse(trained.out).source, `CSV: ${csv}`);
  const evaluated = captureIo();
  t.is(await main(['evaluate', runDir, '--json'], evaluated), 0, evaluated.err);
  t.is(JSON.parse(evaluated.out).source, `CSV: ${csv}`);
});

test('sweep over the model strategy: one row set per entry threshold, thresholds ranked together', async (t) => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'ntp-model-sweep-'));
  const runDir = join(dir, 'run');
  const common = ['--set', 'data.source=synthetic', '--set', 'data.synthetic.bars=700', '--set', 'windows.lookback=24', '--set', 'model.transformer.dModel=8',
    '--set', 'model.transformer.blocks=1', '--set', 'model.lstm.units=8', '--set', 'model.indicators.hidden=[8]',
    '--set', 'model.tower.hidden=[8,4]', '--set', 'training.epochs=1'];
  const trained = captureIo();
  t.is(await main(['train', runDir, '--json', ...common], trained), 0, trained.err);
  const io = captureIo();
  const code = await main(['sweep', '--json', '--run-dir', runDir, '--out', join(dir, 'sweep'), ...common,
    '--set', 'sweep.strategy=model', '--set', 'sweep.grid.entryThreshold=[0.5,0.52]', '--set', 'sweep.grid.stopLoss=[0.02]',
    '--set', 'sweep.grid.feeBps=[10]', '--set', 'sweep.device=cpu'], io);
  t.is(code, 0, io.err);
  const r = JSON.parse(io.out) as { shape: { symbols: number; paths: number }; top: { symbol: string }[] };
  t.deepEqual([r.shape.symbols, r.shape.paths], [2, 2]);
  t.deepEqual(r.top.map((x) => x.symbol).sort(), ['SYN0@0.5', 'SYN0@0.52']);
});

test('backtest shows the strategy beside buy-and-hold and the EMA cross with its costs, in text, JSON, backtest.json and the report', async (t) => {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const out = join(mkdtempSync(join(tmpdir(), 'ntp-bt-')), 'bt');
  const args = ['backtest', '--strategy', 'sma_cross', '--fast', '10', '--slow', '40', '--data', 'data/demo/ETHUSDT-1h.csv', '--out', out];
  const text = captureIo();
  t.is(await main(args, text), 0, text.err);
  for (const label of ['strategy vs baselines on the same 17544 bars', 'round trip 25.0 bps', 'buy and hold', 'ema cross 12/26', 'gross P&L', 'fees / start equity / year', 'avg edge / trade']) {
    t.true(text.out.includes(label), `text shows "${label}"`);
  }
  const json = captureIo();
  t.is(await main([...args, '--json'], json), 0, json.err);
  const summary = JSON.parse(json.out) as { symbols: { comparison: { runs: { name: string; values: Record<string, number> }[] } }[] };
  const runs = summary.symbols[0].comparison.runs;
  t.deepEqual(runs.map((r) => r.name), ['sma_cross', 'buy and hold', 'ema cross 12/26']);
  const file = JSON.parse(readFileSync(join(out, 'backtest.json'), 'utf8')) as { symbols: { costs: { fees: number; grossPnl: number; netPnl: number; slippage: number } }[] };
  const c = file.symbols[0].costs;
  t.true(Math.abs(c.grossPnl - (c.netPnl + c.fees + c.slippage)) < 1e-6 * Math.max(1, Math.abs(c.grossPnl)));
  t.true(readFileSync(join(out, 'report.html'), 'utf8').includes(`data-run="buy and hold" data-key="sharpe" data-metric="${runs[1].values.sharpe}"`));
});
