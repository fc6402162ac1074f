import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, withSeededRandom } from '../../src/training/seed.js';

test('tfjs random ops are reproducible under a seeded phase and differ across phases', async (t) => {
  await tf.setBackend('cpu');
  const draw = () => Array.from(tf.randomNormal([5]).dataSync());
  const a = await withSeededRandom(42, 'epoch:1', draw);
  const b = await withSeededRandom(42, 'epoch:1', draw);
  const c = await withSeededRandom(42, 'epoch:2', draw);
  t.deepEqual(a, b);
  t.notDeepEqual(a, c);
  t.not(deriveSeed(42, 'build'), deriveSeed(43, 'build'));
});

test('Math.random is restored even when the phase throws', async (t) => {
  const original = Math.random;
  await t.throwsAsync(withSeededRandom(1, 'x', () => { throw new Error('boom'); }), { message: 'boom' });
  t.is(Math.random, original);
});
