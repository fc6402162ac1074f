/**
 * The eight signal helper functions of SPEC §8: pure and total. Bad numeric inputs (NaN,
 * ±Infinity, negatives where the quantity cannot be negative) map to a documented safe value
 * instead of throwing, and nothing here returns NaN. A tuning parameter (scale, k, window,
 * clamp bounds, ...) that is non-finite or outside its domain falls back to its default, so a
 * helper never mixes a broken parameter into a result; the generator validates options up
 * front and reports bad ones as errors. The only throws are shape/contract errors: wrong array
 * lengths, a side other than +1/-1, and target fractions that are not a distribution.
 */

/** +1 long, -1 short. */
export type TradeSide = 1 | -1;

/** One profit-target tier. */
export interface ProfitTier {
  /** Target price; 0 when `entry` was not a finite positive price (no usable price). */
  price: number;
  /** Distance from entry in the trade's favour, as a fraction of entry (>= minDistance). */
  distance: number;
  /** Fraction of the position this tier exits. */
  fraction: number;
}

export interface StopLoss {
  /** Stop price; 0 when `entry` was not a finite positive price (no usable price). */
  price: number;
  /** Distance from entry against the trade, as a fraction of entry, in [min, max]. */
  distance: number;
}

export interface HorizonAgreement {
  /** The side at least `minAgree` horizons vote for, 0 when there is none. */
  side: TradeSide | 0;
  /** `side !== 0`. */
  agreed: boolean;
  /** Share of the horizons voting for the majority side (0 when every horizon abstains). */
  fraction: number;
}

export const HORIZON_COUNT = 3;
export const FRACTION_SUM_TOLERANCE = 1e-9;

/**
 * `1 / (1 + sqrt(variance) / scale)`, in (0, 1] for a finite variance >= 0 (1 at variance 0,
 * 1/2 when the predicted spread equals `scale`); exactly 0 only when sqrt(variance) / scale
 * overflows.
 * Safe values: variance NaN or negative -> 0 (no trust in a broken variance head);
 * +Infinity -> 0. A `scale` that is not a finite number > 0 -> 0.01.
 */
export function calculateConfidence(variance: number, scale = 0.01): number {
  if (Number.isNaN(variance) || variance < 0) return 0;
  const s = positiveOr(scale, 0.01);
  return 1 / (1 + Math.sqrt(variance) / s);
}

/**
 * `|2 pUp - 1| * confidence`, in [0, 1]: how far the direction probability is from a coin
 * flip, discounted by confidence.
 * Safe values: pUp or confidence NaN, ±Infinity or outside [0, 1] -> 0 (no strength).
 */
export function calculateSignalStrength(pUp: number, confidence: number): number {
  if (!inUnit(pUp) || !inUnit(confidence)) return 0;
  return Math.abs(2 * pUp - 1) * confidence;
}

/**
 * `variance / median(history)`: the current variance relative to its recent typical level.
 * History entries that are NaN, ±Infinity or negative are ignored.
 * Safe values: no usable history, or a median of 0 -> 1 (no baseline, so "typical");
 * variance NaN or negative -> 1; variance +Infinity -> +Infinity.
 */
export function normalizeVariance(variance: number, history: ArrayLike<number>): number {
  if (Number.isNaN(variance) || variance < 0) return 1;
  const m = medianOfValid(history, 0, history.length);
  if (m === null || m === 0) return 1;
  return variance / m;
}

/**
 * Three profit-target tiers, tier i at the predicted price of horizon h_i, then forced to be
 * monotonic in the trade's favour (each tier at least as far from entry as the one before,
 * non-decreasing, so a tier never fills before a nearer one) and at least `minDistance` (a
 * fraction of entry) from entry.
 * Safe values: a predicted price that is NaN, ±Infinity or <= 0 carries no information and
 * its tier sits at the floor (the previous tier's distance, or `minDistance`); `entry` NaN,
 * ±Infinity or <= 0 -> every tier at `minDistance` with price 0. A `minDistance` that is not
 * a finite number >= 0 -> 0.001.
 * Throws RangeError when `predictedPrices` or `fractions` does not have 3 entries, when a
 * fraction is outside [0, 1], when the fractions do not sum to 1 within 1e-9, or when `side`
 * is not +1 or -1.
 */
export function calculateProfitTargets(
  entry: number,
  predictedPrices: ArrayLike<number>,
  side: TradeSide,
  fractions: ArrayLike<number> = [1 / 3, 1 / 3, 1 / 3],
  minDistance = 0.001,
): [ProfitTier, ProfitTier, ProfitTier] {
  assertLength('predictedPrices', predictedPrices, HORIZON_COUNT);
  assertTargetFractions(fractions);
  assertSide(side);
  const floor = nonNegativeOr(minDistance, 0.001);
  const entryOk = isPositivePrice(entry);
  let previous = floor;
  const tier = (i: number): ProfitTier => {
    const p = predictedPrices[i];
    const raw = entryOk && isPositivePrice(p) ? (side * (p - entry)) / entry : -Infinity;
    previous = Math.max(previous, raw);
    return { price: entryOk ? entry * (1 + side * previous) : 0, distance: previous, fraction: fractions[i] };
  };
  return [tier(0), tier(1), tier(2)];
}

/**
 * Stop at distance `clamp(k * sigma, min, max)` (fractions of entry) below entry for a long,
 * above for a short.
 * Safe values: sigma NaN or negative (volatility unknown) -> treated like +Infinity, i.e. the
 * widest stop `max`; sigma 0 -> `min`; `entry` NaN, ±Infinity or <= 0 -> price 0.
 * Parameters that are not finite numbers in their domain fall back: `k` (>= 0) -> 2, `min`
 * (> 0, so a stop never sits at entry) -> 0.005, `max` (> 0) -> 0.10; when min > max the
 * distance is max (the upper clamp applies last).
 * Throws RangeError when `side` is not +1 or -1.
 */
export function calculateDynamicStopLoss(
  entry: number,
  sigma: number,
  side: TradeSide,
  k = 2,
  min = 0.005,
  max = 0.1,
): StopLoss {
  assertSide(side);
  const kk = nonNegativeOr(k, 2);
  const s = Number.isNaN(sigma) || sigma < 0 ? Infinity : sigma;
  // k * sigma is NaN only for 0 * Infinity; a zero multiplier means "no volatility term".
  const spread = kk === 0 ? 0 : kk * s;
  const distance = clamp(spread, positiveOr(min, 0.005), positiveOr(max, 0.1));
  return { price: isPositivePrice(entry) ? entry * (1 - side * distance) : 0, distance };
}

/**
 * `clamp(confidence * strength * (agreement ? 1 : 0.5), min, max)`: the notional multiplier,
 * halved when the horizons disagree.
 * Safe values: confidence or strength NaN or negative -> 0; above 1 (including +Infinity)
 * -> 1, both being [0, 1] quantities. `min` or `max` that is not a finite number >= 0 -> its
 * default (0, 1); when min > max the result is max.
 */
export function calculatePositionSizeMultiplier(
  confidence: number,
  strength: number,
  agreement: boolean,
  min = 0,
  max = 1,
): number {
  const raw = clampUnit(confidence) * clampUnit(strength) * (agreement ? 1 : 0.5);
  return clamp(raw, nonNegativeOr(min, 0), nonNegativeOr(max, 1));
}

/**
 * Multi-horizon vote: a horizon votes long when pUp > threshold, short when
 * pUp < 1 - threshold, and abstains in between; the side with more votes is agreed when it
 * has at least `minAgree` of them. Votes are counted as integers, so there is no floating-point
 * comparison of fractions.
 * Safe values: a pUp that is NaN, ±Infinity or outside [0, 1] abstains; `threshold` outside
 * [0.5, 1) -> 0.5; `minAgree` not an integer in [1, 3] -> 3.
 * Throws RangeError when `pUps` does not have 3 entries.
 */
export function checkMultiHorizonAgreement(
  pUps: ArrayLike<number>,
  threshold = 0.5,
  minAgree = 3,
): HorizonAgreement {
  assertLength('pUps', pUps, HORIZON_COUNT);
  const t = threshold >= 0.5 && threshold < 1 ? threshold : 0.5;
  const need = Number.isInteger(minAgree) && minAgree >= 1 && minAgree <= HORIZON_COUNT ? minAgree : HORIZON_COUNT;
  let longs = 0;
  let shorts = 0;
  for (let i = 0; i < HORIZON_COUNT; i++) {
    const p = pUps[i];
    if (!inUnit(p)) continue;
    if (p > t) longs++;
    else if (p < 1 - t) shorts++;
  }
  const votes = Math.max(longs, shorts);
  const side: TradeSide | 0 = votes < need || longs === shorts ? 0 : longs > shorts ? 1 : -1;
  return { side, agreed: side !== 0, fraction: votes / HORIZON_COUNT };
}

/**
 * True when `variance > k * median(last window entries of history)`. The caller decides what
 * the history holds (the generator passes the bars up to and including the current one).
 * History entries that are NaN, ±Infinity or negative are ignored.
 * Safe values: no usable history in the window -> false (no baseline to spike against);
 * variance NaN, +Infinity or negative -> true (an unusable variance is treated as a spike so
 * callers stand aside). A `window` that is not an integer >= 1 -> 50; a `k` that is not a finite
 * number > 0 -> 3.
 */
export function detectVarianceSpike(
  variance: number,
  history: ArrayLike<number>,
  window = 50,
  k = 3,
): boolean {
  if (!(variance >= 0 && variance < Infinity)) return true;
  const w = Number.isInteger(window) && window >= 1 ? window : 50;
  const m = medianOfValid(history, Math.max(0, history.length - w), history.length);
  return m !== null && variance > positiveOr(k, 3) * m;
}

function medianOfValid(values: ArrayLike<number>, from: number, to: number): number | null {
  const valid: number[] = [];
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (v >= 0 && v < Infinity) valid.push(v);
  }
  if (valid.length === 0) return null;
  valid.sort((a, b) => a - b);
  const mid = valid.length >> 1;
  return valid.length % 2 === 1 ? valid[mid] : (valid[mid - 1] + valid[mid]) / 2;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

function clampUnit(x: number): number {
  return Number.isNaN(x) || x < 0 ? 0 : Math.min(x, 1);
}

function inUnit(x: number): boolean {
  return x >= 0 && x <= 1;
}

function isPositivePrice(x: number): boolean {
  return x > 0 && x < Infinity;
}

function positiveOr(x: number, fallback: number): number {
  return x > 0 && x < Infinity ? x : fallback;
}

function nonNegativeOr(x: number, fallback: number): number {
  return x >= 0 && x < Infinity ? x : fallback;
}

function assertLength(name: string, a: ArrayLike<number>, n: number): void {
  if (a == null || typeof a.length !== 'number' || a.length !== n) {
    throw new RangeError(`${name} must have exactly ${n} entries (one per horizon h0, h1, h2), got ${a == null ? String(a) : `length ${a.length}`}`);
  }
}

function assertSide(side: number): void {
  if (side !== 1 && side !== -1) {
    throw new RangeError(`side must be 1 (long) or -1 (short), got ${side}`);
  }
}

/**
 * Throws RangeError naming `name` unless `fractions` has 3 entries, each in [0, 1], summing to
 * 1 within FRACTION_SUM_TOLERANCE. Shared with option validation so both give one message.
 */
export function assertTargetFractions(fractions: ArrayLike<number>, name = 'fractions'): void {
  assertLength(name, fractions, HORIZON_COUNT);
  let sum = 0;
  for (let i = 0; i < HORIZON_COUNT; i++) {
    const f = fractions[i];
    if (!(typeof f === 'number' && inUnit(f))) {
      throw new RangeError(`${name}[${i}] must be a number in [0, 1], got ${f} (${name} ${formatList(fractions)})`);
    }
    sum += f;
  }
  if (Math.abs(sum - 1) > FRACTION_SUM_TOLERANCE) {
    throw new RangeError(`${name} must sum to 1 (tolerance ${FRACTION_SUM_TOLERANCE}), got ${formatList(fractions)} summing to ${sum}`);
  }
}

function formatList(a: ArrayLike<number>): string {
  return `[${Array.from(a).join(', ')}]`;
}
