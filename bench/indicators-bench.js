// Indicator throughput (SPEC §12, issue 4).
//  1. Forward + backward of all six learnable layers (LearnableIndicators, 30 periods) on a
//     batch of 144 windows x T = 64, loss sum(w * features), gradients to the closes and all 30
//     periods: native kernels (one tf.customGrad over the addon's six kernels, tfjs `cpu`
//     backend) vs the same layers written with ordinary tfjs ops (the fallback path, autodiff),
//     same process, same inputs. Target >= 50x.
//  2. Plain EMA / RSI / Bollinger bars per second on one long close series: the native library
//     (src/indicators/plain.ts) vs `technicalindicators`. Target >= 20x.
// The kernel-only step and part 2 are sampled by the `benchmark` package (mean time, margins of
// error in the result's `margins`); the layer steps of part 1 keep best-of-N timing, as the
// tfjs baseline runs too few calls per second for the package's statistics.
// Writes bench/results/indicators.json.
import { register } from 'tsx/esm/api';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { margins, repoRoot, report, sample, time } from './lib.js';

register();
const require = createRequire(import.meta.url);
const tf = await import('@tensorflow/tfjs');
const ops = await import('../src/indicators/ops.ts');
const { LearnableIndicators } = await import('../src/indicators/learnable-indicators.ts');
const plain = await import('../src/indicators/plain.ts');
const ti = require('technicalindicators');
await tf.setBackend('cpu');
if (!ops.nativeIndicatorsUsable()) throw new Error('indicators bench: the native addon with indicator kernels is not loaded (npm run build:native)');

// ---- data: real closes when ../shared/data is present, else a seeded random walk ----------
function closes() {
  const file = join(repoRoot, '..', 'shared', 'data', 'BTCUSDT-1h.csv');
  if (existsSync(file)) {
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    return { source: 'BTCUSDT-1h.csv', close: Float64Array.from(lines, (l) => Number(l.split(',')[4])) };
  }
  let s = 42, p = 100;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return { source: 'random walk', close: Float64Array.from({ length: 67404 }, () => (p *= Math.exp((rnd() - 0.5) * 0.02))) };
}
const { source, close } = closes();

// ---- 1. learnable layers, forward + backward ---------------------------------------------
const B = 144, T = 64;
const windows = new Float32Array(B * T);
for (let b = 0; b < B; b++) {
  const e = 1000 + b * 97;
  for (let t = 0; t < T; t++) windows[b * T + t] = close[e - T + 1 + t] / close[e];
}
const x = tf.variable(tf.tensor2d(windows, [B, T]));
const w = tf.randomNormal([B, 30], 0, 1, 'float32', 1);

function layerStep(layer) {
  const vars = [x, ...layer.trainableWeights.map((v) => v.read())];
  return () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x), w)), vars);
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
  });
}
const nativeLayer = new LearnableIndicators({ implementation: 'native' });
const tfjsLayer = new LearnableIndicators({ implementation: 'tfjs' });
nativeLayer.apply(x); tfjsLayer.apply(x);
const tNative = time(layerStep(nativeLayer), { repeats: 5, minSeconds: 0.3 });
const tTfjs = time(layerStep(tfjsLayer), { repeats: 3, minSeconds: 1 });
// Kernel time alone (no tfjs around it), to show where the native step spends its time.
const { indicatorAddon } = await import('../src/indicators/native.ts');
const addon = indicatorAddon();
const kernelOnly = sample(() => {
  for (const part of nativeLayer.parts) {
    const p = Float32Array.from(part.currentPeriods());
    const K = p.length, out = new Float32Array(B * K);
    addon.indicatorForward({ kind: part.kind, close: windows, batch: B, time: T, periods: p, out, device: 'cpu' });
    addon.indicatorBackward({ kind: part.kind, close: windows, batch: B, time: T, periods: p, gradOut: out, gradClose: new Float32Array(B * T), gradPeriods: new Float32Array(K), device: 'cpu' });
  }
});

// ---- 2. plain indicators vs technicalindicators --------------------------------------------
const n = close.length;
const values = Array.from(close);
const P = 14;
const plainRows = [];
const sampled = [['native kernels alone', kernelOnly]];
for (const [name, ours, theirs] of [
  ['EMA(14)', () => plain.emaMany(close, [P]), () => ti.EMA.calculate({ period: P, values })],
  ['RSI(14)', () => plain.rsiMany(close, [P]), () => ti.RSI.calculate({ period: P, values })],
  ['Bollinger(20, 2)', () => plain.bollingerMany(close, [20], 2), () => ti.BollingerBands.calculate({ period: 20, stdDev: 2, values })],
]) {
  // Both sides sampled by the benchmark package in this run; its margins go into the result.
  const sa = sample(ours), sb = sample(theirs);
  sampled.push([`plain ${name} (native)`, sa], [`plain ${name} (technicalindicators)`, sb]);
  const a = sa.seconds, b = sb.seconds;
  plainRows.push({ metric: `plain ${name} (native)`, value: n / a, unit: 'bars/s', baseline: 'technicalindicators', baselineValue: n / b, ratio: b / a, target: '>= 20x', pass: b / a >= 20 });
}
// Many periods in one call (the sweep use): 32 EMA periods, bars x periods per second.
const periods32 = Array.from({ length: 32 }, (_, i) => 5 + 3 * i);
const manyS = sample(() => plain.emaMany(close, periods32));
const manyTiS = sample(() => { for (const p of periods32) ti.EMA.calculate({ period: p, values }); }, { maxTime: 2 });
sampled.push(['plain EMA x 32 periods (native)', manyS], ['plain EMA x 32 periods (technicalindicators)', manyTiS]);
const many = manyS.seconds, manyTi = manyTiS.seconds;
plainRows.push({ metric: 'plain EMA x 32 periods, one call (native)', value: (n * 32) / many, unit: 'bar-periods/s', baseline: 'technicalindicators, 32 calls', baselineValue: (n * 32) / manyTi, ratio: manyTi / many, target: '>= 20x', pass: manyTi / many >= 20 });

const samples = (s) => B / s;
report('indicators', [
  { metric: 'learnable indicators fwd+bwd, 6 layers, B=144 T=64 (native)', value: samples(tNative), unit: 'windows/s', baseline: 'same layers in tfjs ops (cpu)', baselineValue: samples(tTfjs), ratio: tTfjs / tNative, target: '>= 50x', pass: tTfjs / tNative >= 50 },
  { metric: '  of which native kernels alone (fwd+bwd)', value: samples(kernelOnly.seconds), unit: 'windows/s', baseline: '', baselineValue: null, ratio: null, target: '', pass: null },
  ...plainRows,
], {
  params: { batch: B, time: T, periods: 30, plainBars: n, data: source, threads: addon.deviceInfo().threads },
  millisecondsPerStep: { native: tNative * 1e3, tfjs: tTfjs * 1e3, kernelsOnly: kernelOnly.seconds * 1e3 },
  margins: margins(sampled),
});
