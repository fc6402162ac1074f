import test from 'ava';

import { Rng } from '../../src/data/random.js';
import { blockStarts, bootstrapCounts, ConfusionPrefix, defaultBlockLength, percentileInterval } from '../../src/metrics/bootstrap.js';

// Worked example: 6 windows, labels and calls, blocks of 2.
const labels = Uint8Array.of(1, 0, 1, 1, 0, 0);
const calls = Uint8Array.of(1, 1, 0, 1, 0, 1);

/** Counts written out from the resampled windows themselves (no prefix sums). */
function direct(idx: number[]) {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const i of idx) {
    if (labels[i] && calls[i]) c.tp++;
    else if (!labels[i] && calls[i]) c.fp++;
    else if (!labels[i] && !calls[i]) c.tn++;
    else c.fn++;
  }
  return c;
}

test('a resample is the blocks at its starts, concatenated and cut to n', (t) => {
  const p = new ConfusionPrefix(calls, labels);
  // Blocks at 4, 0, 3 -> windows 4 5 0 1 3 4.
  t.deepEqual(p.resample(Int32Array.of(4, 0, 3), 2), direct([4, 5, 0, 1, 3, 4]));
  t.deepEqual(p.resample(Int32Array.of(4, 0, 3), 2), { tp: 2, fp: 2, tn: 2, fn: 0 });
  // Blocks of 4 over 6 windows: two blocks, the second cut to 2 windows.
  t.deepEqual(p.resample(Int32Array.of(2, 1), 4), direct([2, 3, 4, 5, 1, 2]));
  // Identity resample.
  t.deepEqual(p.resample(Int32Array.of(0, 2, 4), 2), direct([0, 1, 2, 3, 4, 5]));
});

test('block starts are uniform over [0, n - b]', (t) => {
  const rng = new Rng(3);
  const seen = new Array<number>(5).fill(0);
  for (let i = 0; i < 5000; i++) for (const s of blockStarts(rng, 6, 2)) seen[s]++;
  t.is(seen.reduce((a, b) => a + b, 0), 5000 * 3);
  for (const count of seen) t.true(Math.abs(count / 15000 - 0.2) < 0.02, `share ${count / 15000}`);
  t.is(defaultBlockLength(1309, 12), 37);
  t.is(defaultBlockLength(50, 12), 12);
  t.is(defaultBlockLength(5, 12), 5);
});

test('percentile intervals by nearest rank', (t) => {
  const v = Array.from({ length: 1000 }, (_, i) => 999 - i);
  t.deepEqual(percentileInterval(v, 0.95), [24, 974]);
  t.deepEqual(percentileInterval([3, 1, 2], 0.5), [1, 3]);
});

test('bootstrap accuracy matches the exact bootstrap distribution of a tiny series', (t) => {
  // n = 4, b = 2: two blocks, each starting at 0, 1 or 2: 9 equally likely resamples.
  const y = Uint8Array.of(1, 0, 0, 1);
  const m = Uint8Array.of(1, 1, 0, 1);
  const exact: number[] = [];
  for (const a of [0, 1, 2]) {
    for (const b of [0, 1, 2]) {
      const idx = [a, a + 1, b, b + 1];
      exact.push(idx.filter((i) => y[i] === m[i]).length / 4);
    }
  }
  // accuracies 0.5 (both blocks at 0 or 1: 4 of 9), 0.75 (one at 2: 4 of 9), 1 (both at 2: 1 of 9)
  t.deepEqual([...exact].sort(), [0.5, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 1]);
  const counts = bootstrapCounts([m], y, { samples: 9000, blockLength: 2, seed: 7 });
  const acc = counts.map(([c]) => (c.tp + c.tn) / 4);
  const share = (v: number) => acc.filter((a) => a === v).length / acc.length;
  t.true(Math.abs(share(0.5) - 4 / 9) < 0.02);
  t.true(Math.abs(share(0.75) - 4 / 9) < 0.02);
  t.true(Math.abs(share(1) - 1 / 9) < 0.02);
  t.deepEqual(percentileInterval(acc, 0.95), [0.5, 1]);
  // Same seed, same resamples.
  t.deepEqual(bootstrapCounts([m], y, { samples: 50, blockLength: 2, seed: 7 }), counts.slice(0, 50));
});

test('every predictor is scored on the same resamples', (t) => {
  const counts = bootstrapCounts([calls, calls], labels, { samples: 200, blockLength: 2, seed: 1 });
  for (const [a, b] of counts) t.deepEqual(a, b);
  t.throws(() => bootstrapCounts([calls], labels, { samples: 0, blockLength: 2, seed: 1 }), { message: /samples must be an integer >= 1/ });
});
