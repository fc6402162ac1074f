// The orders and layouts the TypeScript side shares with the addon come from the addon: the
// constants TypeScript still needs without it (the reference engine's) must equal its exports.
import test from 'ava';

import { backtestLayout } from '../../src/backtest/native.js';
import { METRIC_NAMES } from '../../src/backtest/metrics.js';
import { EXIT_REASONS } from '../../src/backtest/types.js';
import { nativeAddon } from '../../src/native/addon.js';
import type { BinaryOpName } from '../../src/models/native-kernels.js';

test('METRIC_NAMES and EXIT_REASONS equal the addon\'s exported orders', (t) => {
  const layout = nativeAddon().backtestLayout;
  t.deepEqual([...METRIC_NAMES], layout.metricNames);
  t.is(layout.metrics, METRIC_NAMES.length);
  t.deepEqual([...EXIT_REASONS], layout.exitReasons);
  t.is(backtestLayout(), layout);  // the wrapper's own check passes and it reads the same object
});

test('the trade record layout has every field inside the record, none overlapping', (t) => {
  const { trade, tradeFields } = nativeAddon().backtestLayout;
  const width: Record<string, number> = { tierIndex: 3, tierPrice: 3, tierQty: 3 };
  const used = new Set<number>();
  for (const [name, offset] of Object.entries(trade)) {
    for (let k = 0; k < (width[name] ?? 1); k++) {
      t.false(used.has(offset + k), `${name} overlaps another field at ${offset + k}`);
      used.add(offset + k);
    }
  }
  t.is(used.size, tradeFields);
  t.is(Math.max(...used), tradeFields - 1);
});

test('the path flags are distinct bits', (t) => {
  const bits = Object.values(nativeAddon().backtestLayout.flags);
  t.is(bits.length, 5);
  t.is(bits.reduce((a, b) => a | b, 0), bits.reduce((a, b) => a + b, 0));
  for (const b of bits) t.is(b & (b - 1), 0);
});

test('the addon\'s binary op codes compute the ops they are named after', (t) => {
  const addon = nativeAddon();
  const a = Float32Array.of(1, -2, 3, 0), b = Float32Array.of(2, 5, -1, 4);
  const expected: Record<BinaryOpName, number[]> = {
    add: [3, 3, 2, 4], sub: [-1, -7, 4, -4], mul: [2, -10, -3, 0], max: [2, 5, 3, 4], reluGrad: [1, -2, 0, 0],
  };
  t.deepEqual(Object.keys(addon.binaryOps).sort(), Object.keys(expected).sort());
  for (const [name, want] of Object.entries(expected)) {
    const out = new Float32Array(4);
    addon.binaryOp({ op: addon.binaryOps[name as BinaryOpName], a, b, out });
    t.deepEqual([...out], want, name);
  }
});
