import test from 'ava';
import { accuracy, ConfusionAccumulator, type ConfusionCounts, f1, mcc } from '../../src/metrics/index.js';
import { close } from '../losses/approx.js';

const scores = (c: ConfusionCounts) => ({ acc: accuracy(c), f1: f1(c), mcc: mcc(c) });

test('scores of a mixed confusion matrix', (t) => {
  const s = scores({ tp: 3, fp: 1, tn: 4, fn: 2 });
  close(t, s.acc, 7 / 10);
  close(t, s.f1, 6 / 9); // 2*3 / (2*3 + 1 + 2)
  close(t, s.mcc, 10 / Math.sqrt(600)); // (3*4 - 1*2) / sqrt(4 * 5 * 5 * 6)
});

test('an anti-correlated matrix has negative MCC and F1 0 without true positives', (t) => {
  const s = scores({ tp: 0, fp: 2, tn: 3, fn: 5 });
  close(t, s.acc, 0.3);
  t.is(s.f1, 0);
  close(t, s.mcc, -0.5); // (0 - 2*5) / sqrt(2 * 5 * 5 * 8)
});

test('MCC is 0 when undefined: all labels one class, or all calls one class', (t) => {
  // every label up, calls mixed: tn + fp = 0
  t.deepEqual(scores({ tp: 3, fp: 0, tn: 0, fn: 2 }), { acc: 0.6, f1: 0.75, mcc: 0 });
  // every label and call up: perfect accuracy, yet no correlation is measurable
  t.deepEqual(scores({ tp: 5, fp: 0, tn: 0, fn: 0 }), { acc: 1, f1: 1, mcc: 0 });
  // nothing up anywhere: F1 has no positives to score and is 0 (as scikit-learn)
  t.deepEqual(scores({ tp: 0, fp: 0, tn: 4, fn: 0 }), { acc: 1, f1: 0, mcc: 0 });
  // every call down, labels mixed: tp + fp = 0
  t.deepEqual(scores({ tp: 0, fp: 0, tn: 3, fn: 3 }), { acc: 0.5, f1: 0, mcc: 0 });
});

test('no samples: accuracy NaN, F1 and MCC 0', (t) => {
  const s = scores({ tp: 0, fp: 0, tn: 0, fn: 0 });
  t.true(Number.isNaN(s.acc));
  t.is(s.f1, 0);
  t.is(s.mcc, 0);
});

test('MCC stays accurate for counts whose four-way product exceeds 2^53', (t) => {
  // (1e16 - 1e14) / (1.1e8 * 1.1e8)
  close(t, mcc({ tp: 1e8, fp: 1e7, tn: 1e8, fn: 1e7 }), 0.99 / 1.21, { abs: 0, rel: 1e-12 });
});

test('the accumulator calls up at p >= 0.5 and counts a return of exactly 0 as down', (t) => {
  const acc = new ConfusionAccumulator(mcc);
  const n = 5;
  const zeros = new Float64Array(n);
  acc.update({
    pUp: new Float32Array([0.5, 0.49, 0.9, 0.1, 0.7]),
    trueReturn: new Float64Array([0.01, 0.02, 0, -0.3, -0.1]),
    predReturn: zeros,
    variance: zeros,
    lastClose: new Float64Array(n).fill(1),
  });
  // up/up, down/up, up/flat, down/down, up/down
  t.deepEqual(acc.counts, { tp: 1, fp: 2, tn: 1, fn: 1 });
  close(t, acc.value(), (1 * 1 - 2 * 1) / Math.sqrt(3 * 2 * 3 * 2));
});
