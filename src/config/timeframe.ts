/** Candle timeframes written the ccxt way: a positive count and a unit, e.g. 1m, 15m, 4h, 1d, 1w. */

export const TIMEFRAME_PATTERN = /^[1-9]\d*[mhdw]$/;
export const TIMEFRAME_HINT = 'a count and a unit m|h|d|w, e.g. 5m, 1h, 1d';

const UNIT_MINUTES = { m: 1, h: 60, d: 1440, w: 10080 } as const;

/** Length of one bar in minutes; throws a RangeError for a malformed timeframe. */
export function timeframeMinutes(tf: string): number {
  if (!TIMEFRAME_PATTERN.test(tf)) throw new RangeError(`timeframe must be ${TIMEFRAME_HINT} (got ${JSON.stringify(tf)})`);
  return Number(tf.slice(0, -1)) * UNIT_MINUTES[tf.at(-1) as keyof typeof UNIT_MINUTES];
}

/** Bars in a 365-day year of continuous trading (crypto); set barsPerYear explicitly for equities (252 daily). */
export function barsPerYear(tf: string): number {
  return (365 * 24 * 60) / timeframeMinutes(tf);
}
