/** Builds candles from literal rows [timestamp, open, high, low, close, volume], for small cases. */
import { emptyCandles, type Candles } from '../../src/data/candles.js';

export function candlesFromRows(rows: readonly (readonly number[])[]): Candles {
  const c = emptyCandles(rows.length);
  rows.forEach(([ts, o, h, l, cl, v], i) => {
    c.timestamp[i] = ts; c.open[i] = o; c.high[i] = h; c.low[i] = l; c.close[i] = cl; c.volume[i] = v;
  });
  return c;
}
