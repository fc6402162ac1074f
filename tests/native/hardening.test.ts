// The addon refuses hostile arguments instead of crashing (issue 19): sizes that wrap past 2^64
// with zero-length subarray views, memory needs above the limit, and buffers detached by a
// transfer while an async job uses them or by a getter while the options are read. Each call
// runs in its own child process, so a crash fails the test instead of the test runner.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const addonPath = process.env.NTP_ADDON_PATH ?? join(process.cwd(), 'build', 'Release', 'ntp_native.node');

interface Outcome { status: number | null; signal: string | null; result: { ok: boolean; name?: string; message?: string; value?: unknown } | null; stderr: string }

/** Runs `body` (an async function body with `A` the addon and `e()` a zero-length subarray view). */
function inChild(body: string, env: Record<string, string> = {}): Outcome {
  const script = `
    const A = require(${JSON.stringify(addonPath)});
    const e = () => new Float32Array(8).subarray(0, 0);
    const transfer = (x) => structuredClone(x.buffer, { transfer: [x.buffer] });
    (async () => {
      try {
        const value = await (async () => { ${body} })();
        console.log(JSON.stringify({ ok: true, value }));
      } catch (err) {
        console.log(JSON.stringify({ ok: false, name: err.constructor.name, message: err.message }));
      }
    })();`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let result = null;
  try { result = JSON.parse(line); } catch { /* no result line: the child crashed */ }
  return { status: r.status, signal: r.signal, result, stderr: r.stderr };
}

function refused(t: import('ava').ExecutionContext, o: Outcome, name: string, message: RegExp) {
  t.is(o.signal, null, `child died: ${o.signal} ${o.stderr}`);
  t.is(o.status, 0, o.stderr);
  t.is(o.result?.ok, false, JSON.stringify(o.result));
  t.is(o.result?.name, name, o.result?.message);
  t.regex(o.result?.message ?? '', message);
}

function resolvedWith(t: import('ava').ExecutionContext, o: Outcome, value: unknown) {
  t.is(o.signal, null, `child died: ${o.signal} ${o.stderr}`);
  t.is(o.status, 0, o.stderr);
  t.deepEqual(o.result, { ok: true, value });
}

test.before((t) => {
  t.true(existsSync(addonPath), `the addon must be built at ${addonPath}`);
});

const huge = 'Int32Array.of(65536, 65536, 65536, 65536)';
const tooMany = /more than any array can hold/;

for (const fn of ['matMul', 'matMulAsync']) {
  test(`${fn}: shapes whose product wraps past 2^64 with zero-length subarray views are a RangeError`, (t) => {
    refused(t, inChild(`return A.${fn}({ a: e(), aShape: ${huge}, b: e(), bShape: ${huge}, out: e() });`), 'RangeError', tooMany);
  });
}

for (const fn of ['layerNormForward', 'layerNormForwardAsync']) {
  test(`${fn}: rows x dim past 2^53 with zero-length views is a RangeError`, (t) => {
    refused(t, inChild(`return A.${fn}({ x: e(), gamma: e(), beta: e(), rows: 2 ** 40, dim: 2 ** 24, epsilon: 1e-5, out: { y: e() } });`),
      'RangeError', tooMany);
  });
}

for (const fn of ['attentionForward', 'attentionForwardAsync', 'attentionBackward', 'attentionBackwardAsync']) {
  test(`${fn}: all sizes 65536 is refused up front`, (t) => {
    const sizes = 'batch: 65536, steps: 65536, heads: 65536, keyDim: 65536';
    const body = fn.startsWith('attentionForward')
      ? `return A.${fn}({ qkv: e(), ${sizes}, out: { out: e(), probs: e() } });`
      : `return A.${fn}({ qkv: e(), probs: e(), dout: e(), ${sizes}, out: { dqkv: e() } });`;
    refused(t, inChild(body), 'RangeError', tooMany);
  });
}

test('attentionForward: working memory above the limit is a RangeError naming both, before any allocation', (t) => {
  // 2^20 steps: the [T, T] weights alone are 4 TiB per thread; the arguments themselves are small.
  const o = inChild(`const T = 2 ** 20;
    return A.attentionForward({ qkv: new Float32Array(3 * T), batch: 1, steps: T, heads: 1, keyDim: 1, out: { out: new Float32Array(T) } });`);
  refused(t, o, 'RangeError', /attentionForward: needs \d+\.\d\d GiB of working memory, more than the limit of/);
});

test('NTP_NATIVE_MEMORY_LIMIT lowers the limit', (t) => {
  const o = inChild(`const T = 512;
    return A.attentionBackward({ qkv: new Float32Array(3 * T), probs: new Float32Array(T * T), dout: new Float32Array(T), batch: 1, steps: T, heads: 1, keyDim: 1, out: { dqkv: new Float32Array(3 * T) } });`,
  { NTP_NATIVE_MEMORY_LIMIT: String(64 * 1024) });
  refused(t, o, 'RangeError', /attentionBackward: needs 1\.00 MiB of working memory, more than the limit of 0\.06 MiB/);
});

// Same layer norm twice: the async result with its input transferred away must equal the sync one.
const layerNorm = `
  const rows = 256, dim = 512;
  const x = new Float32Array(rows * dim).map((_, i) => Math.sin(i));
  const opts = (y) => ({ x, gamma: new Float32Array(dim).fill(2), beta: new Float32Array(dim).fill(1), rows, dim, epsilon: 1e-5, out: { y } });
  const ySync = new Float32Array(rows * dim);
  A.layerNormForward(opts(ySync));`;

test('an async input transferred right after the call: the job still sees the data (it holds the memory)', (t) => {
  const o = inChild(`${layerNorm}
    const yAsync = new Float32Array(rows * dim);
    const p = A.layerNormForwardAsync(opts(yAsync));
    transfer(x);
    globalThis.gc();
    await p;
    return yAsync.every((v, i) => v === ySync[i]) && yAsync.some((v) => v !== 0);`);
  resolvedWith(t, o, true);
});

test('an async output transferred during the job: rejected with an Error naming it, no write into freed memory', (t) => {
  const o = inChild(`${layerNorm}
    const yAsync = new Float32Array(rows * dim);
    const p = A.layerNormForwardAsync(opts(yAsync));
    transfer(yAsync);
    globalThis.gc();
    return await p;`);
  refused(t, o, 'Error', /layerNormForward: options\.out\.y was detached or resized while the job ran; its result is lost/);
});

test('an async input on a resizable buffer shrunk right after the call: the job still sees the data (that one is copied)', (t) => {
  const o = inChild(`${layerNorm}
    const rx = new Float32Array(new ArrayBuffer(x.byteLength, { maxByteLength: x.byteLength }));
    rx.set(x);
    const yAsync = new Float32Array(rows * dim);
    const p = A.layerNormForwardAsync({ ...opts(yAsync), x: rx });
    rx.buffer.resize(0);
    await p;
    return yAsync.every((v, i) => v === ySync[i]);`);
  resolvedWith(t, o, true);
});

test('an async output on a resizable buffer shrunk during the job: rejected naming it', (t) => {
  const o = inChild(`${layerNorm}
    const y = new Float32Array(new ArrayBuffer(4 * rows * dim, { maxByteLength: 4 * rows * dim }));
    const p = A.layerNormForwardAsync(opts(y));
    y.buffer.resize(4);
    return await p;`);
  refused(t, o, 'Error', /layerNormForward: options\.out\.y was detached or resized while the job ran/);
});

test('lstmBackwardAsync with every input transferred during the job equals the sync result', (t) => {
  const o = inChild(`
    const B = 4, T = 16, F = 3, U = 8;
    const r = (n, s) => new Float32Array(n).map((_, i) => Math.sin(i * 0.37 + s) * 0.5);
    const shape = { batch: B, steps: T, features: F, units: U, device: 'cpu' };
    const x = r(B * T * F, 1), kernel = r(F * 4 * U, 2), recurrentKernel = r(U * 4 * U, 3), bias = r(4 * U, 4);
    const h = new Float32Array(B * T * U), gates = new Float32Array(B * T * 4 * U), cells = new Float32Array(B * T * U);
    A.lstmForward({ x, kernel, recurrentKernel, bias, ...shape, out: { h, gates, cells } });
    const grads = () => ({ dx: new Float32Array(B * T * F), dKernel: new Float32Array(F * 4 * U), dRecurrentKernel: new Float32Array(U * 4 * U), dBias: new Float32Array(4 * U) });
    const args = () => ({ x: x.slice(), kernel: kernel.slice(), recurrentKernel: recurrentKernel.slice(), h: h.slice(), gates: gates.slice(), cells: cells.slice(), dh: r(B * T * U, 5), ...shape });
    const sync = grads();
    A.lstmBackward({ ...args(), out: sync });
    const a = args(), out = grads();
    const p = A.lstmBackwardAsync({ ...a, out });
    for (const k of ['x', 'kernel', 'recurrentKernel', 'h', 'gates', 'cells', 'dh']) transfer(a[k]);
    globalThis.gc();
    await p;
    return Object.keys(sync).every((k) => sync[k].every((v, i) => v === out[k][i]));`);
  resolvedWith(t, o, true);
});

test('a getter that detaches an array checked earlier: TypeError naming it, nothing read', (t) => {
  const o = inChild(`
    const a = Float32Array.of(1, 2, 3, 4);
    return A.matMul({ a, aShape: Int32Array.of(2, 2),
      get b() { transfer(a); globalThis.gc(); return Float32Array.of(1, 0, 0, 1); },
      bShape: Int32Array.of(2, 2), out: new Float32Array(4) });`);
  refused(t, o, 'TypeError', /matMul: options\.a was detached or resized while the options were read/);
});

test('the same getter on an async call is refused the same way', (t) => {
  const o = inChild(`
    const a = Float32Array.of(1, 2, 3, 4);
    return await A.matMulAsync({ a, aShape: Int32Array.of(2, 2),
      get b() { transfer(a); return Float32Array.of(1, 0, 0, 1); },
      bShape: Int32Array.of(2, 2), out: new Float32Array(4) });`);
  refused(t, o, 'TypeError', /matMul: options\.a was detached or resized while the options were read/);
});

test('backtestRulesAsync with its candles transferred during the job equals the sync metrics', (t) => {
  const o = inChild(`
    const n = 2000;
    const close = new Float64Array(n).map((_, i) => 100 * Math.exp(0.1 * Math.sin(i / 37) + 0.02 * Math.sin(i * 1.3)));
    const candles = () => ({ timestamp: new Float64Array(n).map((_, i) => 1.6e12 + 3.6e6 * i), open: close.slice(), high: close.map((c) => c * 1.01),
      low: close.map((c) => c * 0.99), close: close.slice(), volume: new Float64Array(n).fill(1) });
    const P = 2, f = (v) => new Float64Array(P).fill(v);
    const params = { feeBps: f(5), slippageBps: f(1), riskFraction: f(1), fraction1: f(1), fraction2: f(0), fraction3: f(0), stopDistance: f(NaN),
      target1: f(NaN), target2: f(NaN), target3: f(NaN), initialEquity: f(1e4), maxHoldBars: new Int32Array(P), flags: Int32Array.of(24, 25) };
    // Two rules in the addon's own table layout: kinds found by name, parameters in its order.
    const table = A.backtestStrategies, K = table.maxParams;
    const pick = [['ema_cross', { fast: 5, slow: 20 }], ['rsi', { period: 10, lower: 30, upper: 70 }]];
    const rules = { kind: new Int32Array(2), params: new Float64Array(2 * K) };
    pick.forEach(([name, values], i) => {
      rules.kind[i] = table.list.findIndex((e) => e.name === name);
      table.list[rules.kind[i]].params.forEach((q, j) => { rules.params[i * K + j] = values[q.name]; });
    });
    const M = A.backtestLayout.metrics;
    const sync = new Float64Array(4 * M);
    A.backtestRules({ symbols: [{ candles: candles(), barsPerYear: 8760 }], rules, params, out: { metrics: sync }, device: 'cpu' });
    const c = candles(), metrics = new Float64Array(4 * M);
    const p = A.backtestRulesAsync({ symbols: [{ candles: c, barsPerYear: 8760 }], rules, params, out: { metrics }, device: 'cpu' });
    for (const k of Object.keys(c)) transfer(c[k]);
    globalThis.gc();
    await p;
    return metrics.every((v, i) => Object.is(v, sync[i])) && metrics.some((v) => v !== 0);`);
  resolvedWith(t, o, true);
});
