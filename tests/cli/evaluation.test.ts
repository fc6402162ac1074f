/**
 * Date ranges, --split none, baselines with intervals, the edge gate and walk-forward through
 * the CLI, on a tiny model trained on a generated CSV.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { writeCsvFixture } from '../helpers/csv-fixture.js';

const TINY = ['--set', 'windows.lookback=24', '--set', 'model.transformer.dModel=8', '--set', 'model.transformer.blocks=1',
  '--set', 'model.lstm.units=8', '--set', 'model.indicators.hidden=[8]', '--set', 'model.tower.hidden=[8,4]', '--set', 'training.epochs=1',
  '--set', 'training.tensorboard=false', '--set', 'evaluation.bootstrap.samples=200'];

const dir = mkdtempSync(join(tmpdir(), 'ntp-eval-'));
const csv = writeCsvFixture(join(dir, 'SYN-1h.csv'), 900);
const runDir = join(dir, 'run');
const HOUR = 3_600_000;
let trained: Promise<number> | null = null;

async function ntp(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

/** One tiny run shared by the tests (trained once). */
function run(): Promise<number> {
  trained ??= ntp(['train', runDir, '--data', csv, '--json', ...TINY]).then((r) => {
    if (r.code !== 0) throw new Error(r.err);
    return r.code;
  });
  return trained;
}

function firstTime(): number {
  return Number(readFileSync(csv, 'utf8').split('\n')[1].split(',')[0]);
}

test('predict --from: the first window ends at --from and reads its lookback from before it', async (t) => {
  await run();
  const from = firstTime() + 300 * HOUR;
  const ranged = await ntp(['predict', runDir, '--all', '--json', '--from', new Date(from).toISOString(), '--to', String(from + 50 * HOUR)]);
  t.is(ranged.code, 0, ranged.err);
  const full = await ntp(['predict', runDir, '--all', '--json']);
  const r = JSON.parse(ranged.out)['SYN-1h'] as Record<string, number | string>[];
  const f = JSON.parse(full.out)['SYN-1h'] as Record<string, number | string>[];
  t.is(r.length, 50);
  t.is(r[0].time, new Date(from).toISOString());
  // The same window as over the whole file: its 24 bars before --from were loaded and used.
  const same = f.find((x) => x.time === r[0].time)!;
  t.is(r[0].h1_p_up, same.h1_p_up);
  t.is(r[0].h0_return, same.h0_return);
});

test('evaluate --split none over a date range: every window from --from, baselines and intervals in JSON, text and report', async (t) => {
  await run();
  const from = firstTime() + 400 * HOUR;
  const res = await ntp(['evaluate', runDir, '--split', 'none', '--from', String(from), '--to', String(from + 300 * HOUR), '--json', ...TINY.slice(-2)]);
  t.is(res.code, 0, res.err);
  const out = JSON.parse(res.out) as {
    results: { none: { windows: number; first: string; values: Record<string, number> } };
    baselines: { none: { windows: number; horizons: { bars: number; model: { accuracy: number; accuracyCi: number[] }; baselines: { name: string }[]; best: string; difference: { mccCi: number[] } }[] } };
    report: string;
  };
  // 300 bars in range, windows need 12 bars of future inside it.
  t.is(out.results.none.windows, 300 - 12);
  t.is(out.results.none.first, new Date(from).toISOString());
  const q = out.baselines.none;
  t.is(q.windows, 288);
  t.deepEqual(q.horizons.map((h) => h.bars), [1, 4, 12]);
  t.deepEqual(q.horizons[1].baselines.map((b) => b.name), ['always_up', 'persistence_1', 'persistence_4', 'reversal_1', 'ema_cross_12_26']);
  t.is(q.horizons[0].model.accuracy, out.results.none.values.dir_acc_h0);
  for (const h of q.horizons) {
    t.true(h.model.accuracyCi[0] <= h.model.accuracy && h.model.accuracy <= h.model.accuracyCi[1]);
    t.true(h.difference.mccCi[0] <= h.difference.mccCi[1]);
  }
  const html = readFileSync(out.report, 'utf8');
  t.regex(html, /id="forecast-baselines"/);
  t.true(html.includes(`data-metric="${q.horizons[0].model.accuracy}"`));
  const text = await ntp(['evaluate', runDir, '--split', 'none', '--from', String(from), '--to', String(from + 300 * HOUR), ...TINY.slice(-2)]);
  t.regex(text.out, /none \(288 windows, first ending /);
  t.regex(text.out, /reversal_1 +\d\.\d{4} \[/);
  t.regex(text.out, /model - \w+/);
});

test('a date range outside the data exits 2 naming the file and its span', async (t) => {
  await run();
  const res = await ntp(['evaluate', runDir, '--split', 'none', '--from', '2040-01-01']);
  t.is(res.code, 2);
  t.true(res.err.includes(`${csv}: no bar in the date range 2040-01-01T00:00Z .. end (the data has 900 bars from`));
  const inverted = await ntp(['validate', '--data', csv, '--from', '2020-02-01', '--to', '2020-01-01']);
  t.is(inverted.code, 2);
  t.regex(inverted.err, /the date range is empty/);
  const bad = await ntp(['train', join(dir, 'x'), '--data', csv, '--from', 'soon']);
  t.is(bad.code, 2);
  t.regex(bad.err, /--from\) must be an ISO-8601 date/);
});

test('signals: without an edge on validation they stay flat and say so; requireEdge false trades them', async (t) => {
  await run();
  const gated = await ntp(['signals', runDir, '--json', ...TINY.slice(-2)]);
  t.is(gated.code, 0, gated.err);
  const g = JSON.parse(gated.out) as { edge: { edge: boolean; trade: boolean; reason: string }; series: { report: { longs: number; shorts: number }; traded: boolean; signals: unknown[] }[] };
  t.is(g.edge.trade, g.edge.edge);
  t.regex(g.edge.reason, /naive baselines on validation at h1 \(\+4 bars\)/);
  const s = g.series[0];
  t.is(s.signals.length, g.edge.trade ? s.report.longs + s.report.shorts : 0);
  const forced = await ntp(['signals', runDir, '--json', '--set', 'signals.requireEdge=false', ...TINY.slice(-2)]);
  const f = JSON.parse(forced.out) as typeof g;
  t.true(f.edge.trade);
  t.is(f.series[0].signals.length, f.series[0].report.longs + f.series[0].report.shorts);
  const text = await ntp(['signals', runDir, ...TINY.slice(-2)]);
  t.regex(text.out, g.edge.edge ? /edge check: the model beats/ : /edge check: the model shows no edge .* The strategy stays flat/);
});

test('walkforward: folds train and test in order, embargoed; stitched predictions scored and backtested', async (t) => {
  const wfDir = join(dir, 'wf');
  const res = await ntp(['walkforward', wfDir, '--data', csv, '--json', ...TINY,
    '--set', 'split.walkForward.folds=2', '--set', 'split.walkForward.initialTrain=0.6']);
  t.is(res.code, 0, res.err);
  const out = JSON.parse(res.out) as {
    dir: string; folds: { fold: number; windows: number; ranges: Record<string, { train: { start: number; end: number }; test: { start: number; end: number } }> }[];
    overall: { windows: number; horizons: unknown[] }; backtests: { symbol: string }[]; report: string;
  };
  t.is(out.folds.length, 2);
  const [a, b] = out.folds.map((f) => f.ranges['SYN-1h']);
  for (const f of [a, b]) t.true(f.train.end - 1 + 12 < f.test.start, 'no training target reaches the test block');
  t.is(b.test.start, a.test.end);
  t.is(a.train.start, b.train.start);
  t.is(out.folds[0].windows, a.test.end - a.test.start);
  t.is(out.overall.windows, out.folds[0].windows + out.folds[1].windows);
  t.is(out.backtests[0].symbol, 'SYN-1h');
  for (const f of ['walkforward.json', 'report.html', 'fold-1/model/model.json', 'fold-2/model/model.json']) t.true(existsSync(join(out.dir, f)), f);
});

test('run --from/--to: trains and tests inside the range, scores baselines, and gates its backtest on the validation edge', async (t) => {
  const from = firstTime() + 100 * HOUR;
  const res = await ntp(['run', '--json', '--from', String(from), '--to', String(from + 700 * HOUR), ...TINY,
    '--set', 'data.source=csv', '--set', `data.paths=["${csv}"]`, '--set', `output.runDir=${join(dir, 'ranged-run')}`]);
  t.is(res.code, 0, res.err);
  const out = JSON.parse(res.out) as {
    source: string; baselines: { windows: number; horizons: unknown[] }; edge: { edge: boolean; trade: boolean; horizon: number };
    backtests: { trades: number }[];
  };
  t.regex(out.source, / \.\. /);
  t.is(out.baselines.horizons.length, 3);
  t.is(out.edge.horizon, 1);
  t.is(out.edge.trade, out.edge.edge);
  if (!out.edge.trade) t.is(out.backtests[0].trades, 0);
  const saved = JSON.parse(readFileSync(join(dir, 'ranged-run', 'evaluation.json'), 'utf8')) as { windows: number; baselines: { windows: number } };
  t.is(saved.baselines.windows, saved.windows);
});
