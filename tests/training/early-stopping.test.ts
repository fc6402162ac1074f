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
