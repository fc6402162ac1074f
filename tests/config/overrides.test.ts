import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, defaultConfig, envKey, resolveConfig } from '../../src/config/index.js';

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ntp-config-')), name);
  writeFileSync(path, text);
  return path;
}

test('environment names map to keys: __ nests, single _ separates words, case-insensitive', (t) => {
  t.is(envKey('NTP_TRAINING__EPOCHS'), 'training.epochs');
  t.is(envKey('NTP_DATASET__BATCH_SIZE'), 'dataset.batchSize');
  t.is(envKey('NTP_DATASET__BATCHSIZE'), 'dataset.batchSize');
  t.is(envKey('NTP_MODEL__TRANSFORMER__D_MODEL'), 'model.transformer.dModel');
  t.is(envKey('NTP_FEATURES'), 'features');
  t.is(envKey('NTP_ADDON_PATH'), null, 'not a config section: left to its owner');
  t.is(envKey('HOME'), null);
  t.is(envKey('NTP_TRAINING__MAX_EPOCHS'), 'training.maxEpochs', 'kept so validation reports it');
});

test('environment values are YAML scalars and lists', (t) => {
  const c = resolveConfig({
    env: {
      NTP_TRAINING__EPOCHS: '5', NTP_DATASET__SHUFFLE: 'false', NTP_WINDOWS__HORIZONS: '[1, 2, 3]',
      NTP_SCALER__METHOD: 'robust', NTP_DATA__SINCE: '2024-01-01', NTP_ADDON_PATH: '/somewhere/else.node',
    },
  });
  t.is(c.training.epochs, 5);
  t.false(c.dataset.shuffle);
  t.deepEqual(c.windows.horizons, [1, 2, 3]);
  t.is(c.split.embargo, 3);
  t.is(c.scaler.method, 'robust');
  t.is(c.data.since, '2024-01-01');
});

test('a bad environment value names the variable, the key and the value', (t) => {
  const e = t.throws(() => resolveConfig({ env: { NTP_TRAINING__EPOCHS: 'many' } }), { instanceOf: ConfigError });
  t.is(e?.message, 'invalid config in NTP_TRAINING__EPOCHS: training.epochs: got "many", expected integer ≥ 1');
  const unknown = t.throws(() => resolveConfig({ env: { NTP_TRAINING__EPOCS: '3' } }), { instanceOf: ConfigError });
  t.regex(unknown?.message ?? '', /^invalid config in NTP_TRAINING__EPOCS: training\.epocs: unknown key \(did you mean training\.epochs\?\)/);
});

test('--set parses key=value with YAML values, later assignments winning', (t) => {
  const c = resolveConfig({ set: ['training.epochs=5', 'training.learningRate=3e-4', 'training.epochs=7', 'data.exchange=kraken'] });
  t.is(c.training.epochs, 7);
  t.is(c.training.learningRate, 3e-4);
  t.is(c.data.exchange, 'kraken');
  t.is(resolveConfig({ set: ['backtest.maxHoldBars=null'] }).backtest.maxHoldBars, null);
});

test('malformed --set arguments name the argument', (t) => {
  t.is(t.throws(() => resolveConfig({ set: ['training.epochs'] }), { instanceOf: ConfigError })?.message,
    'invalid config in --set: --set expects key=value such as training.epochs=5 (got "training.epochs")');
  t.regex(t.throws(() => resolveConfig({ set: ['windows.horizons=[1, 2'] }), { instanceOf: ConfigError })?.message ?? '',
    /^invalid config in --set windows\.horizons=\[1, 2: windows\.horizons: cannot parse "\[1, 2" as a YAML value/);
  t.regex(t.throws(() => resolveConfig({ set: ['training..epochs=1'] }), { instanceOf: ConfigError })?.message ?? '',
    /config key must be dot-separated names/);
  t.is(t.throws(() => resolveConfig({ set: ['features.extra=1'] }), { instanceOf: ConfigError })?.message,
    'invalid config in --set features.extra=1: features: got {"extra":1}, expected list of values from log_return, log_range, log_body, upper_wick, lower_wick, log_volume_diff, hour_sin, hour_cos, dow_sin, dow_cos, at least 1 item, no duplicates');
});

test('precedence: defaults <- file <- environment <- --set', (t) => {
  const file = tempFile('run.yaml', 'training:\n  epochs: 10\n  patience: 9\n  seed: 1\ndataset:\n  batchSize: 64\n');
  const c = resolveConfig({ file, env: { NTP_TRAINING__EPOCHS: '20', NTP_TRAINING__PATIENCE: '8' }, set: ['training.epochs=30'] });
  t.is(c.training.epochs, 30, '--set beats environment and file');
  t.is(c.training.patience, 8, 'environment beats file');
  t.is(c.training.seed, 1, 'file beats defaults');
  t.is(c.dataset.batchSize, 64);
  t.is(c.training.learningRate, defaultConfig().training.learningRate, 'untouched keys keep defaults');
});

test('a file layer error names the file', (t) => {
  const file = tempFile('bad.yaml', 'windows:\n  lookback: 1\n');
  t.is(t.throws(() => resolveConfig({ file }), { instanceOf: ConfigError })?.message,
    `invalid config in ${file}: windows.lookback: got 1, expected integer ≥ 2 and ≤ 8192`);
});
