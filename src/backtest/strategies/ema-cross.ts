/** EMA cross: long when the fast EMA crosses above the slow one, short when it crosses below. */
import { emaRef } from '../../indicators/plain-reference.js';
import { defineStrategy, type StrategyParam } from './define.js';

const MAX_PERIOD = 2 ** 20;

/** The fast and slow periods of the moving-average crosses (sweep.grid.fast / slow). */
export const MA_PERIODS = {
  fast: { describe: 'Fast moving-average period', integer: true, min: 1, max: MAX_PERIOD, default: 12, gridKey: 'fast', grid: [5, 10, 20] },
  slow: { describe: 'Slow moving-average period, above fast', integer: true, min: 1, max: MAX_PERIOD, default: 26, gridKey: 'slow', grid: [50, 100, 200] },
} as const satisfies Record<string, StrategyParam>;

export const emaCross = defineStrategy({
  name: 'ema_cross',
  describe: 'EMA cross: +1 when EMA(fast) - EMA(slow) turns > 0, -1 when it turns < 0, from bar `slow`',
  params: MA_PERIODS,
  below: [['fast', 'slow']],
  warmup: (p) => p.slow,
  series: (c, p) => [emaRef(c.close, p.fast), emaRef(c.close, p.slow)],
  up: (s, t) => s[0][t] - s[1][t] > 0,
  down: (s, t) => s[0][t] - s[1][t] < 0,
});
