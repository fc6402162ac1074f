/**
 * Feature and target scalers (SPEC §4), fit on training windows only and saved as JSON.
 *
 * - Features are fit on the unscaled base features of exactly the bars the training windows
 *   contain (bars end-T+1 .. end of every training end), pooled over symbols.
 *   standard: center = mean, scale = standard deviation; robust: center = median,
 *   scale = interquartile range. A scale of 0 (a constant feature, e.g. hour_sin on daily
 *   bars) becomes 1 so the feature passes through centred instead of dividing by zero.
 * - Targets: per horizon, the standard deviation of ln(c[end + h] / c[end]) over the training
 *   ends whose future is inside the data; scaled targets are y / std.
 * - The scaler records, per symbol, the rows its fit read (`fitRows`, bar end-T .. end: the
 *   bar before the first window row is read by the differenced features and the targets read
 *   up to end + max(h)); `assertNoLeakage` refuses a scaler whose fit reached validation or
 *   test bars.
 */
import type { Candles } from './candles.js';
import { sliceCandles } from './candles.js';
import { DEFAULT_FEATURES, resolveFeatures } from './features.js';
import type { Split } from './splits.js';
import { finiteSorted, quantileSorted } from './stats.js';
import { computeBarFeatures, type FeatureScaling } from './windowing.js';

export type ScalerKind = 'standard' | 'robust';

export interface FitRows {
  symbol: string;
  /** First and last row (inclusive) the fit read. */
  first: number;
  last: number;
}

export interface Scaler extends FeatureScaling {
  kind: ScalerKind;
  lookback: number;
  horizons: number[];
  /** Per horizon: the train std of the log-return target. */
  targetStd: Float64Array;
  fitRows: FitRows[];
}

export interface TrainingSeries {
  /** '' for a single series. */
  symbol?: string;
  candles: Candles;
  /** Training window ends. */
  ends: Int32Array;
}

export interface FitScalerOptions {
  kind?: ScalerKind;
  features?: readonly string[];
  lookback: number;
  horizons: readonly number[];
}

export function fitScaler(series: readonly TrainingSeries[], options: FitScalerOptions): Scaler {
  const kind = options.kind ?? 'standard';
  if (kind !== 'standard' && kind !== 'robust') throw new RangeError(`fitScaler: kind must be "standard" or "robust" (got "${String(kind)}")`);
  const features = [...(options.features ?? DEFAULT_FEATURES)];
  const F = resolveFeatures(features, 'fitScaler: features').length;
  const T = options.lookback;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`fitScaler: lookback must be an integer >= 1 (got ${T})`);
  const horizons = [...options.horizons];
  if (horizons.length === 0 || horizons.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new RangeError(`fitScaler: horizons must be integers >= 1 (got [${horizons.join(', ')}])`);
  }
  const values: number[][] = Array.from({ length: F }, () => []);
  const targets: number[][] = horizons.map(() => []);
  const fitRows: FitRows[] = [];
  for (const [s, { symbol = '', candles, ends }] of series.entries()) {
    if (!(ends instanceof Int32Array) || ends.length === 0) throw new RangeError(`fitScaler: series[${s}].ends must be a non-empty Int32Array of training window ends`);
    let lo = Infinity, hi = -Infinity;
    for (const e of ends) { lo = Math.min(lo, e); hi = Math.max(hi, e); }
    if (lo < T || hi >= candles.close.length) throw new RangeError(`fitScaler: series[${s}].ends must lie in [lookback, length) = [${T}, ${candles.close.length}) (got ${lo}..${hi})`);
    // Bars covered by at least one training window, relative to row lo - T.
    const covered = new Uint8Array(hi - lo + T + 1);
    for (const e of ends) covered.fill(1, e - lo + 1, e - lo + T + 1);
    const bars = computeBarFeatures(sliceCandles(candles, lo - T, hi + 1), features);
    for (let r = 1; r < covered.length; r++) {
      if (covered[r]) for (let f = 0; f < F; f++) values[f].push(bars[r * F + f]);
    }
    let lastRead = hi;
    horizons.forEach((h, k) => {
      for (const e of ends) {
        if (e + h >= candles.close.length) continue;
        targets[k].push(Math.log(candles.close[e + h] / candles.close[e]));
        lastRead = Math.max(lastRead, e + h);
      }
    });
    fitRows.push({ symbol, first: lo - T, last: lastRead });
  }
  const center = new Float64Array(F), scale = new Float64Array(F);
  values.forEach((v, f) => {
    const sorted = finiteSorted(v);
    if (kind === 'standard') {
      center[f] = mean(sorted);
      scale[f] = std(sorted, center[f]);
    } else {
      center[f] = quantileSorted(sorted, 0.5);
      scale[f] = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
    }
    if (!(scale[f] > 0)) scale[f] = 1;
  });
  const targetStd = Float64Array.from(targets, (y, k) => {
    if (y.length < 2) throw new RangeError(`fitScaler: horizon ${horizons[k]} has ${y.length} training targets inside the data; at least 2 are needed`);
    const sd = std(y, mean(y));
    return sd > 0 ? sd : 1;
  });
  return { kind, features, center, scale, lookback: T, horizons, targetStd, fitRows };
}

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

function std(v: ArrayLike<number>, m: number): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return Math.sqrt(s / v.length);
}

/** Divides targets [N, H] in place by the scaler's per-horizon train std. */
export function scaleTargets(targets: Float32Array, scaler: Scaler): Float32Array {
  const H = scaler.targetStd.length;
  if (targets.length % H !== 0) throw new RangeError(`scaleTargets: targets length ${targets.length} is not a multiple of H = ${H}`);
  for (let i = 0; i < targets.length; i++) targets[i] /= scaler.targetStd[i % H];
  return targets;
}

/**
 * Throws when the scaler's fit read any validation or test bar of `split` (one split for a
 * single series, or one per symbol). Validation and test bars are those from the first
 * validation window end on.
 */
export function assertNoLeakage(scaler: Scaler, split: Split | Readonly<Record<string, Split>>): void {
  const isSplit = (x: unknown): x is Split => typeof x === 'object' && x !== null && 'train' in x && 'val' in x;
  for (const rows of scaler.fitRows) {
    const s = isSplit(split) ? split : split[rows.symbol];
    if (!s) throw new RangeError(`assertNoLeakage: no split given for symbol "${rows.symbol}" the scaler was fit on`);
    if (rows.last >= s.val.start) {
      throw new Error(`assertNoLeakage: the scaler was fit on rows ${rows.first}..${rows.last}${rows.symbol ? ` of ${rows.symbol}` : ''}, ` +
        `which reach validation/test rows (from ${s.val.start}); fit it on training windows only (ends ${s.train.start}..${s.train.end - 1})`);
    }
  }
}

/** JSON form (arrays as plain numbers), reloaded by `scalerFromJson`. */
export function scalerToJson(s: Scaler): Record<string, unknown> {
  return {
    version: 1, kind: s.kind, features: s.features, center: Array.from(s.center), scale: Array.from(s.scale),
    lookback: s.lookback, horizons: s.horizons, targetStd: Array.from(s.targetStd), fitRows: s.fitRows,
  };
}

export function scalerFromJson(json: unknown): Scaler {
  const where = 'scalerFromJson';
  if (typeof json !== 'object' || json === null) throw new TypeError(`${where}: expected an object (got ${json === null ? 'null' : typeof json})`);
  const o = json as Record<string, unknown>;
  if (o.version !== 1) throw new RangeError(`${where}: version must be 1 (got ${JSON.stringify(o.version)})`);
  if (o.kind !== 'standard' && o.kind !== 'robust') throw new RangeError(`${where}: kind must be "standard" or "robust" (got ${JSON.stringify(o.kind)})`);
  const features = o.features;
  const F = resolveFeatures(features, `${where}: features`).length;
  const numbers = (key: string, length: number): Float64Array => {
    const v = o[key];
    if (!Array.isArray(v) || v.length !== length || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new TypeError(`${where}: ${key} must be an array of ${length} finite numbers (got ${JSON.stringify(v)?.slice(0, 80)})`);
    }
    return Float64Array.from(v as number[]);
  };
  if (!Array.isArray(o.horizons) || o.horizons.some((h) => !Number.isInteger(h) || h < 1)) throw new TypeError(`${where}: horizons must be an array of integers >= 1`);
  if (!Number.isInteger(o.lookback) || (o.lookback as number) < 1) throw new TypeError(`${where}: lookback must be an integer >= 1 (got ${JSON.stringify(o.lookback)})`);
  if (!Array.isArray(o.fitRows) || o.fitRows.some((r) => typeof r?.symbol !== 'string' || !Number.isInteger(r?.first) || !Number.isInteger(r?.last))) {
    throw new TypeError(`${where}: fitRows must be an array of {symbol, first, last}`);
  }
  return {
    kind: o.kind, features: features as string[], center: numbers('center', F), scale: numbers('scale', F),
    lookback: o.lookback as number, horizons: o.horizons as number[], targetStd: numbers('targetStd', (o.horizons as number[]).length),
    fitRows: (o.fitRows as FitRows[]).map(({ symbol, first, last }) => ({ symbol, first, last })),
  };
}
