import test from 'ava';

import { emptyCandles, type Candles } from '../../src/data/candles.js';
import { emaRef } from '../../src/indicators/plain-reference.js';
import { baselineCalls } from '../../src/metrics/baselines.js';

function closes(values: number[]): Candles {
  const c = emptyCandles(values.length);
  c.close.set(values);
  return c;
}

test('baselines call each window from the closes up to its end', (t) => {
  const c = closes([10, 11, 10.5, 10.5, 12, 11, 11.5, 13, 12, 12.5]);
  const ends = Int32Array.of(2, 3, 4, 5, 6, 7, 8);
  const [h1, h4] = baselineCalls([c], { symbols: new Int32Array(ends.length), ends }, [1, 4]);
  t.deepEqual(h1.map((b) => b.name), ['always_up', 'persistence_1', 'reversal_1', 'ema_cross_12_26']);
  t.deepEqual(h4.map((b) => b.name), ['always_up', 'persistence_1', 'persistence_4', 'reversal_1', 'ema_cross_12_26']);
  const byName = Object.fromEntries(h4.map((b) => [b.name, Array.from(b.up)]));
  t.deepEqual(byName.always_up, [1, 1, 1, 1, 1, 1, 1]);
  // c[t] > c[t-1]: 10.5>11 no, 10.5>10.5 no (a flat bar is "down"), 12>10.5, 11>12 no, 11.5>11, 13>11.5, 12>13 no
  t.deepEqual(byName.persistence_1, [0, 0, 1, 0, 1, 1, 0]);
  // c[t] < c[t-1]: the opposite sign of the last bar's return (flat: no call up)
  t.deepEqual(byName.reversal_1, [1, 0, 0, 1, 0, 0, 1]);
  // c[t] > c[max(0, t-4)]: 10.5>10, 10.5>10, 12>10, 11>11 no, 11.5>10.5, 13>10.5, 12>12 no
  t.deepEqual(byName.persistence_4, [1, 1, 1, 0, 1, 1, 0]);
  const fast = emaRef(c.close, 12), slow = emaRef(c.close, 26);
  t.deepEqual(byName.ema_cross_12_26, Array.from(ends, (e) => Number(fast[e] > slow[e])));
});

test('windows of several symbols read their own closes', (t) => {
  const up = closes([1, 2, 3, 4]), down = closes([4, 3, 2, 1]);
  const [h0] = baselineCalls([up, down], { symbols: Int32Array.of(0, 1, 0, 1), ends: Int32Array.of(2, 2, 3, 3) }, [1]);
  t.deepEqual(Array.from(h0.find((b) => b.name === 'persistence_1')!.up), [1, 0, 1, 0]);
  t.deepEqual(Array.from(h0.find((b) => b.name === 'reversal_1')!.up), [0, 1, 0, 1]);
  t.deepEqual(Array.from(h0.find((b) => b.name === 'ema_cross_12_26')!.up), [1, 0, 1, 0]);
});
