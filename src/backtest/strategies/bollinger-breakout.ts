/**
 * Bollinger breakout: long when the close breaks above the upper band, short when it breaks
 * below the lower one (the trend-following reading of the bands; fading them, mean reversion,
 * is what the rsi rule already does with its levels).
 */
import { bollingerRef } from '../../indicators/plain-reference.js';
import { defineStrategy } from './define.js';

export const bollingerBreakout = defineStrategy({
  name: 'bollinger_breakout',
  describe: 'Bollinger breakout: +1 when the close rises above SMA(period) + k sd, -1 when it falls below SMA - k sd, from bar period',
  params: {
    period: { describe: 'Bollinger window, bars (mean and population standard deviation)', integer: true, min: 2, max: 2 ** 20, default: 20, gridKey: 'bollingerPeriod', grid: [20, 50] },
    k: { describe: 'Bollinger band half-width, standard deviations', integer: false, min: 0, max: 10, default: 2, gridKey: 'bollingerK', grid: [2, 2.5] },
  },
  below: [],
  warmup: (p) => p.period,
  series: (c, p) => {
    const b = bollingerRef(c.close, p.period, p.k);
    return [c.close, b.upper, b.lower];
  },
  up: (s, t) => s[0][t] > s[1][t],
  down: (s, t) => s[0][t] < s[2][t],
});
