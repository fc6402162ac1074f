import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { compositeLoss, lossRegistry, type ModelOutputs, toLossInputs } from '../../src/losses/index.js';

await tf.setBackend('cpu');

const B = 2;
function outputs(horizons = 3): ModelOutputs {
  const out: ModelOutputs = {};
  for (let h = 0; h < horizons; h++) {
    out[`price_h${h}`] = tf.tensor2d([[0.1 * h], [-0.1]]);
    out[`direction_h${h}`] = tf.tensor2d([[0.6], [0.3]]);
    out[`variance_h${h}`] = tf.tensor2d([[0.5], [1.5]]);
  }
  return out;
}
const targets = { y: tf.tensor2d([[0.2, 0.3, -0.5], [-0.1, -0.4, 0.2]]), d: tf.tensor2d([[1, 1, 0], [0, 0, 1]]) };

test('toLossInputs stacks each head to [B, H] in horizon order', (t) => {
  const x = toLossInputs(outputs(), targets);
  t.deepEqual(x.price.shape, [B, 3]);
  t.deepEqual(Array.from(x.price.dataSync()), Array.from(new Float32Array([0, 0.1, 0.2, -0.1, -0.1, -0.1])));
  t.deepEqual(Array.from(x.variance.dataSync()), [0.5, 0.5, 0.5, 1.5, 1.5, 1.5]);
  t.deepEqual(Array.from(x.d.dataSync()), [1, 1, 0, 0, 0, 1]);
});

test('int32 direction labels give the same loss as float labels', (t) => {
  const asInt = { y: targets.y, d: tf.cast(targets.d, 'int32') };
  t.is(compositeLoss(outputs(), asInt).total.dataSync()[0], compositeLoss(outputs(), targets).total.dataSync()[0]);
});

test('a NaN in an output is reported with its name, position and value', (t) => {
  const out = outputs();
  out.price_h1 = tf.tensor2d([[0.1], [NaN]]);
  t.throws(() => compositeLoss(out, targets), {
    instanceOf: RangeError,
    message: 'outputs.price_h1 has a non-finite value (NaN) at index [1, 0] (shape [2, 1]); loss inputs must be finite',
  });
});

test('a NaN or Infinity in the targets is reported too', (t) => {
  const y = tf.tensor2d([[0.2, 0.3, -0.5], [-0.1, Infinity, 0.2]]);
  t.throws(() => compositeLoss(outputs(), { y, d: targets.d }), { message: /^targets\.y has a non-finite value \(Infinity\) at index \[1, 1\]/ });
});

test('checkInputs: false skips the check (the NaN then reaches the loss)', (t) => {
  const out = outputs();
  out.direction_h2 = tf.tensor2d([[NaN], [0.5]]);
  const loss = compositeLoss(out, targets, { checkInputs: false });
  t.true(Number.isNaN(loss.total.dataSync()[0]));
});

test('missing outputs, wrong shapes and extra horizons are named', (t) => {
  const missing = outputs();
  delete missing.variance_h2;
  t.throws(() => toLossInputs(missing, targets), { instanceOf: TypeError, message: /^outputs\.variance_h2 is missing or not a tensor/ });
  const wide = outputs();
  wide.price_h0 = tf.zeros([B, 2]);
  t.throws(() => toLossInputs(wide, targets), { message: 'outputs.price_h0 has shape [2, 2], expected [2] or [2, 1]' });
  t.throws(() => toLossInputs(outputs(4), targets), { message: /^outputs\.price_h3 has no target column: targets\.y has 3 horizons/ });
  t.throws(() => toLossInputs(outputs(), { y: tf.zeros([B]), d: tf.zeros([B]) }), { message: /^targets\.y must be a \[B, H\] tensor \(got \[2\]\)/ });
  t.throws(() => toLossInputs(outputs(), { y: targets.y, d: tf.zeros([B, 2]) }), { message: /^targets\.d must be a tensor of the shape of targets\.y \[2, 3\] \(got \[2, 2\]\)/ });
});

test('bad weights and unknown loss names are named', (t) => {
  t.throws(() => compositeLoss(outputs(), targets, { horizonWeights: [1, 1] }), { message: 'horizonWeights has 2 entries, expected 3 (one per horizon)' });
  t.throws(() => compositeLoss(outputs(), targets, { horizonWeights: [1, -1, 1] }), { message: /horizonWeights\[1\] must be a finite number >= 0 \(got -1\)/ });
  t.throws(() => compositeLoss(outputs(), targets, { weights: { trend: NaN } }), { message: /weights\.trend must be a finite number >= 0 \(got NaN\)/ });
  t.throws(() => compositeLoss(outputs(), targets, { losses: { direction: 'focall' } }), { message: /unknown loss "focall"/ });
});

test('every loss is registered by name', (t) => {
  t.deepEqual(lossRegistry.list(), ['bce', 'focal', 'gaussian_nll', 'huber', 'trend_extended', 'trend_global', 'trend_local']);
});

test('compositeLoss leaves no tensors behind besides its result', (t) => {
  const out = outputs();
  const before = tf.memory().numTensors;
  const loss = compositeLoss(out, targets);
  const kept = 1 + 4 + 3; // total, four terms, three per-horizon vectors
  t.is(tf.memory().numTensors - before, kept);
  tf.dispose([loss.total, Object.values(loss.terms), Object.values(loss.perHorizon)]);
});
