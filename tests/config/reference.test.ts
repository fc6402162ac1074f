import test from 'ava';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { defaultConfig, describeConfig, loadConfig, renderConfigYaml, schemaDefaults } from '../../src/config/index.js';
import { schemaLeaves } from '../../src/config/walk.js';
import { DEFAULTS_HEADER } from '../../src/cli/commands/config.js';

test('configs/default.yaml is exactly the generated defaults (regenerate: ntp config --defaults)', (t) => {
  t.is(readFileSync('configs/default.yaml', 'utf8'), renderConfigYaml(schemaDefaults(), DEFAULTS_HEADER));
  t.deepEqual(loadConfig('configs/default.yaml'), defaultConfig());
});

test('configs/sweep-example.yaml is a valid multi-symbol EMA-cross sweep over the 1h files', (t) => {
  const c = loadConfig('configs/sweep-example.yaml');
  t.is(c.sweep.strategy, 'ema_cross');
  t.is(c.data.source, 'csv');
  t.true(c.data.paths.length >= 2);
  for (const [i, p] of c.data.paths.entries()) {
    t.regex(p, /^\.\.\/shared\/data\/[A-Z]+USDT-1h\.csv$/);
    t.is(c.data.symbols[i], basename(p, '-1h.csv'));
  }
  t.true(c.sweep.grid.fast.length > 1 && c.sweep.grid.slow.length > 1);
  t.true(c.sweep.grid.stopLoss.length > 1 && c.sweep.grid.feeBps.length > 1);
});

test('the Markdown reference has one row per key with its allowed values and default', (t) => {
  const md = describeConfig();
  const rows = md.split('\n').filter((l) => l.startsWith('| `'));
  t.is(rows.length, schemaLeaves().length);
  t.true(rows.includes('| `training.epochs` | integer ≥ 1 | `40` | Maximum epochs |'));
  t.true(rows.includes('| `split.embargo` | integer ≥ 0, or null | max(windows.horizons) | Bars left out between consecutive splits so no target leaks across |'));
  t.true(rows.includes('| `data.timeframe` | a count and a unit m\\|h\\|d\\|w, e.g. 5m, 1h, 1d | `"1h"` | Bar length |'));
  t.true(md.includes('### `model.transformer`\n\nTransformer branch\n'));
});

test('docs/CONFIG.md carries the current generated reference (regenerate: ntp config --reference)', (t) => {
  t.true(readFileSync('docs/CONFIG.md', 'utf8').includes(describeConfig()));
});

test('every example config in configs/ loads and validates', (t) => {
  for (const f of ['default', 'sweep-example', 'csv-example', 'ccxt-example']) t.notThrows(() => loadConfig(`configs/${f}.yaml`), f);
});
