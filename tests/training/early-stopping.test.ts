import test from 'ava';
import { createEarlyStopping, observeEpoch } from '../../src/training/early-stopping.js';

test('stops after `patience` epochs without improvement (max mode)', (t) => {
  const s = createEarlyStopping('val_dir_mcc_h1', 'max', 2);
  t.deepEqual(observeEpoch(s, 0, { val_dir_mcc_h1: 0.1 }), { improved: true, stop: false });
  t.deepEqual(observeEpoch(s, 1, { val_dir_mcc_h1: 0.05 }), { improved: false, stop: false });
  t.deepEqual(observeEpoch(s, 2, { val_dir_mcc_h1: 0.2 }), { improved: true, stop: false });
  t.deepEqual(observeEpoch(s, 3, { val_dir_mcc_h1: 0.2 }), { improved: false, stop: false });
  t.deepEqual(observeEpoch(s, 4, { val_dir_mcc_h1: Number.NaN }), { improved: false, stop: true });
  t.is(s.best, 0.2);
  t.is(s.bestEpoch, 2);
});

test('min mode and a missing monitor key', (t) => {
  const s = createEarlyStopping('val_loss', 'min', 0);
  t.true(observeEpoch(s, 0, { val_loss: 1 }).improved);
  t.deepEqual(observeEpoch(s, 1, { val_loss: 1.5 }), { improved: false, stop: true });
  t.throws(() => observeEpoch(s, 2, { loss: 1 }), { message: /val_loss.*not among/ });
  t.throws(() => createEarlyStopping('x', 'max', -1), { instanceOf: RangeError });
});

test('ties on the monitored value go to the lower validation loss without resetting the patience', (t) => {
  const s = createEarlyStopping('val_dir_mcc_h1', 'max', 3);
  // An all-"up" head has MCC exactly 0 for several epochs; the lowest val_loss among them wins.
  t.deepEqual(observeEpoch(s, 0, { val_dir_mcc_h1: 0, val_loss: 1.0 }), { improved: true, stop: false });
  t.deepEqual(observeEpoch(s, 1, { val_dir_mcc_h1: 0, val_loss: 0.9 }), { improved: true, stop: false });
  t.deepEqual(observeEpoch(s, 2, { val_dir_mcc_h1: 0, val_loss: 0.95 }), { improved: false, stop: false });
  t.is(s.bestEpoch, 1);
  t.is(s.bestTieBreak, 0.9);
  // A tie won on the loss does not count as progress: the run still stops after 3 epochs.
  t.deepEqual(observeEpoch(s, 3, { val_dir_mcc_h1: 0, val_loss: 0.8 }), { improved: true, stop: true });
  t.is(s.bestEpoch, 3);
  // A higher value wins whatever its loss.
  const m = createEarlyStopping('val_dir_mcc_h1', 'max', 2);
  observeEpoch(m, 0, { val_dir_mcc_h1: 0.1, val_loss: 0.5 });
  t.true(observeEpoch(m, 1, { val_dir_mcc_h1: 0.2, val_loss: 0.7 }).improved);
  t.is(m.bestTieBreak, 0.7);
});
