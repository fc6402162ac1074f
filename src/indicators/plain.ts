/**
 * Plain (non-learnable) indicators for features and rule strategies: one series, many periods
 * per call, on the native kernels (native/core/indicators/plain_indicators.h, periods in parallel) with
 * the TypeScript reference (./plain-reference.ts, same conventions) when the addon is absent.
 * Every result row is a Float64Array view into one buffer allocated here and filled in place.
 *
 * Conventions (differences from `technicalindicators` noted in tests/indicators/plain.test.ts):
 * EMA/MACD/ATR are seeded with the first value (y_0 = x_0) and defined from t = 0; RSI is
 * Wilder's, seeded with the first difference at t = 1 (NaN at t = 0, 50 when flat); windowed
 * indicators are NaN until their window is full; Bollinger uses SMA and population std.
 */
import { indicatorAddon, type PlainSeriesKind } from './native.js';
import * as ref from './plain-reference.js';

export interface HighLowClose { high: Float64Array; low: Float64Array; close: Float64Array }

function requireSeries(x: unknown, name: string): asserts x is Float64Array {
  if (!(x instanceof Float64Array)) throw new TypeError(`${name} must be a Float64Array`);
}

function requirePeriods(periods: readonly number[], name: string, integer: boolean): void {
  if (!Array.isArray(periods)) throw new TypeError(`${name} must be an array of numbers`);
  periods.forEach((p, i) => {
    if (typeof p !== 'number' || !(p >= 1) || !Number.isFinite(p) || (integer && !Number.isInteger(p))) {
      throw new RangeError(`${name}[${i}] = ${p} must be ${integer ? 'an integer' : 'a finite number'} >= 1`);
    }
  });
}

function rows(buffer: Float64Array, count: number, n: number): Float64Array[] {
  return Array.from({ length: count }, (_, i) => buffer.subarray(i * n, (i + 1) * n));
}

const INTEGER_KINDS: ReadonlySet<PlainSeriesKind> = new Set(['sma', 'wma', 'momentum', 'roc']);
const REFERENCE: Record<PlainSeriesKind, (x: Float64Array, p: number) => Float64Array> = {
  ema: ref.emaRef, sma: ref.smaRef, rsi: ref.rsiRef, wma: ref.wmaRef, momentum: ref.momentumRef, roc: ref.rocRef,
};

function many(kind: PlainSeriesKind, x: Float64Array, periods: readonly number[]): Float64Array[] {
  requireSeries(x, `${kind}Many: x`);
  requirePeriods(periods, `${kind}Many: periods`, INTEGER_KINDS.has(kind));
  const n = x.length;
  const addon = indicatorAddon();
  if (!addon) return periods.map((p) => REFERENCE[kind](x, p));
  const out = new Float64Array(n * periods.length);
  addon.plainSeries({ kind, x, periods: Float64Array.from(periods), out });
  return rows(out, periods.length, n);
}

/** EMA (a = 2/(p+1), y_0 = x_0) of `x` for each period. */
export const emaMany = (x: Float64Array, periods: readonly number[]) => many('ema', x, periods);
/** Simple moving average, NaN until the window is full. */
export const smaMany = (x: Float64Array, periods: readonly number[]) => many('sma', x, periods);
/** Linearly weighted moving average (newest weight p), NaN until the window is full. */
export const wmaMany = (x: Float64Array, periods: readonly number[]) => many('wma', x, periods);
/** Wilder RSI in [0, 100], seeded at t = 1, NaN at t = 0. */
export const rsiMany = (x: Float64Array, periods: readonly number[]) => many('rsi', x, periods);
/** x_t - x_{t-p}, NaN for t < p. */
export const momentumMany = (x: Float64Array, periods: readonly number[]) => many('momentum', x, periods);
/** 100 (x_t / x_{t-p} - 1), NaN for t < p. */
export const rocMany = (x: Float64Array, periods: readonly number[]) => many('roc', x, periods);

export const ema = (x: Float64Array, period: number) => emaMany(x, [period])[0];
export const sma = (x: Float64Array, period: number) => smaMany(x, [period])[0];
export const rsi = (x: Float64Array, period: number) => rsiMany(x, [period])[0];

export interface MacdSeries { macd: Float64Array; signal: Float64Array; hist: Float64Array }

/** MACD for each (fast, slow, signal) triple, EMA-seeded at t = 0. */
export function macdMany(x: Float64Array, triples: readonly (readonly [number, number, number])[]): MacdSeries[] {
  requireSeries(x, 'macdMany: x');
  requirePeriods(triples.flat(), 'macdMany: periods (flattened triples)', false);
  const addon = indicatorAddon();
  if (!addon) return triples.map(([f, s, g]) => ref.macdRef(x, f, s, g));
  const n = x.length, P = triples.length;
  const macd = new Float64Array(n * P), signal = new Float64Array(n * P), hist = new Float64Array(n * P);
  addon.macdSeries({ x, periods: Float64Array.from(triples.flat()), macd, signal, hist });
  const [m, s, h] = [rows(macd, P, n), rows(signal, P, n), rows(hist, P, n)];
  return m.map((_, i) => ({ macd: m[i], signal: s[i], hist: h[i] }));
}

export interface BollingerSeries { mid: Float64Array; upper: Float64Array; lower: Float64Array }

/** Bollinger bands (SMA mid, +- k population standard deviations) for each period. */
export function bollingerMany(x: Float64Array, periods: readonly number[], k = 2): BollingerSeries[] {
  requireSeries(x, 'bollingerMany: x');
  requirePeriods(periods, 'bollingerMany: periods', true);
  if (!Number.isFinite(k)) throw new RangeError(`bollingerMany: k = ${k} must be finite`);
  const addon = indicatorAddon();
  if (!addon) return periods.map((p) => ref.bollingerRef(x, p, k));
  const n = x.length, P = periods.length;
  const mid = new Float64Array(n * P), upper = new Float64Array(n * P), lower = new Float64Array(n * P);
  addon.bollingerSeries({ x, periods: Float64Array.from(periods), k, mid, upper, lower });
  const [m, u, l] = [rows(mid, P, n), rows(upper, P, n), rows(lower, P, n)];
  return m.map((_, i) => ({ mid: m[i], upper: u[i], lower: l[i] }));
}

function requireCandles(c: HighLowClose, where: string): void {
  for (const k of ['high', 'low', 'close'] as const) requireSeries(c?.[k], `${where}: candles.${k}`);
  if (c.high.length !== c.close.length || c.low.length !== c.close.length) {
    throw new RangeError(`${where}: candles.high/low/close must have the same length (got ${c.high.length}, ${c.low.length}, ${c.close.length})`);
  }
}

/** Average true range (Wilder, seeded with the first true range) for each period. */
export function atrMany(candles: HighLowClose, periods: readonly number[]): Float64Array[] {
  requireCandles(candles, 'atrMany');
  requirePeriods(periods, 'atrMany: periods', false);
  const addon = indicatorAddon();
  if (!addon) return periods.map((p) => ref.atrRef(candles, p));
  const n = candles.close.length;
  const out = new Float64Array(n * periods.length);
  addon.atrSeries({ high: candles.high, low: candles.low, close: candles.close, periods: Float64Array.from(periods), out });
  return rows(out, periods.length, n);
}

export interface StochasticSeries { k: Float64Array; d: Float64Array }

/** Stochastic %K over `period` bars and %D = SMA(smooth) of %K, for each (period, smooth). */
export function stochasticMany(candles: HighLowClose, pairs: readonly (readonly [number, number])[]): StochasticSeries[] {
  requireCandles(candles, 'stochasticMany');
  requirePeriods(pairs.flat(), 'stochasticMany: periods (flattened pairs)', true);
  const addon = indicatorAddon();
  if (!addon) return pairs.map(([p, s]) => ref.stochasticRef(candles, p, s));
  const n = candles.close.length, P = pairs.length;
  const k = new Float64Array(n * P), d = new Float64Array(n * P);
  addon.stochasticSeries({ high: candles.high, low: candles.low, close: candles.close, periods: Float64Array.from(pairs.flat()), k, d });
  const [kr, dr] = [rows(k, P, n), rows(d, P, n)];
  return kr.map((_, i) => ({ k: kr[i], d: dr[i] }));
}
