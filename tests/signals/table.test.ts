import test from 'ava';
import { formatSignalTable } from '../../src/signals/table.js';
import type { SignalArrays } from '../../src/signals/types.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Bars 0 (long) and 2 (short) carry signals, bar 1 none. */
function sample(): { signals: SignalArrays; timestamps: Float64Array } {
  return {
    signals: {
      side: Int8Array.of(1, 0, -1),
      stopDistance: Float64Array.of(0.02, 0, 0.005),
      targetDistance: [Float64Array.of(0.01, 0, 0.001), Float64Array.of(0.02, 0, 0.0025), Float64Array.of(0.03, 0, 0.004)],
      size: Float64Array.of(0.1, 0, 0.25),
    },
    timestamps: Float64Array.of(T0, T0 + HOUR, T0 + 2 * HOUR),
  };
}

test('signal bars only, distances in percent, aligned columns', (t) => {
  const { signals, timestamps } = sample();
  t.is(formatSignalTable(signals, timestamps), [
    'time (UTC)           side   stop %  tp1 %  tp2 %  tp3 %    size',
    '2024-01-01 00:00:00  LONG    2.000  1.000  2.000  3.000  0.1000',
    '2024-01-01 02:00:00  SHORT   0.500  0.100  0.250  0.400  0.2500',
    '2 of 2 signals shown (most recent), 3 bars',
  ].join('\n'));
});

test('limit keeps the most recent signals', (t) => {
  const { signals, timestamps } = sample();
  const lines = formatSignalTable(signals, timestamps, 1).split('\n');
  t.is(lines.length, 3);
  t.true(lines[1].startsWith('2024-01-01 02:00:00  SHORT'));
  t.is(lines[2], '1 of 2 signals shown (most recent), 3 bars');
  t.is(formatSignalTable(signals, timestamps, 0).split('\n').length, 2);
  t.is(formatSignalTable(signals, timestamps, Infinity), formatSignalTable(signals, timestamps));
});

test('no signals says so', (t) => {
  const { signals, timestamps } = sample();
  signals.side.fill(0);
  t.is(formatSignalTable(signals, timestamps), 'no signals in 3 bars');
});

test('an invalid timestamp prints as its raw value', (t) => {
  const { signals } = sample();
  t.regex(formatSignalTable(signals, [NaN, 0, T0]), /^NaN\s+LONG/m);
});

test('bad limit or mismatched lengths throw naming the argument', (t) => {
  const { signals, timestamps } = sample();
  t.throws(() => formatSignalTable(signals, timestamps, -1), { instanceOf: RangeError, message: 'limit must be an integer >= 0 or Infinity, got -1' });
  t.throws(() => formatSignalTable(signals, timestamps, 2.5), { message: /got 2\.5/ });
  t.throws(() => formatSignalTable(signals, timestamps.subarray(1)), {
    instanceOf: RangeError,
    message: 'timestamps has length 2, expected 3 (the length of signals.side)',
  });
  t.throws(() => formatSignalTable({ ...signals, size: new Float64Array(4) }, timestamps), { message: /^signals\.size has length 4/ });
});
