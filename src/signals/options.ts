/**
 * Signal-generator options (SPEC §8) with their defaults and validation. Flat, so a config
 * section `signals:` maps onto it key for key and a partial override is a shallow merge.
 */
import { assertTargetFractions } from './helpers.js';

export interface SignalOptions {
  /** Long when the h1 direction probability is > entryThreshold, short when < 1 - entryThreshold; in [0.5, 1). */
  entryThreshold: number;
  /** Per-horizon vote threshold for the agreement check (long > t, short < 1 - t); in [0.5, 1). */
  agreementThreshold: number;
  /** Horizons (of 3) that must vote for the h1 side; integer in [1, 3]. */
  minAgree: number;
  /**
   * true: a signal the horizons do not agree on is suppressed. false: it is kept at half size
   * (the SPEC's disagreement factor in calculatePositionSizeMultiplier).
   */
  requireAgreement: boolean;
  /** Bars of h1 variance (ending at the current bar) whose median is the spike baseline; integer >= 1. */
  spikeWindow: number;
  /** A spike is h1 variance > spikeK * that median; > 0. */
  spikeK: number;
  /** Stop distance = clamp(stopK * sqrt(h1 variance), stopMin, stopMax); stopK >= 0. */
  stopK: number;
  /** Smallest stop distance, fraction of entry; > 0. */
  stopMin: number;
  /** Largest stop distance, fraction of entry; >= stopMin. */
  stopMax: number;
  /** Smallest profit-target distance, fraction of entry; >= 0. Targets are also never nearer than roundTripCost. */
  targetMinDistance: number;
  /**
   * Cost of a round trip as a fraction of notional (roundTripCost in costs.ts: 2 x fee +
   * slippage); >= 0. Targets sit at least this far from entry, and a signal is kept only when
   * its expectedMove exceeds roundTripCost * (1 + costMargin).
   */
  roundTripCost: number;
  /** Headroom over the round-trip cost the expected move must have, as a multiple of it; >= 0. */
  costMargin: number;
  /** Share of the position each target tier exits; each in [0, 1], summing to 1. */
  targetFractions: [number, number, number];
  /** Return spread at which confidence is 1/2 (calculateConfidence's scale); > 0. */
  confidenceScale: number;
  /** Size multiplier bounds; 0 <= sizeMin <= sizeMax. */
  sizeMin: number;
  sizeMax: number;
}

export const DEFAULT_SIGNAL_OPTIONS: Readonly<SignalOptions> = Object.freeze({
  entryThreshold: 0.55,
  agreementThreshold: 0.5,
  minAgree: 3,
  requireAgreement: true,
  spikeWindow: 50,
  spikeK: 3,
  stopK: 2,
  stopMin: 0.005,
  stopMax: 0.1,
  targetMinDistance: 0.001,
  roundTripCost: 0.0025, // the backtest defaults: 2 x 10 bps fee + 5 bps slippage
  costMargin: 0.5,
  targetFractions: Object.freeze([1 / 3, 1 / 3, 1 / 3]) as [number, number, number],
  confidenceScale: 0.01,
  sizeMin: 0,
  sizeMax: 1,
});

type NumericKey = Exclude<keyof SignalOptions, 'requireAgreement' | 'targetFractions'>;

/** What each numeric option allows, in words for the error and as a predicate. */
const NUMERIC_RULES: Record<NumericKey, [string, (x: number) => boolean]> = {
  entryThreshold: ['a number in [0.5, 1)', (x) => x >= 0.5 && x < 1],
  agreementThreshold: ['a number in [0.5, 1)', (x) => x >= 0.5 && x < 1],
  minAgree: ['an integer in [1, 3]', (x) => Number.isInteger(x) && x >= 1 && x <= 3],
  spikeWindow: ['an integer >= 1', (x) => Number.isInteger(x) && x >= 1],
  spikeK: ['a finite number > 0', (x) => x > 0 && x < Infinity],
  stopK: ['a finite number >= 0', (x) => x >= 0 && x < Infinity],
  stopMin: ['a finite number > 0', (x) => x > 0 && x < Infinity],
  stopMax: ['a finite number > 0', (x) => x > 0 && x < Infinity],
  targetMinDistance: ['a finite number >= 0', (x) => x >= 0 && x < Infinity],
  roundTripCost: ['a finite number >= 0', (x) => x >= 0 && x < Infinity],
  costMargin: ['a finite number >= 0', (x) => x >= 0 && x < Infinity],
  confidenceScale: ['a finite number > 0', (x) => x > 0 && x < Infinity],
  sizeMin: ['a finite number >= 0', (x) => x >= 0 && x < Infinity],
  sizeMax: ['a finite number >= 0', (x) => x >= 0 && x < Infinity],
};

/**
 * Defaults overlaid with `overrides`, validated. Throws TypeError/RangeError naming the option
 * (`signals.<key>`), its value and what is allowed; unknown keys are errors too, so a typo
 * never silently falls back to a default.
 */
export function resolveSignalOptions(overrides: Partial<SignalOptions> = {}): SignalOptions {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new TypeError(`signal options must be an object of overrides, got ${show(overrides)}`);
  }
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_SIGNAL_OPTIONS)) {
      throw new RangeError(`signals.${key} is not a signal option (allowed: ${Object.keys(DEFAULT_SIGNAL_OPTIONS).join(', ')})`);
    }
  }
  // An explicit `undefined` (e.g. an unset CLI flag) means "not given", not a bad value.
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const o: SignalOptions = { ...DEFAULT_SIGNAL_OPTIONS, ...given };
  for (const [key, [allowed, ok]] of Object.entries(NUMERIC_RULES) as [NumericKey, [string, (x: number) => boolean]][]) {
    const v: unknown = o[key];
    if (typeof v !== 'number' || !ok(v)) {
      const Err = typeof v === 'number' ? RangeError : TypeError;
      throw new Err(`signals.${key} must be ${allowed}, got ${show(v)}`);
    }
  }
  if (typeof o.requireAgreement !== 'boolean') {
    throw new TypeError(`signals.requireAgreement must be a boolean, got ${show(o.requireAgreement)}`);
  }
  if (o.stopMin > o.stopMax) {
    throw new RangeError(`signals.stopMin (${o.stopMin}) must be <= signals.stopMax (${o.stopMax})`);
  }
  if (o.sizeMin > o.sizeMax) {
    throw new RangeError(`signals.sizeMin (${o.sizeMin}) must be <= signals.sizeMax (${o.sizeMax})`);
  }
  if (!Array.isArray(o.targetFractions)) {
    throw new TypeError(`signals.targetFractions must be an array of 3 numbers, got ${show(o.targetFractions)}`);
  }
  assertTargetFractions(o.targetFractions, 'signals.targetFractions');
  // A private copy: the defaults' array is frozen and an override's belongs to the caller.
  return { ...o, targetFractions: [...o.targetFractions] };
}

function show(v: unknown): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
}
