import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { sliceCandles } from '../../src/data/candles.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { Predictor } from '../../src/inference/predictor.js';
import { buildWindows } from '../../src/data/windowing.js';
import { calibrateProbability, readCalibration, windowVolatility } from '../../src/models/index.js';
import { runPaths } from '../../src/training/run-dir.js';
import { train } from '../../src/training/trainer.js';
import { REPO_ROOT } from '../helpers/market-data.js';
import { tinyConfig } from '../training/fixtures/tiny-config.js';

const run = promisify(execFile);
const BARS = 700;
const SEED = 5;
let runDir = '';

test.before(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'ntp-pred-'));
  const series = syntheticMarket({ bars: BARS, seed: SEED, symbols: 1 });
  await train({ config: tinyConfig(runDir, { training: { epochs: 1, sigmaCalibration: 'regime' } }), series, progress: { quiet: true } });
});

test('predictions are identical after loading the run in a fresh process', async (t) => {
  const [{ candles }] = syntheticMarket({ bars: BARS, seed: SEED, symbols: 1 });
  const p = await Predictor.load(runDir);
  const here = await p.predictBatch(candles, { chunk: 64 });
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'tests/inference/predict-child.fixture.ts'), runDir, String(BARS), String(SEED)],
    { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  const there = JSON.parse(stdout) as { pUp: number[][]; predictedReturn: number[][]; variance: number[][] };
  t.deepEqual(here.pUp.map((a) => Array.from(a)), there.pUp);
  t.deepEqual(here.predictedReturn.map((a) => Array.from(a)), there.predictedReturn);
  t.deepEqual(here.variance.map((a) => Array.from(a)), there.variance);
  t.is(here.ends.length, BARS - p.lookback);
});

test('predict() is the newest window of predictBatch; outputs are consistent', async (t) => {
  const [{ candles }] = syntheticMarket({ bars: BARS, seed: SEED, symbols: 1 });
  const p = await Predictor.load(runDir);
  const all = await p.predictBatch(candles);
  const last = await p.predict(candles);
  const k = all.ends.length - 1;
  t.is(last.ends[0], BARS - 1);
  for (let h = 0; h < 3; h++) {
    t.is(last.pUp[h][0], all.pUp[h][k]);
    t.is(last.predictedReturn[h][0], all.predictedReturn[h][k]);
    t.true(last.pUp[h][0] > 0 && last.pUp[h][0] < 1);
    t.true(last.variance[h][0] > 0);
    t.is(last.sigma[h][0], Math.sqrt(last.variance[h][0]));
    t.is(last.predictedPrice[h][0], candles.close[BARS - 1] * Math.exp(last.predictedReturn[h][0]));
  }
});

test('too few bars, missing parts and incompatible parts give clear errors', async (t) => {
  const [{ candles }] = syntheticMarket({ bars: BARS, seed: SEED, symbols: 1 });
  const p = await Predictor.load(runDir);
  await t.throwsAsync(p.predict(sliceCandles(candles, 0, p.lookback)), { instanceOf: RangeError, message: /need more than 24 bars/ });

  const broken = mkdtempSync(join(tmpdir(), 'ntp-pred-broken-'));
  cpSync(runDir, broken, { recursive: true });
  rmSync(runPaths(broken).scaler);
  await t.throwsAsync(Predictor.load(broken), { message: /scaler .*missing/ });

  cpSync(runDir, broken, { recursive: true });
  const scaler = JSON.parse(readFileSync(runPaths(broken).scaler, 'utf8')) as Record<string, unknown>;
  writeFileSync(runPaths(broken).scaler, JSON.stringify({ ...scaler, lookback: 32 }));
  await t.throwsAsync(Predictor.load(broken), { message: /incompatible parts: the model takes windows of 24 bars/ });

  await t.throwsAsync(Predictor.load(join(broken, 'nope')), { message: /not a complete run directory/ });
});

test('predictions carry the run\'s calibration; a run without calibration.json predicts the raw outputs', async (t) => {
  const [{ candles }] = syntheticMarket({ bars: BARS, seed: SEED, symbols: 1 });
  const calibration = readCalibration(runPaths(runDir).calibration, 3);
  t.is(calibration.temperature.length, 3);
  t.truthy(calibration.regime, 'training.sigmaCalibration: regime fits the regime-adaptive sigma');
  const calibrated = await Predictor.load(runDir);
  const withIt = await calibrated.predictBatch(candles);

  const old = mkdtempSync(join(tmpdir(), 'ntp-pred-old-'));
  cpSync(runDir, old, { recursive: true });
  rmSync(runPaths(old).calibration);
  const raw = await Predictor.load(old);
  t.deepEqual(raw.calibration.temperature, [1, 1, 1]);
  const without = await raw.predictBatch(candles);
  // sigma' = s sigma^a rv^b, rv = the realised volatility of the window's last k closes.
  const w = buildWindows(candles, { lookback: calibrated.lookback, ends: without.ends });
  for (let h = 0; h < 3; h++) {
    const s = calibration.sigmaScale[h], a = calibration.regime!.modelExponent[h], b = calibration.regime!.volatilityExponent[h];
    const rv = windowVolatility(w.close, w.n, w.T, calibration.regime!.volatilityBars![h]);
    for (const i of [0, 100, without.ends.length - 1]) {
      t.true(Math.abs(withIt.pUp[h][i] - calibrateProbability(without.pUp[h][i], calibration.temperature[h])) < 1e-12);
      const expected = s * without.sigma[h][i] ** a * rv[i] ** b;
      t.true(Math.abs(withIt.sigma[h][i] - expected) <= 1e-9 * expected, `h${h} window ${i}: sigma ${withIt.sigma[h][i]}, expected ${expected}`);
      t.is(withIt.predictedReturn[h][i], without.predictedReturn[h][i]);
      // The temperature never flips a side.
      t.is(withIt.pUp[h][i] > 0.5, without.pUp[h][i] > 0.5);
    }
  }
  calibrated.dispose();
  raw.dispose();
});
