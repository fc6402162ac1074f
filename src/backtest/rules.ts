/**
 * Rule strategies as signal arrays, for the reference engine. The strategies and their
 * decisions are declared in ./strategies/ (TypeScript twin of native/core/backtest/backtest_strategies.h);
 * a rule's signals carry no stop or targets (Infinity) and size 1.
 */
import type { Candles } from '../data/candles.js';
import type { SignalArrays } from '../signals/types.js';
import { ruleSides, type RuleStrategy } from './strategies/index.js';

/** Signal arrays with the rule's sides, no stop or targets (Infinity) and size 1. */
export function sidesToSignals(side: Int8Array): SignalArrays {
  const n = side.length;
  const inf = (): Float64Array => new Float64Array(n).fill(Infinity);
  return { side, stopDistance: inf(), targetDistance: [inf(), inf(), inf()], size: new Float64Array(n).fill(1) };
}

export function ruleSignals(candles: Candles, rule: RuleStrategy): SignalArrays {
  return sidesToSignals(ruleSides(candles, rule));
}
