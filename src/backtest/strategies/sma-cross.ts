/** SMA cross: the EMA cross's rule on simple moving averages. */
import { smaRef } from '../../indicators/plain-reference.js';
import { defineStrategy } from './define.js';
import { MA_PERIODS } from './ema-cross.js';

export const smaCross = defineStrategy({
  name: 'sma_cross',
  describe: 'SMA cross: +1 when SMA(fast) - SMA(slow) turns > 0, -1 when it turns < 0, from bar `slow`',
  params: MA_PERIODS,
  below: [['fast', 'slow']],
  warmup: (p) => p.slow,
  series: (c, p) => [smaRef(c.close, p.fast), smaRef(c.close, p.slow)],
  up: (s, t) => s[0][t] - s[1][t] > 0,
  down: (s, t) => s[0][t] - s[1][t] < 0,
});
