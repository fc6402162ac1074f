import test from 'ava';

import { ConfigError, resolveConfig } from '../../src/config/index.js';
import { syntheticCandles } from '../../src/data/synthetic.js';
import { chronologicalSplit } from '../../src/data/splits.js';
import { trialFoldSplit, searchFolds, searchSpaceOf, trialConfig } from '../../src/search/setup.js';
import { parseSpace, SpaceError } from '../../src/search/space.js';

const candles = syntheticCandles({ bars: 2000, timeframeMs: 3_600_000, start: Date.UTC(2024, 0, 1), seed: 4 });

test('search folds end an embargo before the test split; every fold trains before it tests', (t) => {
  const config = resolveConfig({ values: { windows: { lookback: 32 }, search: { folds: 3 } } });
  const folds = searchFolds([{ symbol: 'X', candles }], config).X;
  const split = chronologicalSplit(2000, { lookback: 32, horizons: config.windows.horizons, embargo: config.split.embargo });
  t.is(folds.length, 3);
  t.is(folds.at(-1)!.test.end, split.test.start - config.split.embargo);
  for (const f of folds) {
    t.true(f.train.end + config.split.embargo <= f.test.start);
    const s = trialFoldSplit(2000, f, 32, config.windows.horizons, config.split.embargo);
    t.deepEqual(s.val, f.test);
    t.is(s.test.end - s.test.start, 0);
  }
  // A trial with a longer lookback starts training later, never before its first full window.
  t.is(trialFoldSplit(2000, folds[0], 64, config.windows.horizons, config.split.embargo).train.start, 64);
});

test('space lines: bad forms, unknown or fixed keys are config errors naming search.space[i]', (t) => {
  const bad = (space: string[]) => t.throws(() => searchSpaceOf(resolveConfig({ values: { search: { space } } })), { instanceOf: ConfigError });
  t.regex(bad(['training.learningRate: float 1e-3..1e-2', 'model.nope: int 1..3']).message, /search\.space\[1\]: model\.nope is not a config key/);
  t.regex(bad(['split.train: float 0.5..0.7']).message, /search\.space\[0\]: split\.train cannot be searched/);
  t.regex(bad(['training.learningRate: float 0..1e-2 log']).message, /must start above 0/);
  t.regex(bad(['training.epochs: int 1..5.5']).message, /integer LOW, HIGH and step/);
  t.regex(bad(['model.lstm.units: int 4..8 when training.epochs=3']).message, /not a parameter listed before/);
  t.regex(bad(['training.learningRate float 1..2']).message, /cannot read/);
  t.throws(() => parseSpace([]), { instanceOf: SpaceError });
  const space = parseSpace(['a: categorical [x, y]', 'b: int 1..4 when a in [y]', 'c: float 0.1..0.9 step 0.2']);
  t.deepEqual(space.params[1].when, { key: 'a', values: ['y'] });
  t.is(space.params[2].kind === 'float' && space.params[2].step, 0.2);
});

test('a trial config applies the parameters and validates them with the key named', (t) => {
  const base = resolveConfig({});
  const c = trialConfig(base, { 'training.learningRate': 0.01, 'model.lstm.units': 12 });
  t.is(c.training.learningRate, 0.01);
  t.is(c.model.lstm.units, 12);
  t.is(base.model.lstm.units, 64);
  t.throws(() => trialConfig(base, { 'model.lstm.units': 0 }), { instanceOf: ConfigError, message: /model\.lstm\.units/ });
});

test('ntp search answers an empty or bad space with exit 2 and the key, before any trial', async (t) => {
  const { main } = await import('../../src/cli/main.js');
  const { captureIo } = await import('../../src/cli/io.js');
  let io = captureIo();
  t.is(await main(['search', '--set', 'data.synthetic.bars=600'], io), 2);
  t.regex(io.err, /search\.space is empty/);
  io = captureIo();
  t.is(await main(['search', '--set', 'search.space=["model.lstm.units: int 0..4"]', '--set', 'search.out=/nonexistent/never-written'], io), 2);
  t.regex(io.err, /model\.lstm\.units/);
  io = captureIo();
  t.is(await main(['search', '--set', 'search.space=["training.learningRate: float 1e-3..1e-2"]', '--set', 'search.sampler=grid'], io), 2);
  t.regex(io.err, /search\.sampler: grid search needs a step for the float parameter training\.learningRate/);
});

test('configs/search-example.yaml is a valid study', (t) => {
  const config = resolveConfig({ file: 'configs/search-example.yaml' });
  const space = searchSpaceOf(config);
  t.is(space.params.length, 5);
  t.deepEqual(space.params[3].when, { key: 'model.transformer.blocks', values: [1] });
  t.is(searchFolds([{ symbol: 'X', candles }], config).X.length, config.search.folds);
});

test('a Dataset built on a fold split trains on the fold and validates on its test ends only', async (t) => {
  const { Dataset } = await import('../../src/data/dataset.js');
  const config = resolveConfig({ values: { windows: { lookback: 32 }, search: { folds: 2 } } });
  const [fold] = searchFolds([{ symbol: 'X', candles }], config).X;
  const split = trialFoldSplit(2000, fold, 32, config.windows.horizons, config.split.embargo);
  const ds = new Dataset([{ symbol: 'X', candles }], { lookback: 32, horizons: config.windows.horizons, splits: { X: split } });
  t.deepEqual([ds.refs.train.ends[0], ds.refs.train.ends.at(-1)! + 1], [split.train.start, split.train.end]);
  t.deepEqual([ds.refs.val.ends[0], ds.refs.val.ends.at(-1)! + 1], [fold.test.start, fold.test.end]);
  t.is(ds.refs.test.ends.length, 0);
  t.throws(() => new Dataset([{ symbol: 'X', candles }], { lookback: 48, horizons: config.windows.horizons, splits: { X: split } }), { message: /is for lookback 32/ });
  t.throws(() => new Dataset([{ symbol: 'Y', candles }], { lookback: 32, horizons: config.windows.horizons, splits: { X: split } }), { message: /no entry for symbol "Y"/ });
});
