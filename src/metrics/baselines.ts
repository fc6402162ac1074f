/**
 * Naive direction forecasts, made for exactly the windows the model is scored on: window
 * (symbol s, end t) is decided at the close of bar t from closes up to t, and predicts the sign
 * of ln(c[t+k]/c[t]) like the model's direction head ("up" = a return > 0).
 *
 *  - always_up: up on every window (accuracy = the up rate, MCC 0).
 *  - persistence_j: the sign of the last j-bar return, up when c[t] > c[t-j]; j = 1 and j = the
 *    horizon's bars (persistence_1 alone when the horizon is 1 bar).
 *  - reversal_1: the opposite sign of the last bar's return, up when c[t] < c[t-1].
 *  - ema_cross_12_26: up when EMA12 > EMA26 of the closes (the project's EMA, y_0 = x_0, seeded at
 *    the first loaded bar; the periods of `ntp backtest --strategy ema_cross`'s default).
 * A look-back before the series' first bar reads the first bar (no change: a "down" call).
 */
import type { Candles } from '../data/candles.js';
import { emaMany } from '../indicators/plain.js';

export const EMA_CROSS_BASELINE = { fast: 12, slow: 26 } as const;

export interface BaselineCalls {
  name: string;
  /** 1 = up, 0 = down, one per window. */
  up: Uint8Array;
}

/** The windows scored: symbols[i] indexes `candles`, ends[i] is the window's last bar. */
export interface ScoredWindows {
  symbols: Int32Array;
  ends: Int32Array;
}

/** The baselines' calls for each horizon (given in bars), in the order of the list above. */
export function baselineCalls(candles: readonly Candles[], windows: ScoredWindows, horizons: readonly number[]): BaselineCalls[][] {
  const n = windows.ends.length;
  const { symbols, ends } = windows;
  const used = new Set(symbols);
  const emaUp = new Map<number, Uint8Array>();
  for (const s of used) {
    const [fast, slow] = emaMany(candles[s].close, [EMA_CROSS_BASELINE.fast, EMA_CROSS_BASELINE.slow]);
    emaUp.set(s, Uint8Array.from(fast, (f, t) => Number(f > slow[t])));
  }
  const calls = (rule: (close: Float64Array, t: number) => boolean): Uint8Array =>
    Uint8Array.from({ length: n }, (_, i) => Number(rule(candles[symbols[i]].close, ends[i])));
  const persistence = (j: number) => calls((c, t) => c[t] > c[Math.max(0, t - j)]);
  const shared = {
    alwaysUp: new Uint8Array(n).fill(1),
    persistence1: persistence(1),
    reversal: calls((c, t) => c[t] < c[Math.max(0, t - 1)]),
    emaCross: Uint8Array.from({ length: n }, (_, i) => emaUp.get(symbols[i])![ends[i]]),
  };
  return horizons.map((k) => [
    { name: 'always_up', up: shared.alwaysUp },
    { name: 'persistence_1', up: shared.persistence1 },
    ...(k === 1 ? [] : [{ name: `persistence_${k}`, up: persistence(k) }]),
    { name: 'reversal_1', up: shared.reversal },
    { name: `ema_cross_${EMA_CROSS_BASELINE.fast}_${EMA_CROSS_BASELINE.slow}`, up: shared.emaCross },
  ]);
}
