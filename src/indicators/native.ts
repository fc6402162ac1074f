/**
 * The indicator kernels' native surface (native/binding/indicators_binding.cc), typed by
 * module augmentation, and the one place that decides whether they can be used.
 */
import { tryNativeAddon } from '../native/addon.js';
import type { NativeAddon, NativeDevice } from '../native/types.js';

/** The learnable-indicator kernel families (SPEC §5); MACD serves both MACD layers. */
export type IndicatorKind = 'ma' | 'macd' | 'rsi' | 'bollinger' | 'momentum';

export interface IndicatorForwardOptions {
  kind: IndicatorKind;
  /** [batch * time], row-major, normalised by each row's last close. */
  close: Float32Array;
  batch: number;
  time: number;
  /** [K]; MACD: (fast, slow, signal) triples. */
  periods: Float32Array;
  /** [batch * K], filled in place. */
  out: Float32Array;
  device?: NativeDevice;
}

export interface IndicatorBackwardOptions extends Omit<IndicatorForwardOptions, 'out'> {
  gradOut: Float32Array;
  gradClose: Float32Array;
  gradPeriods: Float32Array;
}

export type PlainSeriesKind = 'ema' | 'sma' | 'rsi' | 'wma' | 'momentum' | 'roc';

export interface PlainSeriesOptions { kind: PlainSeriesKind; x: Float64Array; periods: Float64Array; out: Float64Array }
export interface MacdSeriesOptions { x: Float64Array; periods: Float64Array; macd: Float64Array; signal: Float64Array; hist: Float64Array }
export interface BollingerSeriesOptions { x: Float64Array; periods: Float64Array; k?: number; mid: Float64Array; upper: Float64Array; lower: Float64Array }
export interface AtrSeriesOptions { high: Float64Array; low: Float64Array; close: Float64Array; periods: Float64Array; out: Float64Array }
export interface StochasticSeriesOptions { high: Float64Array; low: Float64Array; close: Float64Array; periods: Float64Array; k: Float64Array; d: Float64Array }

declare module '../native/types.js' {
  interface NativeAddon {
    indicatorForward(o: IndicatorForwardOptions): 'cpu' | 'cuda';
    indicatorBackward(o: IndicatorBackwardOptions): 'cpu' | 'cuda';
    plainSeries(o: PlainSeriesOptions): void;
    macdSeries(o: MacdSeriesOptions): void;
    bollingerSeries(o: BollingerSeriesOptions): void;
    atrSeries(o: AtrSeriesOptions): void;
    stochasticSeries(o: StochasticSeriesOptions): void;
  }
}

/** The addon when it was built with the indicator kernels, else null (callers fall back). */
export function indicatorAddon(): NativeAddon | null {
  const addon = tryNativeAddon();
  return addon !== null && typeof addon.indicatorForward === 'function' ? addon : null;
}
