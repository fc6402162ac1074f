/**
 * Output folders as whole sets (SPEC §11), in real processes: kill -9 at every write point, a
 * full disk, and two writers at once. Faults are injected with NTP_FAULT (src/util/fault.ts).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { committedDir, OutputSet } from '../../src/util/output-set.js';
import { writeCsvFixture } from '../helpers/csv-fixture.js';
import { snapshot, whichSet } from '../helpers/output-snapshot.js';

const ENTRY = ['--import', 'tsx', 'src/cli/entry.ts'];
/** Each test runs a dozen CLI processes: minutes on a loaded 2-core machine. */
const PROCESS_TEST_TIMEOUT = 30 * 60_000;

/** Runs ntp in a child process (asynchronously, so the test's own timers and messages keep running). */
function ntp(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...ENTRY, ...args], { env: { ...process.env, ...env } });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { err += String(d); });
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ntp-outputs-'));
/** The folder's siblings that are not the folder itself (staging, old set, lock). */
const leftovers = (parent: string, name: string) => readdirSync(parent).filter((f) => f.startsWith(`.${name}.`));

/**
 * Runs `command(newArgs)` killed at write point 1, 2, ... until it completes, each time over a
 * fresh copy of the old set; what a reader then sees must be exactly the old or the new set.
 */
async function killAtEveryPoint(t: import('ava').ExecutionContext, parent: string, name: string, oldSet: string, newArgs: string[], newSet: Record<string, string>) {
  const out = join(parent, name);
  const old = snapshot(oldSet);
  const seen: string[] = [];
  for (let n = 1; n < 100; n++) {
    rmSync(out, { recursive: true, force: true });
    for (const f of leftovers(parent, name)) rmSync(join(parent, f), { recursive: true, force: true });
    cpSync(oldSet, out, { recursive: true });
    const r = await ntp(newArgs, { NTP_FAULT: `kill@${n}` });
    if (r.code === 0) {
      t.deepEqual(leftovers(parent, name), [], 'a run that was not killed leaves nothing beside the folder');
      t.is(whichSet(snapshot(out), old, newSet), 'new');
      break;
    }
    t.is(r.signal, 'SIGKILL', `point ${n}: ${r.err}`);
    const which = whichSet(snapshot(committedDir(out)), old, newSet);
    seen.push(which);
    t.not(which, 'mixed', `killed at write point ${n}: the folder mixes old and new files`);
    // The next writer recovers (rolls an interrupted commit forward or drops the staging) before it writes.
    OutputSet.open(out, { command: 'test' }).abort();
    t.not(whichSet(snapshot(out), old, newSet), 'mixed');
    t.deepEqual(leftovers(parent, name), [], `after point ${n}, the next writer cleans up`);
  }
  t.true(seen.length >= 5, `killed at ${seen.length} write points`);
  t.true(seen.includes('old') && seen.includes('new'), `both outcomes happen (${seen.join(', ')})`);
}

test.serial('backtest: kill -9 at every write point leaves the old set or the new set; the next run cleans up', async (t) => {
  t.timeout(PROCESS_TEST_TIMEOUT);
  const dir = tmp();
  const csv = writeCsvFixture(join(dir, 'SYN.csv'), 500);
  const args = (fast: number, out: string) => ['backtest', join(dir, 'run'), '--strategy', 'ema_cross', '--fast', String(fast), '--data', csv, '--out', out];
  t.is((await ntp(args(12, join(dir, 'old')))).code, 0);
  t.is((await ntp(args(5, join(dir, 'new')))).code, 0);
  await killAtEveryPoint(t, dir, 'bt', join(dir, 'old'), args(5, join(dir, 'bt')), snapshot(join(dir, 'new')));
});

test.serial('sweep: kill -9 at every write point leaves the old set or the new set', async (t) => {
  t.timeout(PROCESS_TEST_TIMEOUT);
  const dir = tmp();
  const csv = writeCsvFixture(join(dir, 'SYN.csv'), 400);
  const args = (slow: string, out: string) => ['sweep', '--data', csv, '--set', 'sweep.grid.fast=[3,5]', '--set', `sweep.grid.slow=${slow}`, '--out', out];
  t.is((await ntp(args('[20,30]', join(dir, 'old')))).code, 0);
  t.is((await ntp(args('[10,40]', join(dir, 'new')))).code, 0);
  t.true(existsSync(join(dir, 'new', 'sweep-paths.csv')));
  await killAtEveryPoint(t, dir, 'sw', join(dir, 'old'), args('[10,40]', join(dir, 'sw')), snapshot(join(dir, 'new')));
});

test.serial('a full disk at any write leaves the old set, names the path, and leaves no temporaries or lock', async (t) => {
  t.timeout(PROCESS_TEST_TIMEOUT);
  const dir = tmp();
  const csv = writeCsvFixture(join(dir, 'SYN.csv'), 500);
  const out = join(dir, 'bt');
  const args = (fast: number) => ['backtest', join(dir, 'run'), '--strategy', 'ema_cross', '--fast', String(fast), '--data', csv, '--out', out];
  t.is((await ntp(args(12))).code, 0);
  const old = snapshot(out);
  let failures = 0;
  for (let n = 1; n < 50; n++) {
    const r = await ntp(args(5), { NTP_FAULT: `enospc@${n}` });
    if (r.code === 0) break;
    failures += 1;
    t.is(r.code, 1, r.err);
    t.regex(r.err, new RegExp(`cannot write ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+: no space left on device \\(ENOSPC\\)`));
    t.deepEqual(snapshot(out), old, `ENOSPC at write ${n}: the old set stays`);
    t.deepEqual(leftovers(dir, 'bt'), []);
  }
  t.true(failures >= 4, `${failures} failing writes tried`);
});

const TINY = `windows: { lookback: LOOKBACK }
dataset: { batchSize: 64 }
model:
  transformer: { dModel: 8, heads: 2, keyDim: 4, blocks: 1, ffnDim: 16 }
  lstm: { units: 8 }
  indicators: { hidden: [8], output: 4 }
  tower: { hidden: [8, 4] }
training: { epochs: EPOCHS }
data: { synthetic: { bars: 600 } }
`;

function tinyConfigFile(dir: string, lookback: number, epochs: number): string {
  const path = join(dir, `tiny-${lookback}-${epochs}.yaml`);
  writeFileSync(path, TINY.replace('LOOKBACK', String(lookback)).replace('EPOCHS', String(epochs)));
  return path;
}

/** The lookback every part of a run directory was made for; they must agree. */
function runLookbacks(runDir: string): number[] {
  const shape = (p: string) => {
    const text = readFileSync(p, 'utf8');
    return Number(/"batch_input_shape":\[null,(\d+)/.exec(text)![1]);
  };
  return [
    Number(/lookback: (\d+)/.exec(readFileSync(join(runDir, 'config.yaml'), 'utf8'))![1]),
    JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).lookback,
    JSON.parse(readFileSync(join(runDir, 'scaler.json'), 'utf8')).lookback,
    shape(join(runDir, 'model', 'model.json')),
    shape(join(runDir, 'checkpoints', 'last', 'model', 'model.json')),
  ];
}

test.serial('train: kill -9 while training or committing leaves the old run or the new one; --resume finishes it', async (t) => {
  t.timeout(PROCESS_TEST_TIMEOUT);
  const dir = tmp();
  const runDir = join(dir, 'run');
  const oldRun = join(dir, 'old');
  t.is((await ntp(['train', oldRun, '--config', tinyConfigFile(dir, 24, 1)])).code, 0);
  const newArgs = ['train', runDir, '--config', tinyConfigFile(dir, 32, 2)];
  const pointsLog = join(dir, 'points.txt');
  cpSync(oldRun, runDir, { recursive: true });
  t.is((await ntp(newArgs, { NTP_FAULT: `log:${pointsLog}` })).code, 0);
  const points = readFileSync(pointsLog, 'utf8').trim().split('\n');
  const total = points.length;
  t.regex(points[total - 1], /removing the old set/);
  const afterCheckpoint = points.findIndex((p) => /checkpoints\/last.*state\.json/.test(p)) + 2;
  for (const n of [1, total - 2, total - 1, total, afterCheckpoint]) {
    rmSync(runDir, { recursive: true, force: true });
    for (const f of leftovers(dir, 'run')) rmSync(join(dir, f), { recursive: true, force: true });
    cpSync(oldRun, runDir, { recursive: true });
    const r = await ntp(newArgs, { NTP_FAULT: `kill@${n}` });
    t.is(r.signal, 'SIGKILL', `point ${n}`);
    const lookbacks = runLookbacks(committedDir(runDir));
    t.true(lookbacks.every((v) => v === lookbacks[0]), `killed at ${points[n - 1]}: parts made for lookbacks ${lookbacks}`);
    // Up to the rename that moves the new run in, readers see the old run.
    t.is(lookbacks[0], n < total ? 24 : 32, `point ${n}: ${n < total ? 'old' : 'new'} run`);
  }
  // The run killed after its first epoch's checkpoint: --resume continues it and commits it whole.
  const resumed = await ntp([...newArgs, '--resume']);
  t.is(resumed.code, 0, resumed.err);
  t.regex(resumed.err, /continuing the unfinished run/);
  t.deepEqual(runLookbacks(runDir), [32, 32, 32, 32, 32]);
  // Epoch 0 (the initial weights) and the 2 training epochs.
  t.is(JSON.parse(readFileSync(join(runDir, 'history.json'), 'utf8')).length, 3);
  t.deepEqual(leftovers(dir, 'run'), []);
});

test.serial('two trains into one run directory: the second exits 1 naming the holder; a dead holder\'s lock is taken over', async (t) => {
  t.timeout(PROCESS_TEST_TIMEOUT);
  const dir = tmp();
  const runDir = join(dir, 'run');
  // The first trains for long enough to be running whatever the machine's load.
  const first = spawn(process.execPath, [...ENTRY, 'train', runDir, '--config', tinyConfigFile(dir, 32, 1000)], { stdio: 'ignore' });
  const firstExit = new Promise<NodeJS.Signals | null>((resolve) => first.on('exit', (_code, signal) => resolve(signal)));
  const lock = join(dir, '.run.lock');
  const checkpoint = join(dir, '.run.partial', 'checkpoints', 'last', 'state.json');
  for (let i = 0; i < 1200 && !existsSync(checkpoint); i++) await new Promise((r) => setTimeout(r, 100));
  t.true(existsSync(lock) && existsSync(checkpoint), 'the first train holds the lock and has written a checkpoint');
  const second = await ntp(['train', runDir, '--config', tinyConfigFile(dir, 24, 1)]);
  t.is(second.code, 1);
  t.regex(second.err, new RegExp(`in use by pid ${first.pid} on \\S+ \\(ntp train, since \\d{4}-`));
  t.false(existsSync(runDir), 'the second wrote nothing');
  first.kill('SIGKILL');
  t.is(await firstExit, 'SIGKILL');
  // Its lock is now stale: the next writer takes it over, says so, and replaces the unfinished staging.
  const third = await ntp(['train', runDir, '--config', tinyConfigFile(dir, 24, 1)]);
  t.is(third.code, 0, third.err);
  t.regex(third.err, new RegExp(`its writer, pid ${first.pid} \\(ntp train, since .*\\), is no longer running`));
  t.regex(third.err, /removing \S+\.run\.partial, left by an interrupted writer/);
  t.deepEqual(runLookbacks(runDir), [24, 24, 24, 24, 24]);
  t.deepEqual(leftovers(dir, 'run'), []);
});
