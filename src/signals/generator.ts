/**
 * SignalGenerator (SPEC §8): per-bar model predictions for horizons h0, h1, h2 -> columnar
 * SignalArrays for the backtesters. Decisions at bar t read only bar t's predictions and the
 * h1 variance of bars <= t, so a signal never depends on the future.
 */
import { emptySignalArrays } from './align.js';
import {
  HORIZON_COUNT,
  calculateConfidence,
  calculateDynamicStopLoss,
  calculatePositionSizeMultiplier,
  calculateProfitTargets,
  calculateSignalStrength,
  checkMultiHorizonAgreement,
  detectVarianceSpike,
} from './helpers.js';
import { expectedMove } from './costs.js';
import { resolveSignalOptions, type SignalOptions } from './options.js';
import type { SignalArrays } from './types.js';

/** One Float64Array per horizon: index 0 = h0, 1 = h1, 2 = h2. */
export type PerHorizon = readonly [Float64Array, Float64Array, Float64Array];

/** Columnar predictions, every array of length n (one entry per bar). */
export interface SignalInput {
  /** Bar closes: the entry reference price of a signal decided at that bar. */
  close: Float64Array;
  /** Direction probability P(return > 0) per horizon. */
  pUp: PerHorizon;
  /** Predicted unscaled log return per horizon. */
  predictedReturn: PerHorizon;
  /** Predicted variance of the unscaled return per horizon. */
  variance: PerHorizon;
}

/**
 * What happened to every bar. Each bar lands in exactly one bucket: skipped, no h1 direction
 * (the remainder), suppressed (by the first gate that failed, in the order disagreement,
 * variance spike, zero size, costs), long or short.
 */
export interface SignalReport {
  bars: number;
  longs: number;
  shorts: number;
  suppressedDisagreement: number;
  suppressedSpike: number;
  /** Signals whose size multiplier came out 0: nothing to trade, so no signal. */
  suppressedZeroSize: number;
  /** Signals whose expected move does not exceed the round-trip cost by the cost margin. */
  suppressedCost: number;
  /**
   * Bars with an unusable prediction or close: NaN or ±Infinity anywhere, a pUp outside
   * [0, 1], a negative variance, or a close <= 0.
   */
  skippedInvalid: number;
}

export interface SignalResult {
  signals: SignalArrays;
  report: SignalReport;
}

export class SignalGenerator {
  readonly options: SignalOptions;

  /** Throws naming the option when an override is invalid (see resolveSignalOptions). */
  constructor(options: Partial<SignalOptions> = {}) {
    this.options = resolveSignalOptions(options);
  }

  /**
   * Side from h1's pUp beyond entryThreshold, kept when the horizons agree on it (or at half
   * size with requireAgreement false), h1 variance is not spiking against its last
   * spikeWindow bars (up to and including this one) and the expected move (costs.ts) exceeds
   * roundTripCost * (1 + costMargin). Stop from sqrt(h1 variance), targets at
   * close * exp(predictedReturn) for h0, h1, h2, at least max(targetMinDistance,
   * roundTripCost) from entry, size from h1 confidence and strength.
   * Throws TypeError/RangeError naming the field when an array is missing or its length
   * differs from close's.
   */
  generate(input: SignalInput): SignalResult {
    const n = checkInput(input);
    const o = this.options;
    const { close, pUp, predictedReturn, variance } = input;
    const signals = emptySignalArrays(n);
    const report: SignalReport = {
      bars: n, longs: 0, shorts: 0,
      suppressedDisagreement: 0, suppressedSpike: 0, suppressedZeroSize: 0, suppressedCost: 0, skippedInvalid: 0,
    };
    const targetFloor = Math.max(o.targetMinDistance, o.roundTripCost);
    const costBar = o.roundTripCost * (1 + o.costMargin);
    // Reused per bar; the helpers read them and keep no reference.
    const votes = [0, 0, 0];
    const predictedPrices = [0, 0, 0];
    const v1History = variance[1];

    for (let t = 0; t < n; t++) {
      if (!isUsableBar(input, t)) {
        report.skippedInvalid++;
        continue;
      }
      const p1 = pUp[1][t];
      const side = p1 > o.entryThreshold ? 1 : p1 < 1 - o.entryThreshold ? -1 : 0;
      if (side === 0) continue;

      for (let h = 0; h < HORIZON_COUNT; h++) votes[h] = pUp[h][t];
      const agreed = checkMultiHorizonAgreement(votes, o.agreementThreshold, o.minAgree).side === side;
      if (!agreed && o.requireAgreement) {
        report.suppressedDisagreement++;
        continue;
      }
      const v1 = v1History[t];
      const window = v1History.subarray(Math.max(0, t - o.spikeWindow + 1), t + 1);
      if (detectVarianceSpike(v1, window, o.spikeWindow, o.spikeK)) {
        report.suppressedSpike++;
        continue;
      }
      const confidence = calculateConfidence(v1, o.confidenceScale);
      const strength = calculateSignalStrength(p1, confidence);
      const size = calculatePositionSizeMultiplier(confidence, strength, agreed, o.sizeMin, o.sizeMax);
      if (size === 0) {
        report.suppressedZeroSize++;
        continue;
      }

      const c = close[t];
      for (let h = 0; h < HORIZON_COUNT; h++) predictedPrices[h] = c * Math.exp(predictedReturn[h][t]);
      const targets = calculateProfitTargets(c, predictedPrices, side, o.targetFractions, targetFloor);
      const pSide = side === 1 ? p1 : 1 - p1;
      if (!(expectedMove(pSide, targets.map((x) => x.distance), o.targetFractions) > costBar)) {
        report.suppressedCost++;
        continue;
      }
      signals.side[t] = side;
      signals.stopDistance[t] = calculateDynamicStopLoss(c, Math.sqrt(v1), side, o.stopK, o.stopMin, o.stopMax).distance;
      for (let i = 0; i < HORIZON_COUNT; i++) signals.targetDistance[i][t] = targets[i].distance;
      signals.size[t] = size;
      if (side === 1) report.longs++;
      else report.shorts++;
    }
    return { signals, report };
  }
}

function isUsableBar(input: SignalInput, t: number): boolean {
  const c = input.close[t];
  if (!(c > 0 && c < Infinity)) return false;
  for (let h = 0; h < HORIZON_COUNT; h++) {
    const p = input.pUp[h][t];
    const v = input.variance[h][t];
    if (!(p >= 0 && p <= 1) || !Number.isFinite(input.predictedReturn[h][t]) || !(v >= 0 && v < Infinity)) return false;
  }
  return true;
}

/** Returns n (close's length) or throws naming the malformed field. */
function checkInput(input: SignalInput): number {
  if (input === null || typeof input !== 'object') {
    throw new TypeError(`predictions must be an object { close, pUp, predictedReturn, variance }, got ${input === null ? 'null' : typeof input}`);
  }
  if (!(input.close instanceof Float64Array)) {
    throw new TypeError(`predictions.close must be a Float64Array, got ${describe(input.close)}`);
  }
  const n = input.close.length;
  for (const key of ['pUp', 'predictedReturn', 'variance'] as const) {
    const perHorizon: unknown = input[key];
    if (!Array.isArray(perHorizon) || perHorizon.length !== HORIZON_COUNT) {
      throw new TypeError(`predictions.${key} must be an array of ${HORIZON_COUNT} Float64Arrays (h0, h1, h2), got ${describe(perHorizon)}`);
    }
    perHorizon.forEach((a: unknown, h) => {
      if (!(a instanceof Float64Array)) {
        throw new TypeError(`predictions.${key}[${h}] must be a Float64Array, got ${describe(a)}`);
      }
      if (a.length !== n) {
        throw new RangeError(`predictions.${key}[${h}] has length ${a.length}, expected ${n} (the length of predictions.close)`);
      }
    });
  }
  return n;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}
