import test from 'ava';
import { type MetricBatch, metricRegistry, MetricSet } from '../../src/metrics/index.js';
import { close } from '../losses/approx.js';

// Four windows, two horizons.
const lastClose = [100, 200, 50, 10];
const h0 = {
  pUp: [0.8, 0.3, 0.6, 0.7],
  trueReturn: [0.01, -0.02, -0.01, 0.03],
  predReturn: [0.02, -0.01, 0, -0.01],
  // sigma 0.02, 0.005, 0.03, 0.01 against |y - mu| = 0.01, 0.01, 0.01, 0.04: in, out, in, out
  variance: [0.0004, 0.000025, 0.0009, 0.0001],
};
// Every label and every call up, exact returns, zero variance.
const h1 = { pUp: [0.9, 0.95, 0.5, 0.99], trueReturn: [0.05, 0.01, 0.02, 0.03], predReturn: [0.05, 0.01, 0.02, 0.03], variance: [0, 0, 0, 0] };
const handBatch: MetricBatch = {
  pUp: [h0.pUp, h1.pUp],
  predReturn: [h0.predReturn, h1.predReturn],
  variance: [h0.variance, h1.variance],
  trueReturn: [h0.trueReturn, h1.trueReturn],
  lastClose,
};

test('per-horizon and averaged metrics of a hand-computed batch', (t) => {
  const set = new MetricSet({ horizons: 2 });
  set.update(handBatch);
  const r = set.result();
  // h0 calls/labels: up/up, down/down, up/down, up/up -> tp 2, tn 1, fp 1, fn 0
  close(t, r.dir_acc_h0, 0.75);
  close(t, r.dir_f1_h0, 4 / 5);
  close(t, r.dir_mcc_h0, 2 / Math.sqrt(3 * 2 * 2 * 1));
  t.is(r.dir_acc_h1, 1);
  t.is(r.dir_f1_h1, 1);
  t.is(r.dir_mcc_h1, 0); // one class only: undefined -> 0
  const errors = lastClose.map((c, i) => Math.abs(c * Math.exp(h0.predReturn[i]) - c * Math.exp(h0.trueReturn[i])));
  const percents = errors.map((e, i) => (100 * e) / (lastClose[i] * Math.exp(h0.trueReturn[i])));
  close(t, r.price_mae_h0, errors.reduce((a, b) => a + b) / 4);
  close(t, r.price_mape_h0, percents.reduce((a, b) => a + b) / 4);
  t.is(r.price_mae_h1, 0);
  t.is(r.price_mape_h1, 0);
  t.is(r.var_coverage_h0, 0.5);
  t.is(r.var_coverage_h1, 1);
  close(t, r.dir_acc, (0.75 + 1) / 2);
  close(t, r.dir_mcc, r.dir_mcc_h0 / 2);
  close(t, r.price_mae, r.price_mae_h0 / 2);
  t.is(r.var_coverage, 0.75);
  t.deepEqual(Object.keys(r).sort(), metricRegistry.list().flatMap((m) => [m, `${m}_h0`, `${m}_h1`]).sort());
});

test('a reconstructed price error: c = 100, predicted +10%, true flat', (t) => {
  const set = new MetricSet({ horizons: 1, metrics: ['price_mae', 'price_mape'] });
  set.update({ pUp: [[0.5]], predReturn: [[Math.log(1.1)]], variance: [[1]], trueReturn: [[0]], lastClose: [100] });
  const r = set.result();
  close(t, r.price_mae_h0, 10);
  close(t, r.price_mape_h0, 10);
  t.deepEqual(Object.keys(r).sort(), ['price_mae', 'price_mae_h0', 'price_mape', 'price_mape_h0']);
});

/** Deterministic pseudo-random numbers in [0, 1) (a small LCG), so the test data is fixed. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296;
  };
}

function randomBatch(n: number, horizons: number, rand: () => number): MetricBatch {
  const per = (f: () => number) => Array.from({ length: horizons }, () => Float32Array.from({ length: n }, f));
  return {
    pUp: per(rand),
    predReturn: per(() => (rand() - 0.5) * 0.1),
    variance: per(() => rand() * 0.002),
    trueReturn: per(() => (rand() - 0.5) * 0.1),
    lastClose: Float64Array.from({ length: n }, () => 50 + 100 * rand()),
  };
}

function slice(b: MetricBatch, start: number, end: number): MetricBatch {
  const cut = (xs: readonly ArrayLike<number>[]) => xs.map((x) => (x as Float32Array).subarray(start, end));
  return {
    pUp: cut(b.pUp),
    predReturn: cut(b.predReturn),
    variance: cut(b.variance),
    trueReturn: cut(b.trueReturn),
    lastClose: (b.lastClose as Float64Array).subarray(start, end),
  };
}

test('streaming over uneven batches equals one pass over all samples', (t) => {
  const all = randomBatch(37, 3, lcg(7));
  const once = new MetricSet();
  once.update(all);
  const streamed = new MetricSet();
  const perBatchMcc: number[] = [];
  let start = 0;
  for (const size of [1, 10, 3, 23]) {
    const part = slice(all, start, start + size);
    streamed.update(part);
    const alone = new MetricSet();
    alone.update(part);
    perBatchMcc.push(alone.result().dir_mcc_h0);
    start += size;
  }
  t.deepEqual(streamed.result(), once.result());
  // a mean of per-batch values would be a different (wrong) number
  t.not(once.result().dir_mcc_h0, perBatchMcc.reduce((a, b) => a + b) / perBatchMcc.length);
});

test('reset forgets what was accumulated', (t) => {
  const set = new MetricSet({ horizons: 2 });
  set.update(handBatch);
  set.reset();
  const r = set.result();
  t.true(Number.isNaN(r.dir_acc_h0));
  t.true(Number.isNaN(r.price_mae_h1));
  t.is(r.dir_mcc, 0);
});

test('bad batches are rejected by name and leave the state unchanged', (t) => {
  const set = new MetricSet({ horizons: 2 });
  set.update(handBatch);
  const before = set.result();
  const withValue = (field: keyof MetricBatch, h: number, i: number, v: number): MetricBatch => {
    const copy = structuredClone(handBatch) as { [K in keyof MetricBatch]: number[][] | number[] };
    if (field === 'lastClose') (copy.lastClose as number[])[i] = v;
    else (copy[field] as number[][])[h][i] = v;
    return copy as MetricBatch;
  };
  t.throws(() => set.update(withValue('predReturn', 1, 2, NaN)), { instanceOf: RangeError, message: 'batch.predReturn[1][2] is NaN; it must be finite' });
  t.throws(() => set.update(withValue('pUp', 0, 3, 1.2)), { message: 'batch.pUp[0][3] is 1.2; it must be a probability in [0, 1]' });
  t.throws(() => set.update(withValue('pUp', 1, 0, NaN)), { message: 'batch.pUp[1][0] is NaN; it must be a probability in [0, 1]' });
  t.throws(() => set.update(withValue('variance', 0, 1, -1e-9)), { message: 'batch.variance[0][1] is -1e-9; it must be finite and >= 0' });
  t.throws(() => set.update(withValue('lastClose', 0, 0, 0)), { message: 'batch.lastClose[0] is 0; it must be finite and > 0' });
  t.throws(() => set.update({ ...handBatch, trueReturn: [[0.1, 0.2, 0.3], h1.trueReturn] }), {
    message: 'batch.trueReturn[0] has length 3, expected 4 (the length of batch.lastClose)',
  });
  t.throws(() => set.update({ ...handBatch, pUp: [h0.pUp] }), { message: 'batch.pUp must be an array of 2 arrays, one per horizon (got 1)' });
  t.throws(() => set.update({ ...handBatch, lastClose: undefined as unknown as number[] }), {
    instanceOf: TypeError,
    message: 'batch.lastClose must be an array of numbers (got undefined)',
  });
  t.deepEqual(set.result(), before);
});

test('bad options are named', (t) => {
  t.throws(() => new MetricSet({ horizons: 0 }), { message: 'horizons must be an integer >= 1 (got 0)' });
  t.throws(() => new MetricSet({ metrics: ['dir_mc'] }), { message: /unknown metric "dir_mc"/ });
});

test('every metric is registered by name, with the direction that is better', (t) => {
  t.deepEqual(metricRegistry.list(), ['dir_acc', 'dir_f1', 'dir_mcc', 'price_mae', 'price_mape', 'var_coverage']);
  t.is(metricRegistry.get('dir_mcc').mode, 'max');
  t.is(metricRegistry.get('price_mape').mode, 'min');
  t.is(metricRegistry.get('var_coverage').mode, undefined);
});
