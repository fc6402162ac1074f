import test from 'ava';
import { defaultConfig } from '../../src/config/index.js';
import { DEFAULT_SIGNAL_OPTIONS, emptySignalArrays, roundTripCost, signalOptionsFromConfig, signalsOnBars } from '../../src/signals/index.js';

test('the default config maps onto the generator defaults exactly, costs from the backtest section', (t) => {
  const c = defaultConfig();
  t.deepEqual(signalOptionsFromConfig(c.signals, c.backtest), { ...DEFAULT_SIGNAL_OPTIONS, targetFractions: [...DEFAULT_SIGNAL_OPTIONS.targetFractions] });
  t.is(DEFAULT_SIGNAL_OPTIONS.roundTripCost, roundTripCost(c.backtest));
  t.is(signalOptionsFromConfig(c.signals, { feeBps: 4, slippageBps: 2 }).roundTripCost, 0.001);
});

test('window signals land on the bars their windows end at', (t) => {
  const s = emptySignalArrays(2);
  s.side[0] = 1; s.stopDistance[0] = 0.02; s.size[0] = 0.5; s.targetDistance[2][0] = 0.03;
  s.side[1] = -1; s.stopDistance[1] = 0.01; s.size[1] = 1;
  const bars = signalsOnBars(s, Int32Array.of(3, 5), 7);
  t.deepEqual(Array.from(bars.side), [0, 0, 0, 1, 0, -1, 0]);
  t.is(bars.stopDistance[3], 0.02);
  t.is(bars.targetDistance[2][3], 0.03);
  t.is(bars.size[5], 1);
  t.throws(() => signalsOnBars(s, Int32Array.of(3), 7), { message: /2 signals for 1 window ends/ });
  t.throws(() => signalsOnBars(s, Int32Array.of(3, 7), 7), { message: /ends\[1\] = 7 is outside \[0, 7\)/ });
});
