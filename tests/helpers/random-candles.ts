/** Seeded random-walk candles with arbitrary (irregular) timestamps, for property tests. */
import { emptyCandles, type Candles } from '../../src/data/candles.js';
import { Rng } from '../../src/data/random.js';

export function randomCandles(n: number, seed: number): Candles {
  const rng = new Rng(seed);
  const c = emptyCandles(n);
  let price = 10 + 1000 * rng.uniform();
  let ts = Date.UTC(2015, 0, 1) + rng.int(1e9);
  for (let t = 0; t < n; t++) {
    ts += 60_000 * (1 + rng.int(600));
    const open = price;
    const close = open * Math.exp(0.02 * rng.normal());
    c.timestamp[t] = ts;
    c.open[t] = open;
    c.close[t] = close;
    c.high[t] = Math.max(open, close) * (1 + 0.01 * rng.uniform());
    c.low[t] = Math.min(open, close) * (1 - 0.01 * rng.uniform());
    // Some zero-volume bars, as in real data.
    c.volume[t] = rng.uniform() < 0.05 ? 0 : 1e4 * rng.uniform();
    price = close;
  }
  return c;
}
