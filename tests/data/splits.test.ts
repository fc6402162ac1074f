import test from 'ava';

import { chronologicalSplit, foldSplit, rangeEnds, walkForwardFolds, wholeSplit } from '../../src/data/splits.js';

test('default 70/15/15 split with an embargo of max(horizons) between parts', (t) => {
  const s = chronologicalSplit(1000, { lookback: 64, horizons: [1, 4, 12] });
  // complete ends [64, 988): 924, minus 2 x 12 embargo = 900 -> 630 / 135 / 135
  t.deepEqual(s.train, { start: 64, end: 694 });
  t.deepEqual(s.val, { start: 706, end: 841 });
  t.deepEqual(s.test, { start: 853, end: 988 });
  t.deepEqual(s.inference, { start: 988, end: 1000 });
  t.is(s.embargo, 12);
  // No training target reaches a validation bar; no validation target reaches a test bar.
  t.true(s.train.end - 1 + 12 < s.val.start);
  t.true(s.val.end - 1 + 12 < s.test.start);
  // Every test window has its full future inside the data.
  t.is(s.test.end - 1 + 12, 999);
});

test('custom fractions and a longer embargo', (t) => {
  const s = chronologicalSplit(300, { lookback: 10, horizons: [2], fractions: [0.5, 0.25, 0.25], embargo: 5 });
  t.deepEqual([s.train, s.val, s.test], [{ start: 10, end: 149 }, { start: 154, end: 223 }, { start: 228, end: 298 }]);
});

test('bad split options are named', (t) => {
  t.throws(() => chronologicalSplit(1000, { lookback: 64, horizons: [1, 4, 12], embargo: 3 }), { instanceOf: RangeError, message: /embargo must be an integer >= 12 \(got 3\)/ });
  t.throws(() => chronologicalSplit(1000, { lookback: 64, horizons: [1], fractions: [0.7, 0.2, 0.2] }), { instanceOf: RangeError, message: /sum to 1 \(got 1\.0999/ });
  t.throws(() => chronologicalSplit(80, { lookback: 64, horizons: [12] }), { instanceOf: RangeError, message: /80 rows are too few/ });
  t.throws(() => chronologicalSplit(1000, { lookback: 0, horizons: [1] }), { instanceOf: RangeError, message: /lookback/ });
  t.throws(() => chronologicalSplit(1000, { lookback: 8, horizons: [] }), { instanceOf: TypeError, message: /horizons/ });
});

test('walk-forward folds: expanding and rolling, embargoed, test blocks tile the end', (t) => {
  const opts = { lookback: 10, horizons: [1, 5], folds: 3 };
  // complete ends [10, 1995): 1985 -> blocks of 496
  const expanding = walkForwardFolds(2000, opts);
  t.deepEqual(expanding, [
    { train: { start: 10, end: 501 }, test: { start: 506, end: 1002 } },
    { train: { start: 10, end: 997 }, test: { start: 1002, end: 1498 } },
    { train: { start: 10, end: 1493 }, test: { start: 1498, end: 1995 } },
  ]);
  const rolling = walkForwardFolds(2000, { ...opts, mode: 'rolling', trainWindows: 300 });
  t.deepEqual(rolling.map((f) => f.train), [{ start: 201, end: 501 }, { start: 697, end: 997 }, { start: 1193, end: 1493 }]);
  t.deepEqual(rolling.map((f) => f.test), expanding.map((f) => f.test));
  t.throws(() => walkForwardFolds(2000, { ...opts, mode: 'sideways' as never }), { message: /mode must be "expanding" or "rolling"/ });
  t.throws(() => walkForwardFolds(30, opts), { instanceOf: RangeError, message: /too few for 3 folds/ });
});

test('rangeEnds lists the ends of a range', (t) => {
  t.deepEqual(Array.from(rangeEnds({ start: 5, end: 8 })), [5, 6, 7]);
  t.is(rangeEnds({ start: 5, end: 5 }).length, 0);
});

test('walk-forward folds with an initial training share: no training target reaches its fold\'s test bars', (t) => {
  const opts = { lookback: 10, horizons: [1, 4, 12], folds: 4, initialTrain: 0.4 };
  // complete ends [10, 1988): 1978 -> initial 791, test blocks of floor(1187 / 4) = 296
  const folds = walkForwardFolds(2000, opts);
  t.deepEqual(folds.map((f) => f.test), [
    { start: 801, end: 1097 }, { start: 1097, end: 1393 }, { start: 1393, end: 1689 }, { start: 1689, end: 1988 },
  ]);
  for (const f of folds) {
    t.is(f.train.start, 10);
    // The last training window's target, ln(c[end + 12] / c[end]), ends before the first test bar.
    t.is(f.train.end - 1 + 12, f.test.start - 1);
    t.true(f.train.end - 1 + 12 < f.test.start);
  }
  const rolling = walkForwardFolds(2000, { ...opts, mode: 'rolling' });
  // Every fold trains on as many ends as the first (the initial block less the embargo).
  t.deepEqual(rolling.map((f) => f.train.end - f.train.start), [779, 779, 779, 779]);
  t.deepEqual(rolling.map((f) => f.test), folds.map((f) => f.test));
  t.throws(() => walkForwardFolds(2000, { ...opts, initialTrain: 1.2 }), { message: /initialTrain must be a fraction/ });
});

test('a fold as training parts: validation at the end of its training ends, embargoed both ways', (t) => {
  const [fold] = walkForwardFolds(2000, { lookback: 10, horizons: [1, 4, 12], folds: 2, initialTrain: 0.5 });
  const s = foldSplit(2000, fold, { lookback: 10, horizons: [1, 4, 12], valFraction: 0.2 });
  t.deepEqual(s.test, fold.test);
  t.is(s.train.start, fold.train.start);
  t.is(s.val.end, fold.train.end);
  t.is(s.val.start - s.train.end, 12);
  t.is(s.val.end - s.val.start, Math.floor((fold.train.end - fold.train.start - 12) * 0.2));
  // No target window crosses a part: train -> val, val -> test.
  t.true(s.train.end - 1 + 12 < s.val.start);
  t.true(s.val.end - 1 + 12 < s.test.start);
  t.throws(() => foldSplit(2000, { train: { start: 10, end: 25 }, test: fold.test }, { lookback: 10, horizons: [12], valFraction: 0.2 }), { message: /too few/ });
});

test('the whole split tests every window with a complete future', (t) => {
  const s = wholeSplit(500, { lookback: 64, horizons: [1, 4, 12] });
  t.deepEqual(s.test, { start: 64, end: 488 });
  t.is(s.train.end - s.train.start, 0);
  t.is(s.val.end - s.val.start, 0);
  t.deepEqual(s.inference, { start: 488, end: 500 });
  t.throws(() => wholeSplit(70, { lookback: 64, horizons: [12] }), { message: /no window with a complete future/ });
});
