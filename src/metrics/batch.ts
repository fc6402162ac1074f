/**
 * The batch a MetricSet accumulates: plain arrays as the trainer reads them with dataSync.
 * Returns are unscaled log returns; lastClose is the window's last close c_t, so prices
 * reconstruct as c_t exp(return) (SPEC §4, §7.2).
 */
export type Values = ArrayLike<number>;

/** One horizon's slice of a batch, what each metric accumulator reads (n samples). */
export interface HorizonBatch {
  /** Predicted P(up) in [0, 1]; up when >= 0.5. */
  pUp: Values;
  /** Predicted unscaled return. */
  predReturn: Values;
  /** Predicted variance of the return, in the units of predReturn (>= 0). */
  variance: Values;
  /** True unscaled return; up when > 0 (as the direction label, SPEC §4). */
  trueReturn: Values;
  /** Last close of each window (> 0). */
  lastClose: Values;
}

/** A batch over all horizons: index h of each per-horizon field is horizon h. */
export interface MetricBatch {
  pUp: readonly Values[];
  predReturn: readonly Values[];
  variance: readonly Values[];
  trueReturn: readonly Values[];
  lastClose: Values;
}

const PER_HORIZON_FIELDS = ['pUp', 'predReturn', 'variance', 'trueReturn'] as const;

/** Allowed range of each field, checked before anything is accumulated. */
const RULES: Record<keyof HorizonBatch, { ok: (v: number) => boolean; allowed: string }> = {
  pUp: { ok: (v) => v >= 0 && v <= 1, allowed: 'a probability in [0, 1]' },
  predReturn: { ok: Number.isFinite, allowed: 'finite' },
  variance: { ok: (v) => Number.isFinite(v) && v >= 0, allowed: 'finite and >= 0' },
  trueReturn: { ok: Number.isFinite, allowed: 'finite' },
  lastClose: { ok: (v) => Number.isFinite(v) && v > 0, allowed: 'finite and > 0' },
};

/**
 * Throws naming the array, the element and its value when `values` breaks the rule of `field`,
 * or when its length differs from `expected.length` (the length of the array named `expected.of`).
 */
export function assertValues(field: keyof HorizonBatch, name: string, values: Values, expected?: { length: number; of: string }): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`${name} must be an array of numbers (got ${values === null ? 'null' : typeof values})`);
  }
  if (expected && values.length !== expected.length) {
    throw new RangeError(`${name} has length ${values.length}, expected ${expected.length} (the length of ${expected.of})`);
  }
  const { ok, allowed } = RULES[field];
  for (let i = 0; i < values.length; i++) {
    if (!ok(values[i])) throw new RangeError(`${name}[${i}] is ${values[i]}; it must be ${allowed}`);
  }
}

/** Checks a whole batch (shape and values) so that a bad batch leaves no partial update. */
export function assertMetricBatch(batch: MetricBatch, horizons: number): void {
  if (batch === null || typeof batch !== 'object') throw new TypeError('batch must be an object of arrays');
  assertValues('lastClose', 'batch.lastClose', batch.lastClose);
  const expected = { length: batch.lastClose.length, of: 'batch.lastClose' };
  for (const field of PER_HORIZON_FIELDS) {
    const perHorizon = batch[field];
    if (!Array.isArray(perHorizon) || perHorizon.length !== horizons) {
      throw new RangeError(`batch.${field} must be an array of ${horizons} arrays, one per horizon (got ${Array.isArray(perHorizon) ? perHorizon.length : typeof perHorizon})`);
    }
    perHorizon.forEach((values, h) => assertValues(field, `batch.${field}[${h}]`, values, expected));
  }
}

/** Horizon h's slice of a batch. */
export function horizonSlice(batch: MetricBatch, h: number): HorizonBatch {
  return {
    pUp: batch.pUp[h],
    predReturn: batch.predReturn[h],
    variance: batch.variance[h],
    trueReturn: batch.trueReturn[h],
    lastClose: batch.lastClose,
  };
}
