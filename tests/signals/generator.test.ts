import test, { type ExecutionContext } from 'ava';
import { SignalGenerator, type SignalInput } from '../../src/signals/generator.js';
import { calculateConfidence } from '../../src/signals/helpers.js';
import type { SignalArrays } from '../../src/signals/types.js';

type Triple = [number, number, number];

/** One bar of hand-made predictions; omitted fields take calm, valid defaults. */
interface Bar {
  p: Triple;
  r?: Triple;
  v?: Triple;
  close?: number;
}

const CALM_VARIANCE = 1e-4; // sigma 0.01: confidence 0.5 at the default scale, stop 2%
const DEFAULT_RETURNS: Triple = [0.01, 0.02, 0.03];

function makeInput(bars: Bar[]): SignalInput {
  const n = bars.length;
  const col = (): [Float64Array, Float64Array, Float64Array] => [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const input: SignalInput = { close: new Float64Array(n), pUp: col(), predictedReturn: col(), variance: col() };
  bars.forEach((b, t) => {
    input.close[t] = b.close ?? 100;
    for (let h = 0; h < 3; h++) {
      input.pUp[h][t] = b.p[h];
      input.predictedReturn[h][t] = (b.r ?? DEFAULT_RETURNS)[h];
      input.variance[h][t] = (b.v ?? [CALM_VARIANCE, CALM_VARIANCE, CALM_VARIANCE])[h];
    }
  });
  return input;
}

function near(t: ExecutionContext, actual: number, expected: number, tol = 1e-12): void {
  t.true(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

function targetsAt(s: SignalArrays, i: number): number[] {
  return s.targetDistance.map((a) => a[i]);
}

const LONG: Triple = [0.6, 0.7, 0.65];
const SHORT: Triple = [0.3, 0.2, 0.35];
const calmBars = (count: number): Bar[] => Array.from({ length: count }, () => ({ p: [0.5, 0.5, 0.5] as Triple }));

test('a long signal carries stop, targets at the predicted prices and size', (t) => {
  const { signals, report } = new SignalGenerator().generate(makeInput([{ p: LONG }]));
  t.is(signals.side[0], 1);
  near(t, signals.stopDistance[0], 0.02); // 2 * sqrt(1e-4)
  targetsAt(signals, 0).forEach((d, h) => near(t, d, Math.expm1(DEFAULT_RETURNS[h])));
  near(t, signals.size[0], 0.1); // confidence 0.5 * strength (|1.4 - 1| * 0.5)
  t.deepEqual(report, {
    bars: 1, longs: 1, shorts: 0,
    suppressedDisagreement: 0, suppressedSpike: 0, suppressedZeroSize: 0, skippedInvalid: 0,
  });
});

test('a short signal mirrors the long one', (t) => {
  const r: Triple = [-0.01, -0.02, -0.03];
  const { signals, report } = new SignalGenerator().generate(makeInput([{ p: SHORT, r }]));
  t.is(signals.side[0], -1);
  near(t, signals.stopDistance[0], 0.02);
  targetsAt(signals, 0).forEach((d, h) => near(t, d, -Math.expm1(r[h])));
  near(t, signals.size[0], 0.15); // 0.5 * |0.4 - 1| * 0.5
  t.is(report.shorts, 1);
});

test('h1 inside the entry band gives no signal and counts no suppression', (t) => {
  const input = makeInput([{ p: [0.7, 0.54, 0.7] }, { p: [0.3, 0.46, 0.3] }, { p: [0.7, 0.55, 0.7] }]);
  const { signals, report } = new SignalGenerator().generate(input);
  t.deepEqual(Array.from(signals.side), [0, 0, 0]);
  t.deepEqual(Array.from(signals.size), [0, 0, 0]);
  t.is(report.suppressedDisagreement + report.suppressedSpike + report.longs + report.shorts, 0);
  t.deepEqual(Array.from(new SignalGenerator({ entryThreshold: 0.53 }).generate(input).signals.side), [1, -1, 1]);
});

test('disagreeing horizons suppress the signal and are counted', (t) => {
  const input = makeInput([{ p: [0.4, 0.7, 0.7] }, { p: [0.3, 0.2, 0.5] }, { p: LONG }]);
  const { signals, report } = new SignalGenerator().generate(input);
  t.deepEqual(Array.from(signals.side), [0, 0, 1]);
  t.is(signals.stopDistance[0], 0);
  t.is(report.suppressedDisagreement, 2);
  t.is(report.longs, 1);
});

test('minAgree 2 lets a two-of-three majority on the h1 side through', (t) => {
  const input = makeInput([{ p: [0.4, 0.7, 0.7] }, { p: [0.7, 0.3, 0.7] }]);
  const { signals, report } = new SignalGenerator({ minAgree: 2 }).generate(input);
  // Bar 1: the majority is long but h1 says short, so it is still a disagreement.
  t.deepEqual(Array.from(signals.side), [1, 0]);
  t.is(report.suppressedDisagreement, 1);
});

test('agreementThreshold decides which horizons vote', (t) => {
  const input = makeInput([{ p: [0.58, 0.7, 0.7] }]);
  t.is(new SignalGenerator().generate(input).signals.side[0], 1);
  t.is(new SignalGenerator({ agreementThreshold: 0.6 }).generate(input).signals.side[0], 0);
});

test('without requireAgreement a disagreeing signal is kept at half size', (t) => {
  const input = makeInput([{ p: [0.4, 0.7, 0.7] }]);
  const { signals, report } = new SignalGenerator({ requireAgreement: false }).generate(input);
  t.is(signals.side[0], 1);
  near(t, signals.size[0], 0.05); // 0.5 * 0.2 * 0.5
  t.is(report.suppressedDisagreement, 0);
});

test('a variance spike on h1 suppresses the signal and is counted', (t) => {
  const spike: Bar = { p: LONG, v: [CALM_VARIANCE, 10 * CALM_VARIANCE, CALM_VARIANCE] };
  const input = makeInput([...calmBars(10), spike, { p: LONG }]);
  const { signals, report } = new SignalGenerator().generate(input);
  t.is(signals.side[10], 0);
  t.is(report.suppressedSpike, 1);
  t.is(signals.side[11], 1); // the spike bar alone does not lift the median of the window
  t.is(new SignalGenerator({ spikeK: 20 }).generate(input).signals.side[10], 1);
});

test('variance spikes on h0 or h2 do not gate', (t) => {
  const input = makeInput([...calmBars(10), { p: LONG, v: [1e-2, CALM_VARIANCE, 1e-2] }]);
  t.is(new SignalGenerator().generate(input).signals.side[10], 1);
});

test('the spike baseline is the last spikeWindow bars including the current one', (t) => {
  const high: Bar[] = Array.from({ length: 5 }, () => ({ p: [0.5, 0.5, 0.5] as Triple, v: [1e-3, 1e-3, 1e-3] as Triple }));
  const bar: Bar = { p: LONG, v: [5e-4, 5e-4, 5e-4] };
  const input = makeInput([...high, ...calmBars(5), bar]);
  // window 5: [1e-4 x4, 5e-4], median 1e-4, 5e-4 > 3e-4 -> spike.
  t.is(new SignalGenerator({ spikeWindow: 5 }).generate(input).report.suppressedSpike, 1);
  // window 11: median 5e-4 (the bar itself) -> no spike.
  t.is(new SignalGenerator({ spikeWindow: 11 }).generate(input).signals.side[10], 1);
});

test('long targets are monotonic and at least the minimum distance', (t) => {
  const { signals } = new SignalGenerator().generate(makeInput([
    { p: LONG, r: [0.03, 0.01, 0.02] },
    { p: LONG, r: [-0.01, 0.0005, 0.02] },
  ]));
  targetsAt(signals, 0).forEach((d) => near(t, d, Math.expm1(0.03)));
  const [a, b, c] = targetsAt(signals, 1);
  t.is(a, 0.001);
  t.is(b, 0.001); // expm1(0.0005) ~ 0.0005 is under the floor
  near(t, c, Math.expm1(0.02));
});

test('short targets are monotonic and at least the minimum distance', (t) => {
  const { signals } = new SignalGenerator({ targetMinDistance: 0.005 }).generate(makeInput([
    { p: SHORT, r: [-0.02, -0.01, -0.03] },
    { p: SHORT, r: [0.01, -0.002, -0.01] },
  ]));
  const down = (r: number): number => -Math.expm1(r);
  const d0 = targetsAt(signals, 0);
  near(t, d0[0], down(-0.02));
  near(t, d0[1], down(-0.02));
  near(t, d0[2], down(-0.03));
  const d1 = targetsAt(signals, 1);
  t.deepEqual(d1.slice(0, 2), [0.005, 0.005]);
  near(t, d1[2], down(-0.01));
});

test('stop distance is clamped at stopMin and stopMax', (t) => {
  const input = makeInput([
    { p: LONG, v: [1e-8, 1e-8, 1e-8] }, // 2 sigma = 0.0002
    { p: SHORT, r: [-0.01, -0.02, -0.03], v: [1e-2, 1e-2, 1e-2] }, // 2 sigma = 0.2
  ]);
  const defaults = new SignalGenerator({ spikeK: 1000 }).generate(input).signals;
  t.deepEqual(Array.from(defaults.side), [1, -1]);
  t.deepEqual(Array.from(defaults.stopDistance), [0.005, 0.1]);
  const custom = new SignalGenerator({ spikeK: 1000, stopMin: 0.01, stopMax: 0.05, stopK: 3 }).generate(input).signals;
  t.deepEqual(Array.from(custom.stopDistance), [0.01, 0.05]);
});

test('a confidence of 0 gives size 0, which is no signal, counted', (t) => {
  const confidenceScale = Number.MIN_VALUE; // sqrt(1e-4) / scale overflows: confidence exactly 0
  t.is(calculateConfidence(CALM_VARIANCE, confidenceScale), 0);
  const { signals, report } = new SignalGenerator({ confidenceScale }).generate(makeInput([{ p: LONG }]));
  t.is(signals.side[0], 0);
  t.is(signals.size[0], 0);
  t.is(report.suppressedZeroSize, 1);
  t.is(report.longs, 0);
});

test('size is clamped into [sizeMin, sizeMax]', (t) => {
  const input = makeInput([{ p: LONG }, { p: [0.99, 0.99, 0.99], v: [0, 0, 0] }]);
  const { signals } = new SignalGenerator({ sizeMin: 0.2, sizeMax: 0.9 }).generate(input);
  t.deepEqual(Array.from(signals.size), [0.2, 0.9]); // raw 0.1 and 0.98
});

test('NaN, infinite and out-of-domain predictions give no signal and are counted', (t) => {
  const bad: Bar[] = [
    { p: [NaN, 0.7, 0.7] },
    { p: [0.7, NaN, 0.7] },
    { p: [0.7, 0.7, 1.2] },
    { p: LONG, r: [0.01, 0.02, NaN] },
    { p: LONG, r: [0.01, Infinity, 0.03] },
    { p: LONG, v: [CALM_VARIANCE, NaN, CALM_VARIANCE] },
    { p: LONG, v: [-1e-4, CALM_VARIANCE, CALM_VARIANCE] },
    { p: LONG, close: NaN },
    { p: LONG, close: 0 },
    { p: [0.5, NaN, 0.5] }, // would be no signal anyway; still a skipped bar
  ];
  const { signals, report } = new SignalGenerator().generate(makeInput([...bad, { p: LONG }]));
  t.deepEqual(Array.from(signals.side), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  for (let i = 0; i < bad.length; i++) {
    t.is(signals.size[i], 0);
    t.is(signals.stopDistance[i], 0);
    t.true(targetsAt(signals, i).every((d) => d === 0));
  }
  t.is(report.skippedInvalid, bad.length);
  t.is(report.longs, 1);
});

test('a NaN h1 variance earlier in the window does not disturb spike detection', (t) => {
  const input = makeInput([
    { p: [0.5, 0.5, 0.5], v: [NaN, NaN, NaN] },
    ...calmBars(5),
    { p: LONG, v: [CALM_VARIANCE, 4 * CALM_VARIANCE, CALM_VARIANCE] },
  ]);
  const { report } = new SignalGenerator().generate(input);
  t.is(report.skippedInvalid, 1);
  t.is(report.suppressedSpike, 1);
});

/** Deterministic pseudo-random predictions with regular spikes, so every gate is exercised. */
function randomBars(n: number, seed: number): Bar[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, () => {
    const bias = rnd() < 0.5 ? 0.25 : -0.25;
    const p = [0, 0, 0].map(() => Math.min(1, Math.max(0, 0.5 + bias + (rnd() - 0.5) * 0.8))) as Triple;
    const v1 = (rnd() < 0.1 ? 10 : 1) * (0.5 + rnd()) * 1e-4;
    const r = [0, 0, 0].map(() => (rnd() - 0.5) * 0.04) as Triple;
    return { p, r, v: [1e-4, v1, 2e-4], close: 100 + 10 * rnd() };
  });
}

/** The same bars with every call reversed and the variance inflated: flips or kills each signal. */
function perturbed(bars: Bar[]): Bar[] {
  return bars.map((b) => ({
    ...b,
    p: b.p.map((x) => 1 - x) as Triple,
    r: b.r!.map((x) => -x) as Triple,
    v: b.v!.map((x) => x * 50) as Triple,
  }));
}

test('causality: changing predictions after bar t never changes the signals up to t', (t) => {
  const n = 300;
  const bars = randomBars(n, 7);
  const gen = new SignalGenerator();
  const base = gen.generate(makeInput(bars));
  // The scenario must actually produce each outcome for the check to mean anything.
  t.true(base.report.longs > 0 && base.report.shorts > 0);
  t.true(base.report.suppressedSpike > 0 && base.report.suppressedDisagreement > 0);
  let lastSignal = n - 1;
  while (base.signals.side[lastSignal] === 0) lastSignal--;
  const columns = (s: SignalArrays, from: number, to: number): number[][] =>
    [s.side, s.stopDistance, ...s.targetDistance, s.size].map((a) => Array.from(a.subarray(from, to)));
  for (const cut of [0, 1, 49, 50, 150, lastSignal - 1]) {
    const changed = gen.generate(makeInput([...bars.slice(0, cut + 1), ...perturbed(bars.slice(cut + 1))])).signals;
    t.deepEqual(columns(changed, 0, cut + 1), columns(base.signals, 0, cut + 1), `bars up to ${cut}`);
    // A base signal after the cut is flipped or suppressed, so the future really did change.
    t.notDeepEqual(columns(changed, cut + 1, n)[0], columns(base.signals, cut + 1, n)[0], `bars after ${cut}`);
  }
});

test('every bar lands in exactly one report bucket', (t) => {
  const { signals, report } = new SignalGenerator().generate(makeInput(randomBars(500, 3)));
  const noDirection = report.bars - report.longs - report.shorts - report.suppressedDisagreement
    - report.suppressedSpike - report.suppressedZeroSize - report.skippedInvalid;
  t.true(noDirection >= 0);
  t.is(report.longs, Array.from(signals.side).filter((s) => s === 1).length);
  t.is(report.shorts, Array.from(signals.side).filter((s) => s === -1).length);
});

test('no bars give empty signal arrays', (t) => {
  const { signals, report } = new SignalGenerator().generate(makeInput([]));
  t.is(signals.side.length, 0);
  t.is(signals.targetDistance[2].length, 0);
  t.is(report.bars, 0);
});

test('mismatched lengths throw naming the array', (t) => {
  const input = makeInput([{ p: LONG }, { p: LONG }]);
  const short = { ...input, pUp: [input.pUp[0], input.pUp[1], input.pUp[2].subarray(1)] as const };
  t.throws(() => new SignalGenerator().generate(short), {
    instanceOf: RangeError,
    message: 'predictions.pUp[2] has length 1, expected 2 (the length of predictions.close)',
  });
});

test('missing horizons or wrong array types throw naming the field', (t) => {
  const input = makeInput([{ p: LONG }]);
  const twoHorizons = { ...input, variance: [input.variance[0], input.variance[1]] } as unknown as SignalInput;
  t.throws(() => new SignalGenerator().generate(twoHorizons), {
    instanceOf: TypeError,
    message: 'predictions.variance must be an array of 3 Float64Arrays (h0, h1, h2), got Array(2)',
  });
  const plainClose = { ...input, close: [100] } as unknown as SignalInput;
  t.throws(() => new SignalGenerator().generate(plainClose), { instanceOf: TypeError, message: /predictions\.close must be a Float64Array, got Array\(1\)/ });
  const f32 = { ...input, predictedReturn: [input.predictedReturn[0], new Float32Array(1), input.predictedReturn[2]] } as unknown as SignalInput;
  t.throws(() => new SignalGenerator().generate(f32), { message: 'predictions.predictedReturn[1] must be a Float64Array, got Float32Array' });
});

test('invalid options throw at construction', (t) => {
  t.throws(() => new SignalGenerator({ entryThreshold: 0.4 }), { message: 'signals.entryThreshold must be a number in [0.5, 1), got 0.4' });
});
