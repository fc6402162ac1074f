import test from 'ava';

import { emptyCandles } from '../../src/data/candles.js';
import { Rng } from '../../src/data/random.js';
import { edgeVerdict, forecastQuality, mergeForecasts, type ScoredForecasts } from '../../src/metrics/forecast-quality.js';
import { mcc } from '../../src/metrics/confusion.js';
import { edgeDecision, gatedSignals } from '../../src/pipeline/edge-gate.js';
import { emptySignalArrays } from '../../src/signals/index.js';

/** A random-walk close series and windows 1..n-2 scored at a 1-bar horizon. */
function market(n: number, seed: number) {
  const rng = new Rng(seed);
  const c = emptyCandles(n);
  c.close[0] = 100;
  for (let t = 1; t < n; t++) c.close[t] = c.close[t - 1] * Math.exp(0.01 * rng.normal());
  const ends = Int32Array.from({ length: n - 2 }, (_, i) => i + 1);
  const trueReturn = Float64Array.from(ends, (e) => Math.log(c.close[e + 1] / c.close[e]));
  return { c, ends, trueReturn, rng };
}

test('a model that knows the next bar beats every baseline, beyond resampling noise', (t) => {
  const { c, ends, trueReturn } = market(800, 1);
  const f: ScoredForecasts = { symbols: new Int32Array(ends.length), ends, pUp: [Float64Array.from(trueReturn, (y) => (y > 0 ? 0.9 : 0.1))], trueReturn: [trueReturn] };
  const q = forecastQuality([c], f, [1], { samples: 300, blockLength: null, seed: 1 });
  const h = q.horizons[0];
  t.is(q.windows, ends.length);
  t.is(q.blockLength, Math.ceil(Math.sqrt(ends.length)));
  t.is(h.model.accuracy, 1);
  t.is(h.model.mcc, 1);
  t.deepEqual(h.model.mccCi, [1, 1]);
  const always = h.baselines.find((b) => b.name === 'always_up')!;
  t.is(always.mcc, 0);
  t.is(always.accuracy, h.upRate);
  const best = h.baselines.reduce((a, b) => (b.mcc > a.mcc ? b : a));
  t.is(h.best, best.name);
  t.is(h.difference.mcc, 1 - best.mcc);
  t.true(h.difference.mccCi[0] > 0);
  t.true(edgeVerdict(q, 0).edge);
  t.regex(edgeVerdict(q, 0).reason, /beats the naive baselines/);
});

test('a model that copies the best baseline has a paired difference of exactly 0: no edge', (t) => {
  const { c, ends, trueReturn } = market(600, 2);
  // The previous-bar reversal rule as the "model".
  const pUp = Float64Array.from(ends, (e) => (c.close[e] < c.close[e - 1] ? 1 : 0));
  const q = forecastQuality([c], { symbols: new Int32Array(ends.length), ends, pUp: [pUp], trueReturn: [trueReturn] }, [1], { samples: 200, blockLength: 10, seed: 3 });
  const h = q.horizons[0];
  const reversal = h.baselines.find((b) => b.name === 'reversal_1')!;
  t.is(h.model.mcc, reversal.mcc);
  t.deepEqual(h.model.mccCi, reversal.mccCi);
  if (h.best === 'reversal_1') t.deepEqual(h.difference.mccCi, [0, 0]);
  else t.true(h.difference.mcc <= 0);
  const v = edgeVerdict(q, 0);
  t.false(v.edge);
  t.regex(v.reason, /shows no edge over the naive baselines on validation at h0 \(\+1 bars\)/);
});

test('point MCC of each predictor is the plain MCC of its calls', (t) => {
  const { c, ends, trueReturn, rng } = market(300, 4);
  const pUp = Float64Array.from(ends, () => rng.uniform());
  const q = forecastQuality([c], { symbols: new Int32Array(ends.length), ends, pUp: [pUp], trueReturn: [trueReturn] }, [1], { samples: 100, blockLength: 5, seed: 3 });
  const counts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  pUp.forEach((p, i) => {
    const up = p >= 0.5, y = trueReturn[i] > 0;
    if (up && y) counts.tp++; else if (up) counts.fp++; else if (y) counts.fn++; else counts.tn++;
  });
  t.is(q.horizons[0].model.mcc, mcc(counts));
  const [lo, hi] = q.horizons[0].model.mccCi;
  t.true(lo <= q.horizons[0].model.mcc && q.horizons[0].model.mcc <= hi);
});

test('merged forecasts are in (symbol, end) order', (t) => {
  const part = (s: number[], e: number[]): ScoredForecasts => ({
    symbols: Int32Array.from(s), ends: Int32Array.from(e), pUp: [Float64Array.from(e, (x) => x / 10)], trueReturn: [Float64Array.from(e)],
  });
  const m = mergeForecasts([part([1, 0], [5, 7]), part([0, 1], [3, 2])]);
  t.deepEqual(Array.from(m.symbols), [0, 0, 1, 1]);
  t.deepEqual(Array.from(m.ends), [3, 7, 2, 5]);
  t.deepEqual(Array.from(m.trueReturn[0]), [3, 7, 2, 5]);
});

test('the gate keeps signals with an edge, flattens them without one unless requireEdge is off', (t) => {
  const { c, ends, trueReturn } = market(400, 5);
  const noEdge = forecastQuality([c], { symbols: new Int32Array(ends.length), ends, pUp: [new Float64Array(ends.length).fill(0.6)], trueReturn: [trueReturn] }, [1],
    { samples: 100, blockLength: 10, seed: 1 });
  const signals = emptySignalArrays(5);
  signals.side.set([0, 1, -1, 0, 1]);
  signals.size.fill(0.5);
  const closed = edgeDecision(noEdge, true);
  t.false(closed.verdict.edge);
  t.false(closed.trade);
  t.deepEqual(Array.from(gatedSignals(signals, closed).side), [0, 0, 0, 0, 0]);
  const open = edgeDecision(noEdge, false);
  t.true(open.trade);
  t.is(gatedSignals(signals, open), signals);
});
