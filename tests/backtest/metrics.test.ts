import test from 'ava';

import { inferBarsPerYear, medianInPlace } from '../../src/backtest/metrics.js';
import { mulberry32 } from '../../src/data/random.js';

function sortedMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

test('medianInPlace equals the median of the sorted values, ties and even lengths included', (t) => {
  const rng = mulberry32(7);
  for (let trial = 0; trial < 2000; trial++) {
    const n = 1 + Math.floor(rng() * 40);
    const spread = trial % 3 === 0 ? 3 : 1000;  // many ties in a third of the trials
    const values = Array.from({ length: n }, () => Math.floor(rng() * spread) - spread / 2);
    t.is(medianInPlace(Float64Array.from(values)), sortedMedian(values), `values ${values.join(',')}`);
  }
});

test('inferBarsPerYear reads the median spacing, ignoring gaps and bad steps', (t) => {
  const hour = 3600e3;
  const ts = Float64Array.from({ length: 1001 }, (_, i) => i * hour);
  t.is(inferBarsPerYear(ts), 8760);
  ts[500] = ts[499];          // a duplicate (zero step) and a long gap
  for (let i = 700; i < ts.length; i++) ts[i] += 30 * 24 * hour;
  t.is(inferBarsPerYear(ts), 8760);
  t.is(inferBarsPerYear(Float64Array.from([0, 5 * 60e3, 10 * 60e3])), 365 * 24 * 12);
  t.is(inferBarsPerYear(new Float64Array(1)), 365 * 24, 'one bar: the hourly fallback');
});
