import test from 'ava';
import { DEFAULT_SIGNAL_OPTIONS, resolveSignalOptions, type SignalOptions } from '../../src/signals/options.js';

test('defaults are the SPEC §8 values', (t) => {
  t.deepEqual(resolveSignalOptions(), {
    entryThreshold: 0.55,
    agreementThreshold: 0.5,
    minAgree: 3,
    requireAgreement: true,
    spikeWindow: 50,
    spikeK: 3,
    stopK: 2,
    stopMin: 0.005,
    stopMax: 0.1,
    targetMinDistance: 0.001,
    roundTripCost: 0.0025,
    costMargin: 0.5,
    targetFractions: [1 / 3, 1 / 3, 1 / 3],
    confidenceScale: 0.01,
    sizeMin: 0,
    sizeMax: 1,
  });
});

test('the exported defaults are frozen and resolved options are a private copy', (t) => {
  t.true(Object.isFrozen(DEFAULT_SIGNAL_OPTIONS));
  const o = resolveSignalOptions();
  o.targetFractions[0] = 0.9;
  t.is(DEFAULT_SIGNAL_OPTIONS.targetFractions[0], 1 / 3);
});

test('overrides replace only their keys; undefined means not given', (t) => {
  const o = resolveSignalOptions({ stopK: 3, targetFractions: [0.5, 0.3, 0.2], entryThreshold: undefined });
  t.is(o.stopK, 3);
  t.deepEqual(o.targetFractions, [0.5, 0.3, 0.2]);
  t.is(o.entryThreshold, 0.55);
  t.is(o.stopMin, 0.005);
});

const BAD_NUMBERS: [keyof SignalOptions, number, string][] = [
  ['entryThreshold', 1, 'a number in [0.5, 1)'],
  ['agreementThreshold', 0.45, 'a number in [0.5, 1)'],
  ['minAgree', 2.5, 'an integer in [1, 3]'],
  ['minAgree', 4, 'an integer in [1, 3]'],
  ['spikeWindow', 0, 'an integer >= 1'],
  ['spikeK', 0, 'a finite number > 0'],
  ['stopK', -1, 'a finite number >= 0'],
  ['stopMin', 0, 'a finite number > 0'],
  ['stopMax', Infinity, 'a finite number > 0'],
  ['targetMinDistance', NaN, 'a finite number >= 0'],
  ['roundTripCost', -0.001, 'a finite number >= 0'],
  ['costMargin', Infinity, 'a finite number >= 0'],
  ['confidenceScale', -0.01, 'a finite number > 0'],
  ['sizeMin', -0.1, 'a finite number >= 0'],
];

test('out-of-range numbers throw RangeError naming the key, the value and what is allowed', (t) => {
  for (const [key, value, allowed] of BAD_NUMBERS) {
    t.throws(() => resolveSignalOptions({ [key]: value }), {
      instanceOf: RangeError,
      message: `signals.${key} must be ${allowed}, got ${value}`,
    });
  }
});

test('wrong types throw TypeError', (t) => {
  t.throws(() => resolveSignalOptions({ spikeK: '3' } as unknown as Partial<SignalOptions>), {
    instanceOf: TypeError,
    message: 'signals.spikeK must be a finite number > 0, got "3"',
  });
  t.throws(() => resolveSignalOptions({ requireAgreement: 'yes' } as unknown as Partial<SignalOptions>), {
    instanceOf: TypeError,
    message: 'signals.requireAgreement must be a boolean, got "yes"',
  });
  t.throws(() => resolveSignalOptions(null as unknown as Partial<SignalOptions>), { instanceOf: TypeError, message: /got null/ });
});

test('unknown keys are rejected, listing the allowed ones', (t) => {
  t.throws(() => resolveSignalOptions({ stopk: 2 } as unknown as Partial<SignalOptions>), {
    instanceOf: RangeError,
    message: /^signals\.stopk is not a signal option \(allowed: entryThreshold, .*stopK/,
  });
});

test('inverted bounds are rejected', (t) => {
  t.throws(() => resolveSignalOptions({ stopMin: 0.2 }), { message: 'signals.stopMin (0.2) must be <= signals.stopMax (0.1)' });
  t.throws(() => resolveSignalOptions({ sizeMin: 0.5, sizeMax: 0.4 }), { message: 'signals.sizeMin (0.5) must be <= signals.sizeMax (0.4)' });
});

test('target fractions must be 3 numbers in [0, 1] summing to 1', (t) => {
  t.throws(() => resolveSignalOptions({ targetFractions: [0.5, 0.5, 0.5] }), {
    message: /^signals\.targetFractions must sum to 1 \(tolerance 1e-9\), got \[0\.5, 0\.5, 0\.5\]/,
  });
  t.throws(() => resolveSignalOptions({ targetFractions: [1] as unknown as [number, number, number] }), {
    message: /^signals\.targetFractions must have exactly 3 entries/,
  });
  t.throws(() => resolveSignalOptions({ targetFractions: 'thirds' as unknown as [number, number, number] }), {
    instanceOf: TypeError,
    message: 'signals.targetFractions must be an array of 3 numbers, got "thirds"',
  });
});
