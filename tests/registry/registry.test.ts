import test from 'ava';

import { indicatorRegistry, lossRegistry, metricRegistry, Registry } from '../../src/registry/index.js';

test('register, get, has and list', (t) => {
  const r = new Registry<(x: number) => number>('loss');
  const double = (x: number) => 2 * x;
  r.register('mse', (x) => x * x).register('double', double);
  t.is(r.get('double'), double);
  t.is(r.get('mse')(3), 9);
  t.true(r.has('mse'));
  t.false(r.has('mae'));
  t.deepEqual(r.list(), ['double', 'mse']);
});

test('an unknown name lists the known ones and suggests the closest', (t) => {
  const r = new Registry<number>('metric').register('dir_mcc', 1).register('dir_f1', 2).register('price_mae', 3);
  t.is(t.throws(() => r.get('dir_mc'), { instanceOf: RangeError })?.message,
    'unknown metric "dir_mc" (did you mean dir_mcc?); known: dir_f1, dir_mcc, price_mae');
  t.is(t.throws(() => r.get('sharpe'), { instanceOf: RangeError })?.message,
    'unknown metric "sharpe"; known: dir_f1, dir_mcc, price_mae');
  t.is(t.throws(() => new Registry<number>('loss').get('huber'), { instanceOf: RangeError })?.message,
    'unknown loss "huber"; none are registered yet');
});

test('registering a taken name is an error and keeps the first value', (t) => {
  const r = new Registry<number>('indicator').register('ema', 1);
  t.is(t.throws(() => r.register('ema', 2))?.message, 'indicator "ema" is already registered');
  t.is(r.get('ema'), 1);
});

test('names must be non-empty and trimmed', (t) => {
  const r = new Registry<number>('loss');
  t.throws(() => r.register('', 1), { instanceOf: TypeError, message: /loss name must be a non-empty string/ });
  t.throws(() => r.register(' huber', 1), { instanceOf: TypeError, message: /got " huber"/ });
  t.deepEqual(r.list(), []);
});

test('falsy values are stored and found like any other', (t) => {
  const r = new Registry<number | null>('metric').register('zero', 0).register('none', null);
  t.is(r.get('zero'), 0);
  t.is(r.get('none'), null);
});

test('the shared registries are distinct and name their kind in errors', (t) => {
  t.is(new Set<unknown>([indicatorRegistry, lossRegistry, metricRegistry]).size, 3);
  t.deepEqual([indicatorRegistry.kind, lossRegistry.kind, metricRegistry.kind], ['indicator', 'loss', 'metric']);
  t.regex(t.throws(() => metricRegistry.get('no_such_metric_xyz'))?.message ?? '', /^unknown metric "no_such_metric_xyz"/);
});
