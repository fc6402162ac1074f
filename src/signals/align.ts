/**
 * Signals are generated per predicted window; the backtester reads one entry per bar. This
 * scatters window-indexed signals onto the bars their windows end at (no signal elsewhere).
 */
import type { SignalArrays } from './types.js';

export function emptySignalArrays(n: number): SignalArrays {
  return {
    side: new Int8Array(n),
    stopDistance: new Float64Array(n),
    targetDistance: [new Float64Array(n), new Float64Array(n), new Float64Array(n)],
    size: new Float64Array(n),
  };
}

/** `signals[k]` belongs to bar `ends[k]`; bars is the series length. */
export function signalsOnBars(signals: SignalArrays, ends: Int32Array, bars: number): SignalArrays {
  if (signals.side.length !== ends.length) {
    throw new RangeError(`signalsOnBars: ${signals.side.length} signals for ${ends.length} window ends`);
  }
  const out = emptySignalArrays(bars);
  for (let k = 0; k < ends.length; k++) {
    const t = ends[k];
    if (!Number.isInteger(t) || t < 0 || t >= bars) throw new RangeError(`signalsOnBars: ends[${k}] = ${t} is outside [0, ${bars})`);
    out.side[t] = signals.side[k];
    out.stopDistance[t] = signals.stopDistance[k];
    for (let i = 0; i < 3; i++) out.targetDistance[i][t] = signals.targetDistance[i][k];
    out.size[t] = signals.size[k];
  }
  return out;
}

/** Bars [start, end) of `s` as views (no copy), to backtest a part of a series. */
export function sliceSignals(s: SignalArrays, start: number, end: number): SignalArrays {
  return {
    side: s.side.subarray(start, end),
    stopDistance: s.stopDistance.subarray(start, end),
    targetDistance: [s.targetDistance[0].subarray(start, end), s.targetDistance[1].subarray(start, end), s.targetDistance[2].subarray(start, end)],
    size: s.size.subarray(start, end),
  };
}
