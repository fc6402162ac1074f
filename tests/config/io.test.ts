import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ConfigError, deepMerge, defaultConfig, getPath, loadConfig, resolveConfig, saveConfig, setPath,
} from '../../src/config/index.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'ntp-config-io-'));

test('YAML and JSON files load over the defaults', (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.yaml'), '# comment\nbacktest:\n  feeBps: 4  # cheap venue\n');
  writeFileSync(join(dir, 'b.json'), '{"backtest": {"feeBps": 6}}');
  t.is(loadConfig(join(dir, 'a.yaml')).backtest.feeBps, 4);
  t.is(loadConfig(join(dir, 'b.json')).backtest.feeBps, 6);
  t.is(loadConfig(join(dir, 'b.json')).backtest.slippageBps, defaultConfig().backtest.slippageBps);
});

test('an empty file is the defaults', (t) => {
  const path = join(tempDir(), 'empty.yaml');
  writeFileSync(path, '');
  t.deepEqual(loadConfig(path), defaultConfig());
});

test('missing, unparsable and non-mapping files are config errors naming the file', (t) => {
  const dir = tempDir();
  t.is(t.throws(() => loadConfig(join(dir, 'nope.yaml')), { instanceOf: ConfigError })?.message,
    `invalid config in ${join(dir, 'nope.yaml')}: config file not found: ${join(dir, 'nope.yaml')}`);
  writeFileSync(join(dir, 'broken.json'), '{"training": ');
  t.regex(t.throws(() => loadConfig(join(dir, 'broken.json')), { instanceOf: ConfigError })?.message ?? '', /cannot parse .*broken\.json/);
  writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');
  t.regex(t.throws(() => loadConfig(join(dir, 'list.yaml')), { instanceOf: ConfigError })?.message ?? '',
    /expected a mapping of sections at the top of .*list\.yaml, got a list/);
});

test('save then load gives the same config, in YAML and in JSON', (t) => {
  const dir = tempDir();
  const cfg = resolveConfig({ set: ['windows.horizons=[2, 8]', 'losses.horizonWeights=[1, 0.5]', 'signals.agreement.minAgree=2',
    'training.monitor=val_dir_mcc_h0', 'signals.targets.fractions=[0.5, 0.25, 0.25]', 'data.since=2021-03-01T00:00Z'] });
  for (const name of ['run.yaml', 'run.json']) {
    saveConfig(join(dir, name), cfg);
    t.deepEqual(loadConfig(join(dir, name)), cfg, name);
  }
  t.regex(readFileSync(join(dir, 'run.yaml'), 'utf8'), /epochs: 40 # Maximum epochs \(integer ≥ 1\)/, 'saved YAML carries the schema comments');
});

test('deepMerge merges sections, replaces lists and scalars, and keeps inputs intact', (t) => {
  const base = { a: { b: 1, c: [1, 2, 3] }, d: 'x' };
  const merged = deepMerge(base, { a: { c: [9] }, d: null });
  t.deepEqual(merged, { a: { b: 1, c: [9] }, d: null });
  t.deepEqual(base, { a: { b: 1, c: [1, 2, 3] }, d: 'x' });
});

test('getPath and setPath address dotted keys without mutating', (t) => {
  const cfg = defaultConfig();
  t.is(getPath(cfg, 'model.transformer.heads'), 4);
  t.is(getPath(cfg, 'model.nothing.here'), undefined);
  const changed = setPath(cfg, 'model.transformer.heads', 8);
  t.is(getPath(changed, 'model.transformer.heads'), 8);
  t.is(cfg.model.transformer.heads, 4);
  t.is(changed.training, cfg.training, 'untouched sections are shared, not copied');
  t.deepEqual(setPath({}, 'a.b.c', 1), { a: { b: { c: 1 } } });
  t.throws(() => setPath({ a: 5 }, 'a.b', 1), { instanceOf: RangeError, message: 'cannot set a.b: a holds 5, not a section' });
});
