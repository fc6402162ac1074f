import test from 'ava';
import { ReliabilityAccumulator } from '../../src/metrics/index.js';
import { close } from '../losses/approx.js';

test('ten bins of P(up) with mean prediction, observed up frequency and count', (t) => {
  const rel = new ReliabilityAccumulator();
  rel.update([0.05, 0.08, 0.15, 0.95], [0.1, -0.1, -0.2, 0.3]);
  rel.update(new Float32Array([1, 0.5, 0.55]), new Float64Array([0.1, 0, 0.2]));
  const bins = rel.bins();
  t.is(bins.length, 10);
  t.deepEqual(bins.map((b) => b.count), [2, 1, 0, 0, 0, 2, 0, 0, 0, 2]);
  close(t, bins[0].meanPredicted!, 0.065);
  t.is(bins[0].observedFrequency, 0.5);
  close(t, bins[1].meanPredicted!, 0.15);
  t.is(bins[1].observedFrequency, 0);
  close(t, bins[5].meanPredicted!, 0.525);
  t.is(bins[5].observedFrequency, 0.5); // a return of exactly 0 is not up
  close(t, bins[9].meanPredicted!, 0.975); // p = 1 falls in the last bin
  t.is(bins[9].observedFrequency, 1);
  t.deepEqual(bins[2], { lower: 0.2, upper: 0.3, meanPredicted: null, observedFrequency: null, count: 0 });
});

test('bad inputs and bin counts are named', (t) => {
  const rel = new ReliabilityAccumulator(4);
  t.throws(() => rel.update([0.2, NaN], [0, 0]), { message: 'pUp[1] is NaN; it must be a probability in [0, 1]' });
  t.throws(() => rel.update([0.2], [0, 0]), { message: 'trueReturn has length 2, expected 1 (the length of pUp)' });
  t.throws(() => new ReliabilityAccumulator(0), { message: 'binCount must be an integer >= 1 (got 0)' });
  t.deepEqual(rel.bins().map((b) => b.count), [0, 0, 0, 0]);
});
