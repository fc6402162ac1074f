// Prediction throughput and memory (issue 7): predictBatch streams a long series through the
// native windowing in chunks. Measures windows/s for the reference model (SPEC §6 sizes) and the
// extra resident memory of predictBatch over 1M bars (with a small model, so the run is short;
// the chunked path's memory does not depend on the model's size beyond its weights).
//   node --import tsx bench/predict-bench.js
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveConfig } from '../src/config/index.js';
import { syntheticMarket } from '../src/data/synthetic.js';
import { Predictor } from '../src/inference/predictor.js';
import { train } from '../src/training/trainer.js';
import { report } from './lib.js';

const SMALL = { windows: { lookback: 64 }, model: { transformer: { dModel: 16, blocks: 1, ffnDim: 32 }, lstm: { units: 16 }, indicators: { hidden: [16], output: 8 }, tower: { hidden: [16, 8] } } };

async function trainedRun(values) {
  const runDir = mkdtempSync(join(tmpdir(), 'ntp-predict-bench-'));
  const config = resolveConfig({ values: { ...values, training: { epochs: 1 }, output: { runDir } } });
  await train({ config, series: syntheticMarket({ bars: 1200, seed: 1, symbols: 1 }), progress: { quiet: true } });
  return Predictor.load(runDir);
}

// Reference model throughput.
const reference = await trainedRun({});
const [{ candles: c20k }] = syntheticMarket({ bars: 20_064, seed: 2, symbols: 1 });
await reference.predictBatch(c20k, { chunk: 1024 });  // warm-up
let t0 = performance.now();
const out20k = await reference.predictBatch(c20k, { chunk: 1024 });
const refRate = out20k.ends.length / ((performance.now() - t0) / 1000);

// 1M bars through a small model: peak extra RSS while predicting.
const small = await trainedRun(SMALL);
const [{ candles: c1m }] = syntheticMarket({ bars: 1_000_000, seed: 3, symbols: 1 });
global.gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
t0 = performance.now();
const out1m = await small.predictBatch(c1m, { chunk: 4096, onProgress: () => { peak = Math.max(peak, process.memoryUsage().rss); } });
const seconds = (performance.now() - t0) / 1000;
clearInterval(timer);
const extraMiB = (peak - before) / 2 ** 20;

report('predict', [
  { metric: 'predictBatch, reference model (SPEC §6)', value: refRate, unit: 'windows/s', target: '>= 2000', pass: refRate >= 2000 },
  { metric: 'predictBatch over 1M bars, small model', value: out1m.ends.length / seconds, unit: 'windows/s' },
  { metric: 'extra resident memory, 1M bars', value: extraMiB, unit: 'MiB', target: '< 1024', pass: extraMiB < 1024 },
], { params: { referenceWindows: out20k.ends.length, bars1m: c1m.close.length, chunk1m: 4096 } });
