/** MACD signal-line cross: long when the MACD line crosses above its signal line, short when it crosses below. */
import { macdRef } from '../../indicators/plain-reference.js';
import { defineStrategy } from './define.js';

const period = { integer: true, min: 1, max: 2 ** 20 } as const;

export const macd = defineStrategy({
  name: 'macd',
  describe: 'MACD signal-line cross: +1 when MACD - signal (the histogram) turns > 0, -1 when it turns < 0, from bar slow + signal',
  params: {
    fast: { describe: 'MACD fast EMA period', ...period, default: 12, gridKey: 'macdFast', grid: [8, 12] },
    slow: { describe: 'MACD slow EMA period, above fast', ...period, default: 26, gridKey: 'macdSlow', grid: [21, 26] },
    signal: { describe: 'MACD signal-line EMA period', ...period, default: 9, gridKey: 'macdSignal', grid: [9] },
  },
  below: [['fast', 'slow']],
  warmup: (p) => p.slow + p.signal,
  series: (c, p) => {
    const m = macdRef(c.close, p.fast, p.slow, p.signal);
    return [m.macd, m.signal];
  },
  up: (s, t) => s[0][t] - s[1][t] > 0,
  down: (s, t) => s[0][t] - s[1][t] < 0,
});
