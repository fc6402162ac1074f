import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { syntheticMarket } from '../../src/data/synthetic.js';
import { calibrateLossWeights } from '../../src/training/calibrate.js';
import { tinyConfig } from './fixtures/tiny-config.js';

test('proposed weights equalise each term with the price term at initialisation', async (t) => {
  const config = tinyConfig(mkdtempSync(join(tmpdir(), 'ntp-cal-')));
  const series = syntheticMarket({ bars: 800, seed: 9, symbols: 1 });
  const c = await calibrateLossWeights(config, series, 3);
  t.is(c.batches, 3);
  t.is(c.weights.price, 1);
  for (const term of ['direction', 'variance', 'trend'] as const) {
    t.true(Number.isFinite(c.means[term]));
    t.true(Math.abs(c.weights[term] * Math.abs(c.means[term]) - Math.abs(c.means.price)) < 1e-9 * Math.abs(c.means.price) + 1e-12,
      `${term}: weighted magnitude equals the price term`);
  }
  // Deterministic: the untrained model is built under the run's seed.
  t.deepEqual(await calibrateLossWeights(config, series, 3), c);
  await t.throwsAsync(calibrateLossWeights(config, series, 0), { instanceOf: RangeError });
});
