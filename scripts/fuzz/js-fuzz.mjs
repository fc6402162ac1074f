#!/usr/bin/env node
// JS-level fuzzer over every export of the addon (issue 19). Children run batches of seeded calls
// (so a crash kills only its batch, is counted, and replays with the same seed); the parent sums
// them up. Each call is either random (a valid small call of the export with one to three fields
// replaced by hostile values, or wholly random options) or targeted (the reproduction classes:
// sizes whose products wrap past 2^64 with zero-length subarray views, huge working memory,
// inputs/outputs transferred right after an async call, getters that detach an array read
// earlier). Exit 1 if any child crashed.
//
//   node scripts/fuzz/js-fuzz.mjs [--calls 1000000] [--batch 25000] [--jobs 2] [--seed 1]
//   NTP_ADDON_PATH=build-asan/Release/ntp_native.node LD_PRELOAD=$(gcc -print-file-name=libasan.so) ...
//   node scripts/fuzz/js-fuzz.mjs --child SEED CALLS [--verbose]   (one batch; --verbose prints each call)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The project's seeded generator (compiled by `npm install`/`npm test` into dist/).
import { mulberry32 } from '../../dist/src/data/random.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const addonPath = process.env.NTP_ADDON_PATH || join(root, 'build', 'Release', 'ntp_native.node');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

// ---------------------------------------------------------------- child: one batch of calls

async function child(seed, calls, verbose) {
  const A = createRequire(import.meta.url)(addonPath);
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => rnd() < p;
  const transfer = (x) => { if (x?.buffer && !(x.buffer instanceof SharedArrayBuffer) && x.buffer.byteLength > 0) structuredClone(x.buffer, { transfer: [x.buffer] }); };
  const empty = () => new Float32Array(8).subarray(0, 0);
  const edges = [0, 1, 2, 3, -1, 0.5, 65536, 2 ** 20, 2 ** 24, 2 ** 30, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 64, 1e308, -0, NaN, Infinity, -Infinity];
  const types = [Float32Array, Float64Array, Int32Array, Int8Array, Uint8Array];

  const f32 = (n) => Float32Array.from({ length: n }, () => rnd() * 2 - 1);
  const f64 = (n, lo = 0, hi = 1) => Float64Array.from({ length: n }, () => lo + (hi - lo) * rnd());
  const i32 = (...v) => Int32Array.from(v);
  const small = () => 1 + int(4);
  const candles = (n) => {
    const close = f64(n, 90, 110);
    return { timestamp: Float64Array.from({ length: n }, (_, i) => 1.6e12 + 3.6e6 * i), open: close.map((c) => c * (1 + 0.01 * (rnd() - 0.5))),
      high: close.map((c) => c * 1.02), low: close.map((c) => c * 0.98), close, volume: f64(n, 0, 100) };
  };
  const params = (P) => {
    const f = (v) => new Float64Array(P).fill(v);
    return { feeBps: f(5), slippageBps: f(1), riskFraction: f(0.5), fraction1: f(0.5), fraction2: f(0.3), fraction3: f(0.2), stopDistance: f(NaN),
      target1: f(NaN), target2: f(NaN), target3: f(NaN), initialEquity: f(1e4), maxHoldBars: new Int32Array(P), flags: new Int32Array(P).fill(30) };
  };
  const M = A.backtestLayout?.metrics ?? 32;
  // A host buffer of n floats, filled (kernels may read it before anything writes it).
  const hb = (n) => { const h = A.tensorAlloc({ device: 'host', size: n }); A.tensorWrite({ handle: h, values: f32(n) }); return h; };

  // The composite loss's settings (native/binding/loss_args.h) for B rows and H horizons.
  const lossSettings = (B, H) => ({ batch: B, horizons: H, weights: Float32Array.of(1, 1, 0.5, 0.2), horizonWeights: new Float32Array(H).fill(1),
    alpha: new Float32Array(H).fill(0.7), priceDelta: 1, gamma: 1, trendDelta: 1, tau: 0.1, trendLocal: true, trendGlobal: true, trendAgreement: chance(0.5) });

  // Valid small calls of every export that takes options (the starting point of mutations).
  const valid = {
    matMul: () => { const m = small(), k = small(), n = small(); return { a: f32(m * k), aShape: i32(m, k), b: f32(k * n), bShape: i32(k, n), out: new Float32Array(m * n), bias: f32(n), biasShape: i32(n), activation: pick(['linear', 'relu', 'elu']) }; },
    attentionForward: () => { const B = small(), T = small(), H = small(), K = small(); return { qkv: f32(B * T * 3 * H * K), batch: B, steps: T, heads: H, keyDim: K, dropout: pick([0, 0.1]), seed: 7, out: { probs: new Float32Array(B * H * T * T), out: new Float32Array(B * T * H * K) } }; },
    attentionBackward: () => { const B = small(), T = small(), H = small(), K = small(); return { qkv: f32(B * T * 3 * H * K), probs: f32(B * H * T * T), dout: f32(B * T * H * K), batch: B, steps: T, heads: H, keyDim: K, out: { dqkv: new Float32Array(B * T * 3 * H * K) } }; },
    layerNormForward: () => { const r = small(), d = small(); return { x: f32(r * d), gamma: f32(d), beta: f32(d), rows: r, dim: d, epsilon: 1e-5, residual: f32(r * d), out: { y: new Float32Array(r * d), mean: new Float32Array(r), rstd: new Float32Array(r), sum: new Float32Array(r * d) } }; },
    layerNormBackward: () => { const r = small(), d = small(); return { x: f32(r * d), gamma: f32(d), mean: f32(r), rstd: f32(r), dy: f32(r * d), rows: r, dim: d, out: { dx: new Float32Array(r * d), dgamma: new Float32Array(d), dbeta: new Float32Array(d), dresidual: new Float32Array(r * d) } }; },
    lstmForward: () => { const B = small(), T = small(), F = small(), U = small(); return { x: f32(B * T * F), kernel: f32(F * 4 * U), recurrentKernel: f32(U * 4 * U), bias: f32(4 * U), batch: B, steps: T, features: F, units: U, out: { h: new Float32Array(B * T * U), gates: new Float32Array(B * T * 4 * U), cells: new Float32Array(B * T * U) } }; },
    lstmInference: () => { const B = small(), T = small(), F = small(), U = small(); return { x: f32(B * T * F), kernel: f32(F * 4 * U), recurrentKernel: f32(U * 4 * U), bias: f32(4 * U), batch: B, steps: T, features: F, units: U, lastOnly: true, out: { h: new Float32Array(B * U) } }; },
    lstmBackward: () => { const B = small(), T = small(), F = small(), U = small(); return { x: f32(B * T * F), kernel: f32(F * 4 * U), recurrentKernel: f32(U * 4 * U), h: f32(B * T * U), gates: f32(B * T * 4 * U), cells: f32(B * T * U), dh: f32(B * T * U), batch: B, steps: T, features: F, units: U, out: { dx: new Float32Array(B * T * F), dKernel: new Float32Array(F * 4 * U), dRecurrentKernel: new Float32Array(U * 4 * U), dBias: new Float32Array(4 * U) } }; },
    indicatorForward: () => { const B = small(), T = 8 + int(8); return { kind: pick(['ma', 'rsi', 'momentum', 'bollinger']), close: Float32Array.from({ length: B * T }, () => 1 + rnd()), batch: B, time: T, periods: Float32Array.of(2, 3), out: new Float32Array(B * 2) }; },
    indicatorBackward: () => { const B = small(), T = 8 + int(8); return { kind: 'ma', close: Float32Array.from({ length: B * T }, () => 1 + rnd()), batch: B, time: T, periods: Float32Array.of(2, 3), gradOut: f32(B * 2), gradClose: new Float32Array(B * T), gradPeriods: new Float32Array(2) }; },
    plainSeries: () => { const n = 1 + int(40); return { kind: pick(['ema', 'sma', 'rsi', 'wma', 'momentum', 'roc']), x: f64(n, 1, 2), periods: Float64Array.of(2, 5), out: new Float64Array(2 * n) }; },
    macdSeries: () => { const n = 1 + int(40); return { x: f64(n, 1, 2), periods: Float64Array.of(3, 6, 2), macd: new Float64Array(n), signal: new Float64Array(n), hist: new Float64Array(n) }; },
    bollingerSeries: () => { const n = 1 + int(40); return { x: f64(n, 1, 2), periods: Float64Array.of(4), k: 2, mid: new Float64Array(n), upper: new Float64Array(n), lower: new Float64Array(n) }; },
    atrSeries: () => { const n = 1 + int(40); return { high: f64(n, 2, 3), low: f64(n, 0, 1), close: f64(n, 1, 2), periods: Float64Array.of(3), out: new Float64Array(n) }; },
    stochasticSeries: () => { const n = 1 + int(40); return { high: f64(n, 2, 3), low: f64(n, 0, 1), close: f64(n, 1, 2), periods: Float64Array.of(5, 3), k: new Float64Array(n), d: new Float64Array(n) }; },
    buildWindows: () => { const n = 40, T = 4; return { candles: candles(n), lookback: T, features: i32(0, 1, 2), horizons: i32(1, 3), ends: i32(10, 20, 39), out: { features: new Float32Array(3 * T * 3), close: new Float32Array(3 * T), targets: new Float32Array(3 * 2) } }; },
    computeBarFeatures: () => { const n = 1 + int(30); return { candles: candles(n), features: i32(0, 1), out: new Float64Array(2 * n) }; },
    backtestSignals: () => { const n = 20 + int(40), P = 1 + int(2), side = Int8Array.from({ length: n }, () => int(3) - 1);
      return { symbols: [{ candles: candles(n), barsPerYear: 8760, signals: { side, stopDistance: f64(n, 1, 3), size: f64(n, 0.5, 1), targetDistance: [f64(n, 1, 2), f64(n, 2, 3), f64(n, 3, 4)] } }],
        params: params(P), out: { metrics: new Float64Array(P * M) }, trace: { paths: i32(0), stride: n, trades: new Float64Array(n * (A.backtestLayout?.tradeFields ?? 20)), tradeCounts: new Int32Array(1), equity: new Float64Array(n) } }; },
    backtestRules: () => { const n = 30 + int(40), P = 1 + int(2), mp = A.backtestStrategies?.maxParams ?? 4;
      const ruleParams = new Float64Array(2 * mp);  // ema_cross (3, 8) and rsi (5, 30, 70), kinds by name from the addon's table
      ruleParams.set([3, 8]);
      ruleParams.set([5, 30, 70], mp);
      const kind = (name) => Math.max(0, A.backtestStrategies?.list.findIndex((e) => e.name === name) ?? 0);
      return { symbols: [{ candles: candles(n), barsPerYear: 8760 }], rules: { kind: i32(kind('ema_cross'), kind('rsi')), params: ruleParams }, params: params(P), out: { metrics: new Float64Array(2 * P * M) } }; },
    backtestSweep: () => { const n = 30 + int(40), P = 1 + int(3), paths = 2 * 2 * P, b = int(paths), e = b + 1 + int(paths - b), mp = A.backtestStrategies?.maxParams ?? 4;
      const ruleParams = new Float64Array(2 * mp);  // ema_cross (3, 8) and rsi (5, 30, 70), as for backtestRules
      ruleParams.set([3, 8]);
      ruleParams.set([5, 30, 70], mp);
      const kind = (name) => Math.max(0, A.backtestStrategies?.list.findIndex((e) => e.name === name) ?? 0);
      return { symbols: [{ candles: candles(n), barsPerYear: 8760 }, { candles: candles(n + 5), barsPerYear: 8760 }], rules: { kind: i32(kind('ema_cross'), kind('rsi')), params: ruleParams },
        params: params(P), pathBegin: b, pathEnd: e, launchPaths: 32 + int(40), progress: new Int32Array(1), out: { metrics: new Float64Array((e - b) * M) } }; },
    compositeLoss: () => { const B = small(), H = small(); return { ...lossSettings(B, H), heads: f32(B * 3 * H), y: f32(B * H), d: f32(B * H), out: { total: new Float32Array(1), terms: new Float32Array(4), grad: new Float32Array(B * 3 * H) } }; },
    binaryOp: () => { const n = small() * 4; return { op: int(5), a: f32(n), b: f32(pick([n, 1, 4])), out: new Float32Array(n) }; },
    adamStep: () => { const n = small(); return { params: [f32(n)], grads: [f32(n)], m: [new Float32Array(n)], v: [new Float32Array(n)], learningRate: 1e-3, step: 1 + int(5), clipNorm: 1, l2: Float32Array.of(1e-4) }; },
    // The ntp backend's kernels take buffer handles (host device): a mutated handle names another
    // live buffer, too small or on no table at all.
    tensorAdamStep: () => { const n = small(); return { params: [hb(n)], grads: [hb(n)], m: [hb(n)], v: [hb(n)], learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 + int(5), clipNorm: 1, l2: Float32Array.of(1e-4) }; },
    tensorLayerNormForward: () => { const r = small(), d = small(); return { x: hb(r * d), gamma: hb(d), beta: hb(d), y: hb(r * d), mean: hb(r), rstd: hb(r), residual: hb(r * d), sum: hb(r * d), rows: r, dim: d, epsilon: 1e-3, dropout: pick([0, 0.1]), seed: 3 }; },
    tensorLayerNormBackward: () => { const r = small(), d = small(); return { x: hb(r * d), gamma: hb(d), mean: hb(r), rstd: hb(r), dy: hb(r * d), dx: hb(r * d), dgamma: hb(d), dbeta: hb(d), dresidual: hb(r * d), rows: r, dim: d, dropout: pick([0, 0.1]), seed: 3 }; },
    tensorCompositeLoss: () => { const B = small(), H = small(); return { ...lossSettings(B, H), heads: hb(B * 3 * H), y: hb(B * H), d: hb(B * H), total: hb(1), terms: hb(4), grad: hb(B * 3 * H) }; },
    tensorAttentionForward: () => { const B = small(), T = small(), H = small(), K = small(); return { qkv: hb(B * T * 3 * H * K), probs: hb(B * H * T * T), out: hb(B * T * H * K), batch: B, steps: T, heads: H, keyDim: K, dropout: pick([0, 0.1]), seed: 7 }; },
    tensorAttentionBackward: () => { const B = small(), T = small(), H = small(), K = small(); return { qkv: hb(B * T * 3 * H * K), probs: hb(B * H * T * T), dout: hb(B * T * H * K), dqkv: hb(B * T * 3 * H * K), batch: B, steps: T, heads: H, keyDim: K }; },
  };

  // A hostile value: edge numbers, wrong types, zero-length or offset subarray views, detached
  // arrays, nested objects.
  function hostile(depth = 0) {
    switch (int(10)) {
      case 0: return pick(edges);
      case 1: return pick([undefined, null, true, 'cuda', 'ema', 'x', {}, [], () => 1]);
      case 2: return empty();
      case 3: { const T = pick(types); return new T(8 + int(8)).subarray(int(4), int(4) + int(4)); }
      case 4: { const T = pick(types); const x = new T(int(16)); transfer(x); return x; }
      case 5: { const T = pick(types); return new T(pick([0, 1, 2, 3, 7, 64])); }
      case 6: return depth < 2 ? Array.from({ length: int(4) }, () => hostile(depth + 1)) : 0;
      case 7: return depth < 2 ? Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['out', 'x', 'h', 'probs', 'y', 'metrics', 'candles', 'close']), hostile(depth + 1)])) : null;
      case 8: return int(64) - 8;
      default: return rnd() * 2 ** int(70) * (chance(0.2) ? -1 : 1);
    }
  }

  // Every [object, key] pair inside an options tree (typed arrays are leaves).
  function slots(o, out = []) {
    for (const k of Object.keys(o)) {
      out.push([o, k]);
      const v = o[k];
      if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) slots(v, out);
    }
    return out;
  }
  const arrays = (o) => slots(o).map(([p, k]) => p[k]).filter((v) => ArrayBuffer.isView(v));

  const set = (o, k, value) => Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });
  function mutate(opts) {
    const all = slots(opts);
    for (let i = 0, n = int(3); i < n && all.length; i++) {
      const [parent, key] = pick(all);
      const r = int(6);
      if (r === 0 && ArrayBuffer.isView(parent[key])) set(parent, key, empty());
      else if (r === 1 && typeof parent[key] === 'number') set(parent, key, pick(edges));
      else if (r === 2) {
        // A getter that detaches another array of the call (one read earlier, or later).
        const victims = arrays(opts);
        const victim = victims.length ? pick(victims) : null;
        const value = parent[key];
        Object.defineProperty(parent, key, { enumerable: true, configurable: true, get() { transfer(victim); return value; } });
      } else set(parent, key, hostile());
    }
    return opts;
  }

  // The reproduction classes, with random edge sizes.
  const big = () => pick([65536, 2 ** 20, 2 ** 24, 2 ** 31 - 1, 2 ** 30]);
  const targeted = [
    () => ['matMul', { a: empty(), aShape: i32(big(), big(), big(), big()), b: empty(), bShape: i32(big(), big(), big(), big()), out: empty() }],
    () => ['matMul', { a: empty(), aShape: i32(0, big(), big()), b: empty(), bShape: i32(big(), big()), out: empty(), bias: empty(), biasShape: i32(big()) }],
    () => ['layerNormForward', { x: empty(), gamma: empty(), beta: empty(), rows: pick([2 ** 40, 2 ** 20, 0]), dim: pick([2 ** 24, 65536]), epsilon: 1e-5, out: { y: empty(), mean: empty() } }],
    () => ['layerNormBackward', { x: empty(), gamma: empty(), mean: empty(), rstd: empty(), dy: empty(), rows: pick([2 ** 40, 0]), dim: 2 ** 24, out: { dx: empty(), dgamma: empty(), dbeta: empty() } }],
    () => ['attentionForward', { qkv: empty(), batch: big(), steps: big(), heads: big(), keyDim: big(), out: { out: empty(), probs: chance(0.5) ? empty() : undefined } }],
    () => ['attentionForward', { qkv: new Float32Array(3 * 65536), batch: 1, steps: 65536, heads: 1, keyDim: 1, dropout: pick([0, 0.5]), out: { out: new Float32Array(65536) } }],
    () => ['attentionBackward', { qkv: empty(), probs: empty(), dout: empty(), batch: big(), steps: big(), heads: big(), keyDim: big(), out: { dqkv: empty() } }],
    () => ['lstmBackward', { x: empty(), kernel: empty(), recurrentKernel: empty(), h: empty(), gates: empty(), cells: empty(), dh: empty(), batch: big(), steps: big(), features: big(), units: big(), out: { dx: empty(), dKernel: empty(), dRecurrentKernel: empty(), dBias: empty() } }],
    () => ['compositeLoss', { ...lossSettings(1, 3), batch: pick([2 ** 40, 2 ** 31, 0]), horizons: pick([3, 64, 65, 2 ** 31]), heads: empty(), y: empty(), d: empty(), out: { total: empty(), terms: empty(), grad: empty() } }],
    () => ['indicatorForward', { kind: 'ma', close: empty(), batch: 0, time: 2 ** 24, periods: Float32Array.of(2), out: empty() }],
    () => ['buildWindows', { ...valid.buildWindows(), lookback: big(), ends: i32(big()) }],
    () => { const name = pick(Object.keys(valid)); return [name, valid[name]()]; },  // valid, for the async transfer classes
  ];

  const exports = Object.keys(A).filter((k) => typeof A[k] === 'function');
  const stats = { calls: 0, async: 0, ok: 0, errors: {} };
  const pending = [];
  const settle = (p) => p.then(() => { stats.ok++; }, (e) => { stats.errors[e?.constructor?.name ?? 'other'] = (stats.errors[e?.constructor?.name ?? 'other'] ?? 0) + 1; });

  for (let i = 0; i < calls; i++) {
    let name, opts;
    if (chance(0.3)) [name, opts] = pick(targeted)();
    else {
      name = pick(exports).replace(/Async$/, '');
      opts = valid[name] ? (chance(0.9) ? mutate(valid[name]()) : hostile()) : hostile();
    }
    const isAsync = typeof A[`${name}Async`] === 'function' && chance(0.4);
    const fn = isAsync ? `${name}Async` : name;
    if (verbose) console.error(`#${i} ${fn}`, opts);
    stats.calls++;
    try {
      const r = A[fn](opts);
      if (isAsync) {
        stats.async++;
        // Right after the call: transfer some of the job's arrays away (inputs and outputs).
        if (opts && typeof opts === 'object' && chance(0.5)) for (const x of arrays(opts)) if (chance(0.5)) transfer(x);
        pending.push(settle(r));
        if (pending.length >= 16) { await Promise.all(pending); pending.length = 0; if (chance(0.1)) globalThis.gc?.(); }
      } else stats.ok++;
    } catch (e) {
      stats.errors[e?.constructor?.name ?? 'other'] = (stats.errors[e?.constructor?.name ?? 'other'] ?? 0) + 1;
    }
  }
  await Promise.all(pending);
  process.stdout.write(`${JSON.stringify(stats)}\n`);
}

// ---------------------------------------------------------------- parent: batches in children
function runBatch(seed, calls) {
  return new Promise((resolve) => {
    const env = { ...process.env, NTP_NATIVE_MEMORY_LIMIT: process.env.NTP_NATIVE_MEMORY_LIMIT || String(512 * 2 ** 20), NTP_THREADS: process.env.NTP_THREADS || '2' };
    const c = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(seed), String(calls)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { err += d; if (err.length > 20000) err = err.slice(-20000); });
    c.on('close', (code, signal) => {
      let stats = null;
      try { stats = JSON.parse(out.trim().split('\n').pop()); } catch { /* crashed before the summary */ }
      // UBSan reports (when not halting) other than the vptr check on the shared_ptr control
      // blocks Node creates (its binary has no RTTI for them: a false positive).
      const ubsan = err.split('\n').filter((l) => l.includes('runtime error:') && !l.includes('_Sp_counted_base'));
      resolve({ seed, calls, code, signal, stats, stderr: err, ubsan });
    });
  });
}

async function parent() {
  const total = arg('calls', 1_000_000), batch = arg('batch', 25_000), jobs = arg('jobs', 2), seed0 = arg('seed', 1);
  const seeds = [];
  for (let done = 0, s = seed0; done < total; done += batch, s++) seeds.push([s, Math.min(batch, total - done)]);
  console.log(`js fuzz: ${total} calls in ${seeds.length} batches, ${jobs} at a time, addon ${addonPath}`);
  const sum = { calls: 0, async: 0, ok: 0, errors: {} };
  const crashes = [];
  const started = Date.now();
  let next = 0;
  async function worker() {
    while (next < seeds.length) {
      const [seed, calls] = seeds[next++];
      const r = await runBatch(seed, calls);
      if (r.code !== 0 || !r.stats || r.ubsan.length) {
        crashes.push(r);
        console.log(`CRASH batch seed ${seed}: exit ${r.code} signal ${r.signal}\n${r.stderr.slice(-4000)}`);
        continue;
      }
      sum.calls += r.stats.calls;
      sum.async += r.stats.async;
      sum.ok += r.stats.ok;
      for (const [k, v] of Object.entries(r.stats.errors)) sum.errors[k] = (sum.errors[k] ?? 0) + v;
      process.stdout.write(`  batch ${seed}: ${r.stats.calls} calls (${sum.calls} so far, ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  }
  await Promise.all(Array.from({ length: jobs }, worker));
  console.log(`js fuzz: ${sum.calls} calls completed (${sum.async} async), ${sum.ok} returned normally, thrown/rejected: ${JSON.stringify(sum.errors)}; ${crashes.length} crashed batches${crashes.length ? ` (seeds ${crashes.map((c) => c.seed).join(', ')}: replay with --child SEED CALLS --verbose)` : ''}`);
  process.exitCode = crashes.length ? 1 : 0;
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]), Number(process.argv[4]), process.argv.includes('--verbose'));
else await parent();
