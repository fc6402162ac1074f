/** RSI reversal: long when RSI comes back up to `lower`, short when it comes back down to `upper`. */
import { rsiRef } from '../../indicators/plain-reference.js';
import { defineStrategy } from './define.js';

const level = { integer: false, min: 0, max: 100 } as const;

export const rsi = defineStrategy({
  name: 'rsi',
  describe: 'RSI reversal: +1 when RSI(period) rises to lower (below it the bar before), -1 when it falls to upper, from bar period + 1',
  params: {
    period: { describe: 'RSI period', integer: true, min: 1, max: 2 ** 20, default: 14, gridKey: 'rsiPeriod', grid: [14] },
    lower: { describe: 'RSI level a long waits for, rising back to it', ...level, default: 30, gridKey: 'rsiLower', grid: [30] },
    upper: { describe: 'RSI level a short waits for, falling back to it', ...level, default: 70, gridKey: 'rsiUpper', grid: [70] },
  },
  below: [['lower', 'upper']],
  warmup: (p) => p.period + 1,
  series: (c, p) => [rsiRef(c.close, p.period)],
  up: (s, t, p) => s[0][t] >= p.lower,
  down: (s, t, p) => s[0][t] <= p.upper,
});
