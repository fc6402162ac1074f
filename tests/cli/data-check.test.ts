/**
 * One data check for every command (SPEC §11): each class of bad candles gets the same answer,
 * with file and line, from validate, train, backtest and evaluate, before anything is written.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { writeCsvFixture } from '../helpers/csv-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ntp-datacheck-'));
const TINY = ['--set', 'windows.lookback=24', '--set', 'training.epochs=1', '--set', 'model.transformer.dModel=8', '--set', 'model.transformer.ffnDim=8',
  '--set', 'model.transformer.heads=1', '--set', 'model.transformer.blocks=1', '--set', 'model.lstm.units=4', '--set', 'model.indicators.hidden=[4]'];

async function ntp(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/** A good 300-bar file with one defect: `edit` changes the data rows (0-based). */
function badFile(name: string, edit: (rows: string[][]) => void): string {
  const good = writeCsvFixture(join(dir, `${name}.good.csv`), 300);
  const [header, ...lines] = readFileSync(good, 'utf8').trim().split('\n');
  const rows = lines.map((l) => l.split(','));
  edit(rows);
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, `${[header, ...rows.map((r) => r.join(','))].join('\n')}\n`);
  return path;
}

// Columns: timestamp, open, high, low, close, volume. Data row i is on line i + 2.
const CLASSES: [string, (rows: string[][]) => void, RegExp][] = [
  ['unsorted', (r) => { [r[100], r[101]] = [r[101], r[100]]; }, /non-increasing timestamps: 1 \(\S+unsorted\.csv lines 103\)/],
  ['duplicate', (r) => { r[150][0] = r[149][0]; }, /duplicate timestamps: 1 \(\S+duplicate\.csv lines 152\)/],
  ['highlow', (r) => { r[200][2] = String(Number(r[200][3]) / 2); }, /high < max\(open, close\): 1 \(\S+highlow\.csv lines 202\)/],
  ['negvolume', (r) => { r[7][5] = '-5'; }, /negative volume: 1 \(\S+negvolume\.csv lines 9\)/],
  ['nanclose', (r) => { r[200][4] = 'NaN'; }, /non-finite close: 1 \(\S+nanclose\.csv lines 202\)/],
  ['infhigh', (r) => { r[50][2] = 'inf'; }, /non-finite high: 1 \(\S+infhigh\.csv lines 52\)/],
  ['negprice', (r) => { r[60][1] = '-1'; }, /non-positive prices: 1 \(\S+negprice\.csv lines 62\)/],
  // A blank line before the defect moves it one line down: the line is the file's, not the row's.
  ['blankline', (r) => { r[30][5] = '-1'; r[10] = ['\n' + r[10][0], ...r[10].slice(1)]; }, /negative volume: 1 \(\S+blankline\.csv lines 33\)/],
];

let runDir = '';
test.before(async () => {
  runDir = join(dir, 'trained');
  const r = await ntp('train', runDir, '--data', writeCsvFixture(join(dir, 'TRAIN.csv'), 400), ...TINY);
  if (r.code !== 0) throw new Error(r.err);
});

for (const [name, edit, finding] of CLASSES) {
  test.serial(`${name}: validate, train, backtest and evaluate give the same answer and write nothing`, async (t) => {
    const file = badFile(name, edit);
    const v = await ntp('validate', '--data', file);
    t.is(v.code, 1);
    const line = finding.exec(v.out)?.[0];
    t.truthy(line, v.out);

    const trainDir = join(dir, `train-${name}`);
    const tr = await ntp('train', trainDir, '--data', file, ...TINY);
    const btOut = join(dir, `bt-${name}`);
    const bt = await ntp('backtest', runDir, '--strategy', 'ema_cross', '--data', file, '--out', btOut);
    const evaluationBefore = readdirSync(runDir).sort();
    const ev = await ntp('evaluate', runDir, '--data', file);
    for (const [cmd, r] of [['train', tr], ['backtest', bt], ['evaluate', ev]] as const) {
      t.is(r.code, 1, `${cmd}: ${r.err}`);
      t.true(r.err.includes(line!), `${cmd} reports "${line}":\n${r.err}`);
      t.regex(r.err, /nothing was written/);
    }
    t.false(existsSync(trainDir), 'train made no run directory');
    t.deepEqual(readdirSync(dir).filter((f) => f.includes(`train-${name}`) || f.includes(`bt-${name}`)), [], 'no folder, staging or lock');
    t.false(existsSync(btOut));
    t.deepEqual(readdirSync(runDir).sort(), evaluationBefore, 'evaluate wrote nothing into the run');
  });
}
