import test from 'ava';

import { ConfigError, defaultConfig, resolveConfig, validateConfig } from '../../src/config/index.js';

function issuesOf(t: import('ava').ExecutionContext, fn: () => unknown): ConfigError {
  const e = t.throws(fn, { instanceOf: ConfigError });
  return e as ConfigError;
}

test('a bad scalar names the key, the value and the allowed range', (t) => {
  const e = issuesOf(t, () => resolveConfig({ values: { training: { epochs: 0 } } }));
  t.deepEqual(e.issues, [{ key: 'training.epochs', message: 'got 0, expected integer ≥ 1' }]);
  t.is(e.message, 'invalid config in values given in code: training.epochs: got 0, expected integer ≥ 1');
});

test('a bad enum value lists the allowed values', (t) => {
  const e = issuesOf(t, () => resolveConfig({ values: { scaler: { method: 'minmax' } } }));
  t.deepEqual(e.issues, [{ key: 'scaler.method', message: 'got "minmax", expected one of standard, robust' }]);
});

test('a wrong type, a non-integer and an exclusive bound are each reported', (t) => {
  const e = issuesOf(t, () => resolveConfig({
    values: { dataset: { batchSize: 'big' }, windows: { lookback: 6.5 }, signals: { entryThreshold: 1 } },
  }));
  t.deepEqual(e.issues.map((i) => [i.key, i.message]), [
    ['windows.lookback', 'got 6.5, expected integer ≥ 2 and ≤ 8192'],
    ['dataset.batchSize', 'got "big", expected integer ≥ 1 and ≤ 65536'],
    ['signals.entryThreshold', 'got 1, expected number ≥ 0.5 and < 1'],
  ]);
});

test('unknown keys are errors with a did-you-mean among siblings or in another section', (t) => {
  const e = issuesOf(t, () => resolveConfig({ values: { training: { epocs: 5, batchSize: 32 }, modle: {} } }));
  const byKey = Object.fromEntries(e.issues.map((i) => [i.key, i.message]));
  t.regex(byKey['training.epocs'], /^unknown key \(did you mean training\.epochs\?\); allowed here: epochs, /);
  t.regex(byKey['training.batchSize'], /^unknown key \(did you mean dataset\.batchSize\?\)/);
  t.regex(byKey.modle, /^unknown key \(did you mean model\?\)/);
});

test('list items are checked one by one and lists as a whole', (t) => {
  t.deepEqual(issuesOf(t, () => resolveConfig({ values: { features: ['log_return', 'rsi'] } })).issues, [
    { key: 'features[1]', message: 'got "rsi", expected one of log_return, log_range, log_body, upper_wick, lower_wick, log_volume_diff, hour_sin, hour_cos, dow_sin, dow_cos' },
  ]);
  const horizons = issuesOf(t, () => resolveConfig({ values: { windows: { horizons: [4, 1, 12] } } }));
  t.is(horizons.issues[0].key, 'windows.horizons');
  t.regex(horizons.issues[0].message, /^got \[4,1,12\], which is not strictly increasing; expected list of integers ≥ 1/);
  const fractions = issuesOf(t, () => resolveConfig({ values: { signals: { targets: { fractions: [0.5, 0.3, 0.3] } } } }));
  t.regex(fractions.issues[0].message, /which sums to 1\.1\d*; expected .*exactly 3 items, summing to 1$/);
});

test('null is accepted only where it means something', (t) => {
  const c = resolveConfig({ values: { backtest: { maxHoldBars: null }, data: { since: null } } });
  t.is(c.backtest.maxHoldBars, null);
  const e = issuesOf(t, () => resolveConfig({ values: { training: { epochs: null } } }));
  t.deepEqual(e.issues, [{ key: 'training.epochs', message: 'got null, expected integer ≥ 1' }]);
  t.is(issuesOf(t, () => resolveConfig({ values: { data: { since: 'yesterday' } } })).issues[0].message,
    'got "yesterday", expected an ISO-8601 date such as 2024-01-01 or 2024-01-01T00:00Z, or null');
});

test('derived keys follow the keys they depend on unless set', (t) => {
  const c = resolveConfig({ values: { windows: { horizons: [2, 6, 24] }, data: { timeframe: '4h' }, output: { runDir: 'runs/x' } } });
  t.is(c.split.embargo, 24);
  t.is(c.backtest.barsPerYear, 365 * 6);
  t.is(c.training.checkpointDir, 'runs/x/checkpoints');
  t.is(resolveConfig({ values: { split: { embargo: 3 } } }).split.embargo, 3);
});

test('cross-key rules name the key and the keys it must agree with', (t) => {
  const split = issuesOf(t, () => resolveConfig({ values: { split: { train: 0.8 } } }));
  t.deepEqual(split.issues, [{ key: 'split', message: 'train 0.8 + val 0.15 + test 0.15 = 1.1, expected a sum of 1' }]);
  const size = issuesOf(t, () => resolveConfig({ values: { signals: { size: { min: 0.6, max: 0.5 } } } }));
  t.deepEqual(size.issues, [{ key: 'signals.size.min', message: 'got 0.6, expected at most signals.size.max (0.5)' }]);
  const horizons = issuesOf(t, () => resolveConfig({ values: { windows: { horizons: [1] } } }));
  t.deepEqual(horizons.issues.map((i) => i.key), ['signals.agreement.minAgree', 'losses.horizonWeights', 'training.monitor']);
  const csv = issuesOf(t, () => resolveConfig({ values: { data: { source: 'csv' } } }));
  t.deepEqual(csv.issues, [{ key: 'data.paths', message: 'got [], expected at least one CSV file when data.source is csv' }]);
});

test('validateConfig accepts a complete config and rejects a missing key', (t) => {
  t.deepEqual(validateConfig(defaultConfig()), defaultConfig());
  const { windows, ...partial } = defaultConfig();
  t.truthy(windows);
  const e = issuesOf(t, () => validateConfig(partial));
  t.deepEqual(e.issues, [{ key: 'windows', message: 'missing' }]);
});

test('every problem in a layer is reported at once', (t) => {
  const e = issuesOf(t, () => resolveConfig({ values: { training: { epochs: -1, seed: 'x' }, runtime: { threads: -2 } } }));
  t.deepEqual(e.issues.map((i) => i.key), ['training.epochs', 'training.seed', 'runtime.threads']);
  t.true(e.message.startsWith('invalid config in values given in code:\n  - training.epochs: got -1'));
});
