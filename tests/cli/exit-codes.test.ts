/** Exit codes and messages for bad paths, damaged run files and bad flags (issue 19, item 7). */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'ntp-exit-'));
const TINY = ['--set', 'windows.lookback=24', '--set', 'training.epochs=1', '--set', 'model.transformer.dModel=8', '--set', 'model.transformer.ffnDim=8',
  '--set', 'model.transformer.heads=1', '--set', 'model.transformer.blocks=1', '--set', 'model.lstm.units=4', '--set', 'model.indicators.hidden=[4]',
  '--set', 'data.synthetic.bars=300'];

async function ntp(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

let runDir = '';
test.before(async () => {
  runDir = join(dir, 'trained');
  const r = await ntp('train', runDir, ...TINY);
  if (r.code !== 0) throw new Error(r.err);
});

test('--config DIR exits 2 naming the path', async (t) => {
  const r = await ntp('config', '--config', dir);
  t.is(r.code, 2);
  t.true(r.err.includes(`config file ${dir} is a directory`), r.err);
});

test('validate --data DIR names the path', async (t) => {
  const r = await ntp('validate', '--data', dir);
  t.is(r.code, 1);
  t.true(r.err.includes(`cannot read ${dir}: is a directory (EISDIR)`), r.err);
});

for (const file of ['scaler.json', 'run.json']) {
  test(`a truncated ${file} is named`, async (t) => {
    const copy = join(dir, `truncated-${file}`);
    cpSync(runDir, copy, { recursive: true });
    const text = readFileSync(join(copy, file), 'utf8');
    writeFileSync(join(copy, file), text.slice(0, Math.floor(text.length / 2)));
    const r = await ntp('predict', copy);
    t.is(r.code, 1);
    t.true(r.err.includes(`${join(copy, file)} is not valid JSON`), r.err);
  });
}

for (const [flags, name] of [[['--fast', '0'], '--fast'], [['--slow', '1e12'], '--slow'], [['--fast', '2.5'], '--fast']] as const) {
  test(`backtest ${flags.join(' ')} exits 2 naming ${name}`, async (t) => {
    const r = await ntp('backtest', runDir, '--strategy', 'ema_cross', ...flags);
    t.is(r.code, 2);
    t.regex(r.err, new RegExp(`^ntp backtest: ${name}: got ${Number(flags[1])}, expected an integer from 1 to 1048576`));
  });
}

test('backtest --lower 80 --upper 20 exits 2 naming both flags', async (t) => {
  const r = await ntp('backtest', runDir, '--strategy', 'rsi', '--lower', '80', '--upper', '20');
  t.is(r.code, 2);
  t.regex(r.err, /--lower \(80\) must be below --upper \(20\)/);
});

test('backtest --trades -3 is an error naming the flag', async (t) => {
  const r = await ntp('backtest', runDir, '--strategy', 'ema_cross', '--trades', '-3');
  t.is(r.code, 2);
  t.regex(r.err, /--trades: got -3, expected an integer from 0/);
});

test('config values no market has are refused naming the key', async (t) => {
  for (const [set, key] of [['backtest.feeBps=1e308', 'backtest.feeBps'], ['backtest.slippageBps=20000', 'backtest.slippageBps'],
    ['model.transformer.dModel=1e9', 'model.transformer.dModel'], ['model.transformer.ffnDim=1e7', 'model.transformer.ffnDim']]) {
    const r = await ntp('config', '--set', set);
    t.is(r.code, 2);
    t.true(r.err.includes(`${key}: got`), r.err);
  }
});

test('a read-only run directory is reported as EACCES with its path', (t) => {
  // Root ignores permission bits: run the commands as an unprivileged user then.
  const asRoot = process.getuid?.() === 0;
  const ro = join(dir, 'readonly');
  mkdirSync(ro);
  chmodSync(dir, 0o755);
  cpSync(runDir, join(ro, 'run'), { recursive: true });
  chmodSync(join(ro, 'run'), 0o555);
  chmodSync(ro, 0o777);
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], {
    encoding: 'utf8', timeout: 120_000, ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {}),
  });
  for (const args of [['train', join(ro, 'run'), ...TINY], ['evaluate', join(ro, 'run')]]) {
    const r = run(args);
    t.is(r.status, 1, r.stderr);
    t.true(r.stderr.includes(`cannot write ${join(ro, 'run')}: permission denied (EACCES)`), r.stderr);
  }
});
