import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sliceCandles } from '../../src/data/candles.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { buildModel, loadModel } from '../../src/models/index.js';
import { evaluate } from '../../src/training/evaluate.js';
import { modelConfigFor, runLossOptions } from '../../src/training/model-config.js';
import { runPaths } from '../../src/training/run-dir.js';
import { siblingsOf } from '../../src/util/output-set.js';
import { readScalarEvents } from '../../src/training/tensorboard.js';
import { train } from '../../src/training/trainer.js';
import { loadMarketData, REPO_ROOT } from '../helpers/market-data.js';
import { tinyConfig } from './fixtures/tiny-config.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ntp-train-'));

test('a short run on real candles: epoch 0 is the initial weights, training lowers the validation loss, every artefact is written', async (t) => {
  const market = loadMarketData('BTCUSDT-1h');
  const n = market.candles.close.length;
  const series = [{ symbol: 'BTCUSDT-1h', candles: sliceCandles(market.candles, n - 2500, n) }];
  const runDir = tmp();
  // Patience above the epochs: this test checks every epoch's artefacts (early stopping has its own test).
  const config = tinyConfig(runDir, { training: { epochs: 4, patience: 10 } });
  const result = await train({ config, series, progress: { quiet: true } });
  t.log(`data: ${market.source}`);

  // The untrained model, rebuilt exactly as the trainer built it (same seed).
  const initial = buildModel(modelConfigFor(config, result.dataset.features.length, result.dataset.horizons.length), { seed: config.training.seed });
  const before = await evaluate(initial, result.dataset, 'val', series.map((s) => s.candles), runLossOptions(runDir, config));
  t.is(result.history[0].epoch, 0);
  t.is(result.history[0].val_loss, before.values.loss, 'epoch 0 is the initial weights, evaluated before any step');
  const bestValLoss = Math.min(...result.history.slice(1).map((h) => h.val_loss));
  t.true(bestValLoss < before.values.loss, `val loss ${before.values.loss} -> best ${bestValLoss}`);

  const p = runPaths(runDir);
  for (const f of [p.config, p.scaler, p.meta, p.history, p.indicatorLog, p.calibration, join(p.model, 'model.json'),
    join(p.lastCheckpoint, 'state.json'), join(p.bestCheckpoint, 'state.json')]) {
    t.true(existsSync(f), `${f} exists`);
  }
  const history = JSON.parse(readFileSync(p.history, 'utf8')) as Record<string, number>[];
  t.deepEqual(history.map((h) => h.epoch), [0, 1, 2, 3, 4]);
  for (const key of ['loss', 'val_loss', 'val_dir_mcc_h1', 'val_dir_acc_h0', 'val_price_mae_h2', 'samples_per_s']) {
    t.true(Number.isFinite(history[4][key]), `${key} is logged`);
  }
  // The class weights of the direction head are saved with the run.
  const meta = JSON.parse(readFileSync(p.meta, 'utf8')) as { direction: { upFraction: number[]; focalAlpha: number[] } };
  t.deepEqual(meta.direction.focalAlpha, meta.direction.upFraction.map((u) => 1 - u));
  // The returned model holds the best epoch's weights, the ones saved in model/.
  const saved = await loadModel(p.model);
  const same = saved.getWeights().every((w, i) => Buffer.from(w.dataSync().buffer).equals(Buffer.from(result.model.getWeights()[i].dataSync().buffer)));
  t.true(same, `returned model = saved best (epoch ${result.bestEpoch})`);
  saved.dispose();
  // The indicator log has the 30 periods per epoch, each within its bounds.
  const rows = readFileSync(p.indicatorLog, 'utf8').trim().split('\n');
  t.is(rows.length, 6);
  t.is(rows[0].split(',').length, 31);
  for (const v of rows[5].split(',').slice(1).map(Number)) t.true(v >= 1 && v <= 200);
  // TensorBoard: one event file whose records all pass their CRC checks.
  const events = readdirSync(p.tensorboard).filter((f) => f.startsWith('events.out.tfevents.'));
  t.is(events.length, 1);
  const { fileVersion, scalars } = readScalarEvents(join(p.tensorboard, events[0]));
  t.is(fileVersion, 'brain.Event:2');
  t.deepEqual([...new Set(scalars.filter((s) => s.tag === 'val_loss').map((s) => s.step))], [0, 1, 2, 3, 4]);
  initial.dispose();
});

test('early stopping stops after `patience` epochs and restores the best weights (here the initial ones)', async (t) => {
  const series = syntheticMarket({ bars: 700, seed: 4, symbols: 1 });
  const runDir = tmp();
  // Monitoring the epoch number (min) makes epoch 0 the best for good: a deterministic stop.
  const config = tinyConfig(runDir, { training: { epochs: 6, patience: 2, monitor: 'epoch', mode: 'min' } });
  const result = await train({ config, series, progress: { quiet: true } });
  t.true(result.stoppedEarly);
  t.is(result.epochsRun, 2);
  t.is(result.bestEpoch, 0);
  const initial = buildModel(modelConfigFor(config, result.dataset.features.length, result.dataset.horizons.length), { seed: config.training.seed });
  const a = initial.getWeights(), b = result.model.getWeights();
  t.true(a.every((w, i) => Buffer.from(w.dataSync().buffer).equals(Buffer.from(b[i].dataSync().buffer))), 'the initial weights are back');
  // Resuming a run that stopped early trains no further.
  const resumed = await train({ config, series, resume: true, progress: { quiet: true } });
  t.is(resumed.epochsRun, 0);
  t.is(resumed.history.length, 3);
  initial.dispose();
});

test('trainings with the same seed in one process end with the same weights, one after the other and interleaved', async (t) => {
  const series = syntheticMarket({ bars: 600, seed: 9, symbols: 1 });
  // Dropout everywhere, so the masks (not only the initial weights) must be reproducible.
  const config = (runDir: string, seed: number) => tinyConfig(runDir, {
    training: { epochs: 2, patience: 10, seed },
    model: { transformer: { dropout: 0.3 }, indicators: { hidden: [8, 6], dropout: 0.3 }, tower: { dropout: 0.3 } },
  });
  const run = (seed: number) => train({ config: config(tmp(), seed), series, progress: { quiet: true } });
  const bytes = (r: Awaited<ReturnType<typeof run>>) => r.model.getWeights().map((w) => Buffer.from(w.dataSync().buffer));
  const first = bytes(await run(5));
  const second = bytes(await run(5));
  // Interleaved: both loops run at once in this process, taking turns at every await.
  const both = await Promise.all([run(5), run(6)]);
  t.deepEqual(second, first, 'same seed, one after the other');
  t.deepEqual(bytes(both[0]), first, 'same seed while another training runs beside it');
  t.notDeepEqual(bytes(both[1]), first, 'another seed gives other weights');
});

function runChild(args: object, onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'tests/training/fixtures/train-child.ts'), JSON.stringify(args)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      for (const line of d.toString().split('\n')) if (line) onLine?.(line, () => child.kill('SIGKILL'));
    });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => (code !== 0 && signal === null ? reject(new Error(`child exited ${code}: ${err}`)) : resolve({ code, signal, out })));
  });
}

const weightBytes = (runDir: string) => {
  const dir = join(runPaths(runDir).lastCheckpoint, 'model');
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => readFileSync(join(dir, f)));
};

test('kill -9 mid-epoch, resume: final weights equal an uninterrupted run; same seed is deterministic', async (t) => {
  const args = { bars: 900, epochs: 3 };
  const whole = tmp();
  const again = tmp();
  const killed = tmp();
  await runChild({ ...args, runDir: whole, resume: false });
  await runChild({ ...args, runDir: again, resume: false });
  // Kill during epoch 1 (after the checkpoint of epoch 0, the initial weights), then resume to the end.
  const first = await runChild({ ...args, runDir: killed, resume: false }, (line, kill) => {
    if (line === 'epoch 0 done') setTimeout(kill, 300);
  });
  t.is(first.signal, 'SIGKILL');
  // A killed run leaves its checkpoints in the staging beside the run directory (util/output-set.ts).
  t.deepEqual(readdirSync(killed), [], 'nothing is committed before the run ends');
  const state = JSON.parse(readFileSync(join(runPaths(siblingsOf(killed).staging).lastCheckpoint, 'state.json'), 'utf8')) as { epoch: number };
  t.true(state.epoch < 3, `killed before the end (last checkpoint after epoch ${state.epoch})`);
  const resumed = await runChild({ ...args, runDir: killed, resume: true });
  t.regex(resumed.out, /finished/);

  const a = weightBytes(whole);
  t.deepEqual(weightBytes(again), a, 'two runs with the same seed give identical weights');
  t.deepEqual(weightBytes(killed), a, 'the resumed run ends with the weights of the uninterrupted one');
  const history = (d: string) => JSON.parse(readFileSync(runPaths(d).history, 'utf8')) as Record<string, number>[];
  const strip = (h: Record<string, number>[]) => h.map(({ samples_per_s: _s, ...rest }) => rest);
  t.deepEqual(strip(history(again)), strip(history(whole)), 'identical metrics history');
  t.deepEqual(strip(history(killed)), strip(history(whole)));
});

test('resume without a checkpoint and too little data fail with clear messages', async (t) => {
  const runDir = tmp();
  const market = loadMarketData('BTCUSDT-1h');
  const series = [{ symbol: 'x', candles: sliceCandles(market.candles, 0, 60) }];
  await t.throwsAsync(train({ config: tinyConfig(runDir), series, resume: true, progress: { quiet: true } }), { message: /no checkpoint/ });
  await t.throwsAsync(train({ config: tinyConfig(runDir), series, progress: { quiet: true } }), { message: /split|windows|bars/ });
  t.is(tf.memory().numTensors >= 0, true);
});
