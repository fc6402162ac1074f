/** Plain-text view of SignalArrays for the CLI (`ntp signals`) and logs. */
import type { SignalArrays } from './types.js';

const HEADER = ['time (UTC)', 'side', 'stop %', 'tp1 %', 'tp2 %', 'tp3 %', 'size'];

/**
 * A fixed-width table of the most recent `limit` signals (bars with side != 0), oldest first,
 * then a line saying how many of how many are shown. Distances print as percentages of the
 * entry price. `timestamps` are ms since the epoch, one per bar. `limit` may be Infinity.
 * Throws RangeError when `limit` is not an integer >= 0 (or Infinity), or when an array's
 * length differs from `signals.side`'s.
 */
export function formatSignalTable(signals: SignalArrays, timestamps: ArrayLike<number>, limit = 20): string {
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) {
    throw new RangeError(`limit must be an integer >= 0 or Infinity, got ${limit}`);
  }
  const n = signals.side.length;
  const columns: [string, ArrayLike<number>][] = [
    ['timestamps', timestamps],
    ['signals.stopDistance', signals.stopDistance],
    ['signals.targetDistance[0]', signals.targetDistance[0]],
    ['signals.targetDistance[1]', signals.targetDistance[1]],
    ['signals.targetDistance[2]', signals.targetDistance[2]],
    ['signals.size', signals.size],
  ];
  for (const [name, a] of columns) {
    if (a.length !== n) throw new RangeError(`${name} has length ${a.length}, expected ${n} (the length of signals.side)`);
  }

  const bars: number[] = [];
  for (let t = 0; t < n; t++) if (signals.side[t] !== 0) bars.push(t);
  if (bars.length === 0) return `no signals in ${n} bars`;
  const shown = bars.slice(Math.max(0, bars.length - limit));

  const pct = (x: number): string => (100 * x).toFixed(3);
  const rows = shown.map((t) => [
    formatTime(timestamps[t]),
    signals.side[t] > 0 ? 'LONG' : 'SHORT',
    pct(signals.stopDistance[t]),
    pct(signals.targetDistance[0][t]),
    pct(signals.targetDistance[1][t]),
    pct(signals.targetDistance[2][t]),
    signals.size[t].toFixed(4),
  ]);
  const table = [HEADER, ...rows];
  // Text columns align left, numbers right, so decimal points line up.
  const widths = HEADER.map((_, j) => Math.max(...table.map((r) => r[j].length)));
  const lines = table.map((r) => r.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ').trimEnd());
  lines.push(`${shown.length} of ${bars.length} signals shown (most recent), ${n} bars`);
  return lines.join('\n');
}

function formatTime(ms: number): string {
  // toISOString throws on an invalid date; print the raw value instead of failing the table.
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : String(ms);
}
