import test, { type ExecutionContext } from 'ava';
import {
  calculateConfidence,
  calculateDynamicStopLoss,
  calculatePositionSizeMultiplier,
  calculateProfitTargets,
  calculateSignalStrength,
  checkMultiHorizonAgreement,
  detectVarianceSpike,
  normalizeVariance,
  type TradeSide,
} from '../../src/signals/helpers.js';

function near(t: ExecutionContext, actual: number, expected: number, tol = 1e-12): void {
  t.true(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

function nearAll(t: ExecutionContext, actual: number[], expected: number[], tol = 1e-12): void {
  t.is(actual.length, expected.length);
  actual.forEach((a, i) => near(t, a, expected[i], tol));
}

const distances = (tiers: { distance: number }[]): number[] => tiers.map((x) => x.distance);
const prices = (tiers: { price: number }[]): number[] => tiers.map((x) => x.price);

// ---- calculateConfidence: 1 / (1 + sqrt(v) / scale)

test('confidence: zero variance is full confidence', (t) => {
  t.is(calculateConfidence(0), 1);
});

test('confidence: spread equal to scale gives 1/2, twice the scale 1/3', (t) => {
  near(t, calculateConfidence(1e-4), 0.5);
  near(t, calculateConfidence(4e-4), 1 / 3);
});

test('confidence: custom scale', (t) => {
  near(t, calculateConfidence(4e-4, 0.02), 0.5);
  near(t, calculateConfidence(1e-4, 0.03), 0.75);
});

test('confidence: strictly decreasing in variance, inside (0, 1]', (t) => {
  const c = [0, 1e-6, 1e-4, 1e-2, 1, 1e6].map((v) => calculateConfidence(v));
  for (let i = 1; i < c.length; i++) t.true(c[i] < c[i - 1] && c[i] > 0);
});

test('confidence: NaN, negative and +Infinity variance give 0', (t) => {
  t.is(calculateConfidence(NaN), 0);
  t.is(calculateConfidence(-1e-4), 0);
  t.is(calculateConfidence(-Infinity), 0);
  t.is(calculateConfidence(Infinity), 0);
});

test('confidence: an invalid scale falls back to 0.01', (t) => {
  for (const scale of [0, -0.01, NaN, Infinity]) near(t, calculateConfidence(1e-4, scale), 0.5);
});

// ---- calculateSignalStrength: |2 pUp - 1| * confidence

test('strength: hand-computed values', (t) => {
  near(t, calculateSignalStrength(0.75, 1), 0.5);
  near(t, calculateSignalStrength(0.25, 0.8), 0.4);
  near(t, calculateSignalStrength(0.9, 0.5), 0.4);
});

test('strength: a coin flip has none, certainty has full confidence', (t) => {
  t.is(calculateSignalStrength(0.5, 1), 0);
  t.is(calculateSignalStrength(1, 1), 1);
  t.is(calculateSignalStrength(0, 0.5), 0.5);
});

test('strength: pUp NaN, infinite or outside [0, 1] gives 0', (t) => {
  for (const p of [NaN, Infinity, -Infinity, 1.2, -0.1]) t.is(calculateSignalStrength(p, 1), 0);
});

test('strength: confidence NaN, infinite or outside [0, 1] gives 0', (t) => {
  for (const c of [NaN, Infinity, -Infinity, 1.5, -0.5]) t.is(calculateSignalStrength(0.9, c), 0);
});

// ---- normalizeVariance: variance / median(history)

test('normalizeVariance: odd-length history', (t) => {
  t.is(normalizeVariance(2, [1, 2, 3]), 1);
  t.is(normalizeVariance(6, [3, 1, 2]), 3);
});

test('normalizeVariance: even-length history uses the mean of the middle two', (t) => {
  near(t, normalizeVariance(4, [1, 2, 3, 4]), 1.6);
});

test('normalizeVariance: works on a Float64Array history', (t) => {
  t.is(normalizeVariance(5, Float64Array.of(5, 10, 2.5)), 1);
});

test('normalizeVariance: empty history gives 1', (t) => {
  t.is(normalizeVariance(3, []), 1);
  t.is(normalizeVariance(3, new Float64Array(0)), 1);
});

test('normalizeVariance: NaN, infinite and negative history entries are ignored', (t) => {
  t.is(normalizeVariance(4, [NaN, 1, -5, Infinity, 3]), 2);
  t.is(normalizeVariance(4, [NaN, -1, Infinity]), 1);
});

test('normalizeVariance: a zero median gives 1', (t) => {
  t.is(normalizeVariance(0.5, [0, 0, 1]), 1);
});

test('normalizeVariance: NaN or negative variance gives 1, +Infinity gives +Infinity', (t) => {
  t.is(normalizeVariance(NaN, [1, 2, 3]), 1);
  t.is(normalizeVariance(-2, [1, 2, 3]), 1);
  t.is(normalizeVariance(Infinity, [1, 2, 3]), Infinity);
});

// ---- calculateProfitTargets

test('targets: long tiers sit at the predicted prices', (t) => {
  const tiers = calculateProfitTargets(100, [101, 102, 103], 1);
  nearAll(t, distances(tiers), [0.01, 0.02, 0.03]);
  nearAll(t, prices(tiers), [101, 102, 103], 1e-9);
  nearAll(t, tiers.map((x) => x.fraction), [1 / 3, 1 / 3, 1 / 3]);
});

test('targets: short tiers sit at the predicted prices below entry', (t) => {
  const tiers = calculateProfitTargets(100, [99, 98, 97], -1);
  nearAll(t, distances(tiers), [0.01, 0.02, 0.03]);
  nearAll(t, prices(tiers), [99, 98, 97], 1e-9);
});

test('targets: long tiers are forced monotonic (a nearer later tier is pushed out)', (t) => {
  const tiers = calculateProfitTargets(100, [103, 101, 102], 1);
  nearAll(t, distances(tiers), [0.03, 0.03, 0.03]);
  nearAll(t, prices(tiers), [103, 103, 103], 1e-9);
});

test('targets: short tiers are forced monotonic downwards', (t) => {
  const tiers = calculateProfitTargets(100, [98, 99, 97], -1);
  nearAll(t, distances(tiers), [0.02, 0.02, 0.03]);
  nearAll(t, prices(tiers), [98, 98, 97], 1e-9);
});

test('targets: long predictions at or below entry are lifted to the minimum distance', (t) => {
  const tiers = calculateProfitTargets(100, [99, 98, 100.05], 1);
  nearAll(t, distances(tiers), [0.001, 0.001, 0.001]);
  nearAll(t, prices(tiers), [100.1, 100.1, 100.1], 1e-9);
});

test('targets: short predictions at or above entry are pushed to the minimum distance', (t) => {
  const tiers = calculateProfitTargets(200, [201, 200, 199.9], -1);
  nearAll(t, distances(tiers), [0.001, 0.001, 0.001]);
  nearAll(t, prices(tiers), [199.8, 199.8, 199.8], 1e-9);
});

test('targets: custom minimum distance floors only the tiers below it', (t) => {
  const tiers = calculateProfitTargets(100, [101, 102, 103], 1, [1 / 3, 1 / 3, 1 / 3], 0.015);
  nearAll(t, distances(tiers), [0.015, 0.02, 0.03]);
});

test('targets: an invalid minimum distance falls back to 0.001', (t) => {
  for (const m of [NaN, -0.01, Infinity]) {
    nearAll(t, distances(calculateProfitTargets(100, [90, 90, 90], 1, undefined, m)), [0.001, 0.001, 0.001]);
  }
});

test('targets: a NaN, infinite or non-positive predicted price takes the floor', (t) => {
  nearAll(t, distances(calculateProfitTargets(100, [101, NaN, 103], 1)), [0.01, 0.01, 0.03]);
  nearAll(t, distances(calculateProfitTargets(100, [Infinity, -5, 0], 1)), [0.001, 0.001, 0.001]);
  nearAll(t, distances(calculateProfitTargets(100, [-Infinity, 98, 0], -1)), [0.001, 0.02, 0.02]);
});

test('targets: an invalid entry gives minimum-distance tiers with price 0', (t) => {
  for (const entry of [NaN, 0, -100, Infinity]) {
    const tiers = calculateProfitTargets(entry, [101, 102, 103], 1);
    t.deepEqual(distances(tiers), [0.001, 0.001, 0.001]);
    t.deepEqual(prices(tiers), [0, 0, 0]);
  }
});

test('targets: custom fractions are carried to the tiers', (t) => {
  const tiers = calculateProfitTargets(100, [101, 102, 103], 1, [0.5, 0.3, 0.2]);
  t.deepEqual(tiers.map((x) => x.fraction), [0.5, 0.3, 0.2]);
});

test('targets: fractions within 1e-9 of summing to 1 are accepted', (t) => {
  const tiers = calculateProfitTargets(100, [101, 102, 103], 1, [0.5, 0.25, 0.25 + 5e-10]);
  t.is(tiers[2].fraction, 0.25 + 5e-10);
});

test('targets: fractions not summing to 1 throw, naming the fractions and the sum', (t) => {
  const e = t.throws(() => calculateProfitTargets(100, [101, 102, 103], 1, [0.5, 0.5, 0.5]), { instanceOf: RangeError });
  t.regex(e!.message, /fractions must sum to 1 \(tolerance 1e-9\), got \[0\.5, 0\.5, 0\.5\] summing to 1\.5/);
  t.throws(() => calculateProfitTargets(100, [101, 102, 103], 1, [0.5, 0.25, 0.25 + 2e-9]), { message: /sum to 1/ });
});

test('targets: a fraction outside [0, 1] throws even when the sum is 1', (t) => {
  t.throws(() => calculateProfitTargets(100, [101, 102, 103], 1, [1.5, -0.5, 0]), {
    instanceOf: RangeError,
    message: /fractions\[0\] must be a number in \[0, 1\], got 1\.5/,
  });
  t.throws(() => calculateProfitTargets(100, [101, 102, 103], 1, [NaN, 0.5, 0.5]), { message: /fractions\[0\].*got NaN/ });
});

test('targets: wrong array lengths throw naming the array', (t) => {
  t.throws(() => calculateProfitTargets(100, [101, 102], 1), {
    instanceOf: RangeError,
    message: /predictedPrices must have exactly 3 entries .* got length 2/,
  });
  t.throws(() => calculateProfitTargets(100, [101, 102, 103], 1, [0.25, 0.25, 0.25, 0.25]), {
    message: /fractions must have exactly 3 entries .* got length 4/,
  });
});

test('targets: a side other than +1/-1 throws', (t) => {
  t.throws(() => calculateProfitTargets(100, [101, 102, 103], 0 as TradeSide), {
    instanceOf: RangeError,
    message: 'side must be 1 (long) or -1 (short), got 0',
  });
});

// ---- calculateDynamicStopLoss: clamp(k sigma, min, max)

test('stop: long stop k sigma below entry', (t) => {
  const s = calculateDynamicStopLoss(100, 0.01, 1);
  near(t, s.distance, 0.02);
  near(t, s.price, 98, 1e-9);
});

test('stop: short stop k sigma above entry', (t) => {
  const s = calculateDynamicStopLoss(100, 0.01, -1);
  near(t, s.distance, 0.02);
  near(t, s.price, 102, 1e-9);
});

test('stop: clamped at the minimum distance', (t) => {
  const s = calculateDynamicStopLoss(100, 0.001, 1);
  t.is(s.distance, 0.005);
  near(t, s.price, 99.5, 1e-9);
});

test('stop: clamped at the maximum distance, both sides', (t) => {
  const long = calculateDynamicStopLoss(100, 0.2, 1);
  const short = calculateDynamicStopLoss(100, 0.2, -1);
  t.is(long.distance, 0.1);
  near(t, long.price, 90, 1e-9);
  near(t, short.price, 110, 1e-9);
});

test('stop: custom k, min and max', (t) => {
  near(t, calculateDynamicStopLoss(50, 0.01, 1, 3, 0.01, 0.05).distance, 0.03);
  t.is(calculateDynamicStopLoss(50, 0.001, 1, 3, 0.01, 0.05).distance, 0.01);
  t.is(calculateDynamicStopLoss(50, 0.1, 1, 3, 0.01, 0.05).distance, 0.05);
});

test('stop: zero sigma gives the minimum distance', (t) => {
  t.is(calculateDynamicStopLoss(100, 0, 1).distance, 0.005);
});

test('stop: NaN, negative or infinite sigma gives the widest stop', (t) => {
  for (const sigma of [NaN, -0.01, Infinity]) t.is(calculateDynamicStopLoss(100, sigma, -1).distance, 0.1);
});

test('stop: k = 0 gives the minimum distance even for infinite sigma', (t) => {
  t.is(calculateDynamicStopLoss(100, Infinity, 1, 0).distance, 0.005);
});

test('stop: invalid k, min or max fall back to their defaults', (t) => {
  near(t, calculateDynamicStopLoss(100, 0.01, 1, NaN).distance, 0.02);
  near(t, calculateDynamicStopLoss(100, 0.01, 1, -2).distance, 0.02);
  t.is(calculateDynamicStopLoss(100, 0.001, 1, 2, 0).distance, 0.005);
  t.is(calculateDynamicStopLoss(100, 0.5, 1, 2, 0.005, Infinity).distance, 0.1);
});

test('stop: min above max gives max', (t) => {
  t.is(calculateDynamicStopLoss(100, 0.01, 1, 2, 0.2, 0.1).distance, 0.1);
});

test('stop: an invalid entry gives price 0 but a valid distance', (t) => {
  for (const entry of [NaN, 0, -1, Infinity]) t.deepEqual(calculateDynamicStopLoss(entry, 0.01, 1), { price: 0, distance: 0.02 });
});

test('stop: a side other than +1/-1 throws', (t) => {
  t.throws(() => calculateDynamicStopLoss(100, 0.01, 2 as TradeSide), { instanceOf: RangeError, message: /side must be 1 .* got 2/ });
});

// ---- calculatePositionSizeMultiplier: clamp(conf * strength * (agree ? 1 : 0.5), min, max)

test('size: confidence times strength when the horizons agree', (t) => {
  near(t, calculatePositionSizeMultiplier(0.5, 0.4, true), 0.2);
});

test('size: halved when the horizons disagree', (t) => {
  near(t, calculatePositionSizeMultiplier(0.5, 0.4, false), 0.1);
});

test('size: zero confidence gives zero size', (t) => {
  t.is(calculatePositionSizeMultiplier(0, 0.9, true), 0);
});

test('size: clamped to min and max', (t) => {
  t.is(calculatePositionSizeMultiplier(0.1, 0.1, true, 0.05), 0.05);
  t.is(calculatePositionSizeMultiplier(1, 1, true, 0, 0.5), 0.5);
});

test('size: NaN or negative inputs count as 0, values above 1 as 1', (t) => {
  t.is(calculatePositionSizeMultiplier(NaN, 0.5, true), 0);
  t.is(calculatePositionSizeMultiplier(0.5, -0.5, true), 0);
  near(t, calculatePositionSizeMultiplier(Infinity, 0.3, true), 0.3);
  near(t, calculatePositionSizeMultiplier(0.4, 7, true), 0.4);
  t.is(calculatePositionSizeMultiplier(Infinity, 0, true), 0);
});

test('size: min above max gives max; invalid bounds fall back to 0 and 1', (t) => {
  t.is(calculatePositionSizeMultiplier(0.5, 0.5, true, 0.8, 0.6), 0.6);
  t.is(calculatePositionSizeMultiplier(0.5, 0.5, true, NaN, -1), 0.25);
});

// ---- checkMultiHorizonAgreement

test('agreement: all three horizons long', (t) => {
  t.deepEqual(checkMultiHorizonAgreement([0.6, 0.7, 0.8]), { side: 1, agreed: true, fraction: 1 });
});

test('agreement: all three horizons short', (t) => {
  t.deepEqual(checkMultiHorizonAgreement([0.2, 0.3, 0.4]), { side: -1, agreed: true, fraction: 1 });
});

test('agreement: two of three is not enough by default, enough with minAgree 2', (t) => {
  t.deepEqual(checkMultiHorizonAgreement([0.6, 0.4, 0.8]), { side: 0, agreed: false, fraction: 2 / 3 });
  t.deepEqual(checkMultiHorizonAgreement([0.6, 0.4, 0.8], 0.5, 2), { side: 1, agreed: true, fraction: 2 / 3 });
  t.deepEqual(checkMultiHorizonAgreement([0.3, 0.4, 0.8], 0.5, 2), { side: -1, agreed: true, fraction: 2 / 3 });
});

test('agreement: a pUp exactly at the threshold abstains', (t) => {
  t.deepEqual(checkMultiHorizonAgreement([0.5, 0.6, 0.7]), { side: 0, agreed: false, fraction: 2 / 3 });
});

test('agreement: threshold 0.6 votes long above 0.6 and short below 0.4', (t) => {
  t.is(checkMultiHorizonAgreement([0.65, 0.7, 0.55], 0.6).side, 0);
  t.is(checkMultiHorizonAgreement([0.65, 0.7, 0.61], 0.6).side, 1);
  t.is(checkMultiHorizonAgreement([0.39, 0.1, 0.41], 0.6).side, 0);
  t.is(checkMultiHorizonAgreement([0.39, 0.1, 0.3], 0.6).side, -1);
});

test('agreement: a tie between long and short agrees on nothing', (t) => {
  t.deepEqual(checkMultiHorizonAgreement([0.6, 0.4, 0.5], 0.5, 1), { side: 0, agreed: false, fraction: 1 / 3 });
});

test('agreement: NaN and out-of-range pUps abstain', (t) => {
  t.deepEqual(checkMultiHorizonAgreement([NaN, 1.5, 0.7], 0.5, 1), { side: 1, agreed: true, fraction: 1 / 3 });
  t.deepEqual(checkMultiHorizonAgreement([NaN, -Infinity, Infinity]), { side: 0, agreed: false, fraction: 0 });
});

test('agreement: invalid threshold falls back to 0.5, invalid minAgree to 3', (t) => {
  // Taken literally, 0.3 would count these as long votes and 1 or NaN as abstentions.
  for (const th of [0.3, NaN, 1]) t.is(checkMultiHorizonAgreement([0.45, 0.4, 0.35], th).side, -1);
  for (const m of [0, 4, 2.5, NaN]) {
    t.is(checkMultiHorizonAgreement([0.6, 0.4, 0.8], 0.5, m).side, 0);
    t.is(checkMultiHorizonAgreement([0.6, 0.7, 0.8], 0.5, m).side, 1);
  }
});

test('agreement: accepts a Float64Array and rejects other lengths', (t) => {
  t.is(checkMultiHorizonAgreement(Float64Array.of(0.1, 0.2, 0.3)).side, -1);
  t.throws(() => checkMultiHorizonAgreement([0.6, 0.7]), { instanceOf: RangeError, message: /pUps must have exactly 3 entries .* got length 2/ });
});

// ---- detectVarianceSpike: variance > k * median(last window of history)

test('spike: above k times the median is a spike, equal is not', (t) => {
  const h = [1, 1, 1, 1];
  t.true(detectVarianceSpike(3.5, h));
  t.false(detectVarianceSpike(3, h));
});

test('spike: empty history is never a spike', (t) => {
  t.false(detectVarianceSpike(1e9, []));
});

test('spike: only the last window values form the baseline', (t) => {
  const h = [10, 10, 10, 1, 1];
  t.true(detectVarianceSpike(3.5, h, 2));
  t.false(detectVarianceSpike(3.5, h, 5));
});

test('spike: the default window is 50', (t) => {
  // 50 ones after 60 hundreds: the window sees only the ones.
  const h = [...new Array<number>(60).fill(100), ...new Array<number>(50).fill(1)];
  t.true(detectVarianceSpike(4, h));
  t.false(detectVarianceSpike(4, h, 110));
});

test('spike: custom k', (t) => {
  t.false(detectVarianceSpike(4, [1, 1, 1], 50, 5));
  t.true(detectVarianceSpike(6, [1, 1, 1], 50, 5));
});

test('spike: even-length window uses the mean of the middle two', (t) => {
  // median of [1, 2, 3, 4] = 2.5, 3 * 2.5 = 7.5
  t.false(detectVarianceSpike(7.5, [4, 1, 3, 2]));
  t.true(detectVarianceSpike(7.6, [4, 1, 3, 2]));
});

test('spike: NaN, negative or infinite variance counts as a spike', (t) => {
  for (const v of [NaN, -1, Infinity]) t.true(detectVarianceSpike(v, [1, 1, 1]));
});

test('spike: invalid history entries are ignored; none usable means no spike', (t) => {
  t.true(detectVarianceSpike(7, [NaN, -1, Infinity, 2]));
  t.false(detectVarianceSpike(5, [NaN, -1, Infinity, 2]));
  t.false(detectVarianceSpike(5, [NaN, -1, Infinity]));
});

test('spike: a zero median makes any positive variance a spike', (t) => {
  t.true(detectVarianceSpike(1e-12, [0, 0, 0]));
  t.false(detectVarianceSpike(0, [0, 0, 0]));
});

test('spike: invalid window falls back to 50, invalid k to 3', (t) => {
  const h = [...new Array<number>(60).fill(100), ...new Array<number>(50).fill(1)];
  for (const w of [0, 1.5, NaN, -3]) t.true(detectVarianceSpike(4, h, w));
  for (const k of [0, NaN, -1, Infinity]) {
    t.false(detectVarianceSpike(3, [1, 1, 1], 50, k));
    t.true(detectVarianceSpike(3.1, [1, 1, 1], 50, k));
  }
});
