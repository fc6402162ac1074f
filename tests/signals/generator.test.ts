import test, { type ExecutionContext } from 'ava';
import { SignalGenerator, type SignalInput } from '../../src/signals/generator.js';
import { calculateConfidence } from '../../src/signals/helpers.js';
import type { SignalOptions } from '../../src/signals/options.js';
import { expectedMove, roundTripCost } from '../../src/signals/costs.js';
import type { SignalArrays } from '../../src/signals/types.js';

type Triple = [number, number, number];

/** A generator without costs, for the tests of the other gates (costs-first has its own tests). */
const gen = (o: Partial<SignalOptions> = {}): SignalGenerator => new SignalGenerator({ roundTripCost: 0, ...o });

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
  const { signals, report } = gen().generate(makeInput([{ p: LONG }]));
  t.is(signals.side[0], 1);
  near(t, signals.stopDistance[0], 0.02); // 2 * sqrt(1e-4)
  targetsAt(signals, 0).forEach((d, h) => near(t, d, Math.expm1(DEFAULT_RETURNS[h])));
  near(t, signals.size[0], 0.1); // confidence 0.5 * strength (|1.4 - 1| * 0.5)
  t.deepEqual(report, {
    bars: 1, longs: 1, shorts: 0,
    suppressedDisagreement: 0, suppressedSpike: 0, suppressedZeroSize: 0, suppressedCost: 0, skippedInvalid: 0,
  });
});

test('a short signal mirrors the long one', (t) => {
  const r: Triple = [-0.01, -0.02, -0.03];
  const { signals, report } = gen().generate(makeInput([{ p: SHORT, r }]));
  t.is(signals.side[0], -1);
  near(t, signals.stopDistance[0], 0.02);
  targetsAt(signals, 0).forEach((d, h) => near(t, d, -Math.expm1(r[h])));
  near(t, signals.size[0], 0.15); // 0.5 * |0.4 - 1| * 0.5
  t.is(report.shorts, 1);
});

test('h1 inside the entry band gives no signal and counts no suppression', (t) => {
  const input = makeInput([{ p: [0.7, 0.54, 0.7] }, { p: [0.3, 0.46, 0.3] }, { p: [0.7, 0.55, 0.7] }]);
  const { signals, report } = gen().generate(input);
  t.deepEqual(Array.from(signals.side), [0, 0, 0]);
  t.deepEqual(Array.from(signals.size), [0, 0, 0]);
  t.is(report.suppressedDisagreement + report.suppressedSpike + report.longs + report.shorts, 0);
  t.deepEqual(Array.from(gen({ entryThreshold: 0.53 }).generate(input).signals.side), [1, -1, 1]);
});

test('disagreeing horizons suppress the signal and are counted', (t) => {
  const input = makeInput([{ p: [0.4, 0.7, 0.7] }, { p: [0.3, 0.2, 0.5] }, { p: LONG }]);
  const { signals, report } = gen().generate(input);
  t.deepEqual(Array.from(signals.side), [0, 0, 1]);
  t.is(signals.stopDistance[0], 0);
  t.is(report.suppressedDisagreement, 2);
  t.is(report.longs, 1);
});

test('minAgree 2 lets a two-of-three majority on the h1 side through', (t) => {
  const input = makeInput([{ p: [0.4, 0.7, 0.7] }, { p: [0.7, 0.3, 0.7] }]);
  const { signals, report } = gen({ minAgree: 2 }).generate(input);
  // Bar 1: the majority is long but h1 says short, so it is still a disagreement.
  t.deepEqual(Array.from(signals.side), [1, 0]);
  t.is(report.suppressedDisagreement, 1);
});

test('agreementThreshold decides which horizons vote', (t) => {
  const input = makeInput([{ p: [0.58, 0.7, 0.7] }]);
  t.is(gen().generate(input).signals.side[0], 1);
  t.is(gen({ agreementThreshold: 0.6 }).generate(input).signals.side[0], 0);
});

test('without requireAgreement a disagreeing signal is kept at half size', (t) => {
  const input = makeInput([{ p: [0.4, 0.7, 0.7] }]);
  const { signals, report } = gen({ requireAgreement: false }).generate(input);
  t.is(signals.side[0], 1);
  near(t, signals.size[0], 0.05); // 0.5 * 0.2 * 0.5
  t.is(report.suppressedDisagreement, 0);
});

test('a variance spike on h1 suppresses the signal and is counted', (t) => {
  const spike: Bar = { p: LONG, v: [CALM_VARIANCE, 10 * CALM_VARIANCE, CALM_VARIANCE] };
  const input = makeInput([...calmBars(10), spike, { p: LONG }]);
  const { signals, report } = gen().generate(input);
  t.is(signals.side[10], 0);
  t.is(report.suppressedSpike, 1);
  t.is(signals.side[11], 1); // the spike bar alone does not lift the median of the window
  t.is(gen({ spikeK: 20 }).generate(input).signals.side[10], 1);
});

test('variance spikes on h0 or h2 do not gate', (t) => {
  const input = makeInput([...calmBars(10), { p: LONG, v: [1e-2, CALM_VARIANCE, 1e-2] }]);
  t.is(gen().generate(input).signals.side[10], 1);
});

test('the spike baseline is the last spikeWindow bars including the current one', (t) => {
  const high: Bar[] = Array.from({ length: 5 }, () => ({ p: [0.5, 0.5, 0.5] as Triple, v: [1e-3, 1e-3, 1e-3] as Triple }));
  const bar: Bar = { p: LONG, v: [5e-4, 5e-4, 5e-4] };
  const input = makeInput([...high, ...calmBars(5), bar]);
  // window 5: [1e-4 x4, 5e-4], median 1e-4, 5e-4 > 3e-4 -> spike.
  t.is(gen({ spikeWindow: 5 }).generate(input).report.suppressedSpike, 1);
  // window 11: median 5e-4 (the bar itself) -> no spike.
  t.is(gen({ spikeWindow: 11 }).generate(input).signals.side[10], 1);
});

test('long targets are monotonic and at least the minimum distance', (t) => {
  const { signals } = gen().generate(makeInput([
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
  const { signals } = gen({ targetMinDistance: 0.005 }).generate(makeInput([
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
  const defaults = gen({ spikeK: 1000 }).generate(input).signals;
  t.deepEqual(Array.from(defaults.side), [1, -1]);
  t.deepEqual(Array.from(defaults.stopDistance), [0.005, 0.1]);
  const custom = gen({ spikeK: 1000, stopMin: 0.01, stopMax: 0.05, stopK: 3 }).generate(input).signals;
  t.deepEqual(Array.from(custom.stopDistance), [0.01, 0.05]);
});

test('a confidence of 0 gives size 0, which is no signal, counted', (t) => {
  const confidenceScale = Number.MIN_VALUE; // sqrt(1e-4) / scale overflows: confidence exactly 0
  t.is(calculateConfidence(CALM_VARIANCE, confidenceScale), 0);
  const { signals, report } = gen({ confidenceScale }).generate(makeInput([{ p: LONG }]));
  t.is(signals.side[0], 0);
  t.is(signals.size[0], 0);
  t.is(report.suppressedZeroSize, 1);
  t.is(report.longs, 0);
});

test('size is clamped into [sizeMin, sizeMax]', (t) => {
  const input = makeInput([{ p: LONG }, { p: [0.99, 0.99, 0.99], v: [0, 0, 0] }]);
  const { signals } = gen({ sizeMin: 0.2, sizeMax: 0.9 }).generate(input);
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
  const { signals, report } = gen().generate(makeInput([...bad, { p: LONG }]));
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
  const { report } = gen().generate(input);
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
  const generator = gen();
  const base = generator.generate(makeInput(bars));
  // The scenario must actually produce each outcome for the check to mean anything.
  t.true(base.report.longs > 0 && base.report.shorts > 0);
  t.true(base.report.suppressedSpike > 0 && base.report.suppressedDisagreement > 0);
  let lastSignal = n - 1;
  while (base.signals.side[lastSignal] === 0) lastSignal--;
  const columns = (s: SignalArrays, from: number, to: number): number[][] =>
    [s.side, s.stopDistance, ...s.targetDistance, s.size].map((a) => Array.from(a.subarray(from, to)));
  for (const cut of [0, 1, 49, 50, 150, lastSignal - 1]) {
    const changed = generator.generate(makeInput([...bars.slice(0, cut + 1), ...perturbed(bars.slice(cut + 1))])).signals;
    t.deepEqual(columns(changed, 0, cut + 1), columns(base.signals, 0, cut + 1), `bars up to ${cut}`);
    // A base signal after the cut is flipped or suppressed, so the future really did change.
    t.notDeepEqual(columns(changed, cut + 1, n)[0], columns(base.signals, cut + 1, n)[0], `bars after ${cut}`);
  }
});

test('every bar lands in exactly one report bucket', (t) => {
  const { signals, report } = new SignalGenerator().generate(makeInput(randomBars(500, 3)));
  const noDirection = report.bars - report.longs - report.shorts - report.suppressedDisagreement
    - report.suppressedSpike - report.suppressedZeroSize - report.suppressedCost - report.skippedInvalid;
  t.true(noDirection >= 0);
  t.is(report.longs, Array.from(signals.side).filter((s) => s === 1).length);
  t.is(report.shorts, Array.from(signals.side).filter((s) => s === -1).length);
});

test('no bars give empty signal arrays', (t) => {
  const { signals, report } = gen().generate(makeInput([]));
  t.is(signals.side.length, 0);
  t.is(signals.targetDistance[2].length, 0);
  t.is(report.bars, 0);
});

test('mismatched lengths throw naming the array', (t) => {
  const input = makeInput([{ p: LONG }, { p: LONG }]);
  const short = { ...input, pUp: [input.pUp[0], input.pUp[1], input.pUp[2].subarray(1)] as const };
  t.throws(() => gen().generate(short), {
    instanceOf: RangeError,
    message: 'predictions.pUp[2] has length 1, expected 2 (the length of predictions.close)',
  });
});

test('missing horizons or wrong array types throw naming the field', (t) => {
  const input = makeInput([{ p: LONG }]);
  const twoHorizons = { ...input, variance: [input.variance[0], input.variance[1]] } as unknown as SignalInput;
  t.throws(() => gen().generate(twoHorizons), {
    instanceOf: TypeError,
    message: 'predictions.variance must be an array of 3 Float64Arrays (h0, h1, h2), got Array(2)',
  });
  const plainClose = { ...input, close: [100] } as unknown as SignalInput;
  t.throws(() => gen().generate(plainClose), { instanceOf: TypeError, message: /predictions\.close must be a Float64Array, got Array\(1\)/ });
  const f32 = { ...input, predictedReturn: [input.predictedReturn[0], new Float32Array(1), input.predictedReturn[2]] } as unknown as SignalInput;
  t.throws(() => gen().generate(f32), { message: 'predictions.predictedReturn[1] must be a Float64Array, got Float32Array' });
});

test('invalid options throw at construction', (t) => {
  t.throws(() => gen({ entryThreshold: 0.4 }), { message: 'signals.entryThreshold must be a number in [0.5, 1), got 0.4' });
});

test('costs first: over generated predictions no emitted signal has a target inside round-trip costs or too small an expected move', (t) => {
  const bars = randomBars(3000, 17);
  for (const [feeBps, slippageBps, costMargin] of [[10, 5, 0.5], [4, 2, 0], [25, 10, 1]]) {
    const rt = roundTripCost({ feeBps, slippageBps });
    const g = new SignalGenerator({ roundTripCost: rt, costMargin });
    const input = makeInput(bars);
    const { signals, report } = g.generate(input);
    let emitted = 0;
    for (let i = 0; i < bars.length; i++) {
      if (signals.side[i] === 0) continue;
      emitted++;
      const d = targetsAt(signals, i);
      t.true(d.every((x) => x >= rt), `bar ${i}: targets ${d} inside the round trip ${rt}`);
      const pSide = signals.side[i] === 1 ? input.pUp[1][i] : 1 - input.pUp[1][i];
      t.true(expectedMove(pSide, d, g.options.targetFractions) > rt * (1 + costMargin), `bar ${i}`);
    }
    t.true(emitted > 20 && report.suppressedCost > 20, `fee ${feeBps}: ${emitted} emitted, ${report.suppressedCost} suppressed by costs`);
    t.is(emitted, report.longs + report.shorts);
  }
});

test('costs first: the expected-move gate at its boundary (equal is suppressed, just above is kept)', (t) => {
  // P(up) 0.75 on every horizon: 2 P - 1 = 0.5. Predicted returns 0 put every target at the
  // floor; fractions [1, 0, 0] make the weighted distance that floor exactly, so the expected
  // move is 0.5 x floor, exactly the bar when the floor is twice it.
  const roundTrip = 0.0025, costMargin = 0.5;
  const bar = roundTrip * (1 + costMargin);
  const input = makeInput([{ p: [0.75, 0.75, 0.75], r: [0, 0, 0] }]);
  const at = (floor: number) => new SignalGenerator({ roundTripCost: roundTrip, costMargin, targetMinDistance: floor, targetFractions: [1, 0, 0] }).generate(input);
  const equal = at(2 * bar);
  t.is(equal.signals.side[0], 0);
  t.is(equal.report.suppressedCost, 1);
  const above = at(2 * bar * (1 + 1e-12));
  t.is(above.signals.side[0], 1);
  t.is(above.report.suppressedCost, 0);
  near(t, expectedMove(0.75, targetsAt(above.signals, 0), [1, 0, 0]), bar, 1e-14);
  // The same bar for a short: P(up) 0.25.
  t.is(new SignalGenerator({ roundTripCost: roundTrip, costMargin, targetMinDistance: 2 * bar, targetFractions: [1, 0, 0] })
    .generate(makeInput([{ p: [0.25, 0.25, 0.25], r: [0, 0, 0] }])).report.suppressedCost, 1);
});

test('costs first: targets default to at least the round-trip cost, above the 0.1% minimum distance', (t) => {
  // Predicted moves of 0.05%, 0.2%, 1.5%: the first two sit at the 0.25% round trip, not at 0.1%.
  const { signals } = new SignalGenerator({ costMargin: 0 }).generate(makeInput([{ p: [0.9, 0.9, 0.9], r: [0.0005, 0.002, 0.015] }]));
  t.is(signals.side[0], 1);
  const d = targetsAt(signals, 0);
  near(t, d[0], 0.0025);
  near(t, d[1], 0.0025);
  near(t, d[2], Math.expm1(0.015));
});
