// Fused windowing throughput (SPEC §12, issue 2): GB/s of [N,T,F] output from the native
// kernel vs a plain JS loop doing the same work and vs a memcpy of the same byte count, each
// sampled by the `benchmark` package in this run (margins of error in the result's `margins`).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { margins, repoRoot, report, sample } from './lib.js';

const addon = createRequire(import.meta.url)(join(repoRoot, 'build', 'Release', 'ntp_native.node'));

function randomWalk(n) {
  const c = { timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let s = 12345, p = 100;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const o = p; const cl = o * Math.exp((rnd() - 0.5) * 0.02);
    c.timestamp[i] = 1.6e12 + 3.6e6 * i; c.open[i] = o; c.close[i] = cl;
    c.high[i] = Math.max(o, cl) * (1 + 0.004 * rnd()); c.low[i] = Math.min(o, cl) * (1 - 0.004 * rnd());
    c.volume[i] = 1000 * rnd(); p = cl;
  }
  return c;
}

const n = 200_000, T = 64, F = 10, horizons = Int32Array.of(1, 4, 12);
const candles = randomWalk(n);
const ends = Int32Array.from({ length: n - T }, (_, i) => i + T);
const N = ends.length;
const features = Int32Array.from({ length: F }, (_, i) => i);
const center = new Float64Array(F), scale = new Float64Array(F).fill(1);
const out = { features: new Float32Array(N * T * F), close: new Float32Array(N * T), targets: new Float32Array(N * 3) };
const bytes = out.features.byteLength + out.close.byteLength + out.targets.byteLength;

const nativeS = sample(() => addon.buildWindows({ candles, lookback: T, features, center, scale, horizons, ends, out, device: 'cpu' }));
const native = nativeS.seconds;

// The same computation as a straightforward JS loop (what a user would write without the addon).
function jsWindows(sub) {
  const { timestamp: ts, open: o, high: h, low: l, close: c, volume: v } = candles;
  for (let k = 0; k < sub; k++) {
    const e = ends[k];
    for (let r = 0; r < T; r++) {
      const t = e - T + 1 + r, base = (k * T + r) * F;
      const ms = ts[t] % 86400000, dow = (Math.floor(ts[t] / 86400000) + 4) % 7;
      const f = [Math.log(c[t] / c[t - 1]), Math.log(h[t] / l[t]), Math.log(c[t] / o[t]), Math.log(h[t] / Math.max(o[t], c[t])),
        Math.log(Math.min(o[t], c[t]) / l[t]), Math.log1p(v[t]) - Math.log1p(v[t - 1]), Math.sin(2 * Math.PI * ms / 86400000),
        Math.cos(2 * Math.PI * ms / 86400000), Math.sin(2 * Math.PI * dow / 7), Math.cos(2 * Math.PI * dow / 7)];
      for (let j = 0; j < F; j++) out.features[base + j] = (f[j] - center[j]) / scale[j];
      out.close[k * T + r] = c[t] / c[e];
    }
    for (let j = 0; j < 3; j++) out.targets[k * 3 + j] = e + horizons[j] < n ? Math.log(c[e + horizons[j]] / c[e]) : NaN;
  }
}
const jsSub = 20_000;
const jsS = sample(() => jsWindows(jsSub), { maxTime: 2 });
const js = jsS.seconds * (N / jsSub);

const src = Buffer.alloc(bytes), dst = Buffer.alloc(bytes);
const memcpyS = sample(() => src.copy(dst));
const memcpy = memcpyS.seconds;

const gbps = (s) => bytes / s / 1e9;
report('windowing', [
  { metric: 'fused windowing (native cpu)', value: gbps(native), unit: 'GB/s', baseline: 'plain JS loop', baselineValue: gbps(js), ratio: js / native, target: '>= 20x', pass: js / native >= 20 },
  { metric: 'fused windowing (native cpu)', value: gbps(native), unit: 'GB/s', baseline: 'memcpy same bytes', baselineValue: gbps(memcpy), ratio: memcpy / native, target: '>= 0.5x', pass: memcpy / native >= 0.5 },
], {
  params: { bars: n, windows: N, lookback: T, features: F, outputBytes: bytes },
  margins: margins([['native', nativeS], ['plain JS loop', jsS], ['memcpy', memcpyS]]),
});
