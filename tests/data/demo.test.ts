/** The shipped demo data (data/demo) as `data.source: demo`, the default of `ntp run`. */
import test from 'ava';

import { ConfigError, defaultConfig, resolveConfig } from '../../src/config/index.js';
import { loadSeries } from '../../src/data/source.js';
import { validateOhlcv } from '../../src/data/validate.js';

test('the default data is the demo: BTCUSDT and ETHUSDT 1h, the most recent data.demo.bars of each, real', async (t) => {
  const config = defaultConfig();
  t.is(config.data.source, 'demo');
  const loaded = await loadSeries(config.data);
  t.false(loaded.synthetic);
  t.deepEqual(loaded.series.map((s) => s.symbol), ['BTCUSDT', 'ETHUSDT']);
  for (const { candles } of loaded.series) {
    t.is(candles.close.length, config.data.demo.bars!);
    t.is(candles.timestamp[candles.close.length - 1], Date.UTC(2025, 3, 30, 23));
  }
  t.regex(loaded.source, /demo data \(real Binance spot candles, data\/demo\): BTCUSDT, ETHUSDT 1h, 2000 bars each/);
});

test('data.demo.bars null gives the whole two years, hourly without gaps, valid', async (t) => {
  const loaded = await loadSeries(resolveConfig({ values: { data: { demo: { bars: null } } } }).data);
  for (const { symbol, candles } of loaded.series) {
    t.is(candles.close.length, 17_544, symbol);
    t.is(candles.timestamp[0], Date.UTC(2023, 4, 1));
    const v = validateOhlcv(candles);
    t.true(v.ok, `${symbol}: ${v.summary.join('; ')}`);
    t.is(v.gaps.count, 0, `${symbol} has no gaps`);
  }
});

test('the demo data is 1h: another data.timeframe is a config error (exit 2) naming the key', async (t) => {
  const e = await t.throwsAsync(loadSeries(resolveConfig({ values: { data: { timeframe: '4h' } } }).data), { instanceOf: ConfigError });
  t.regex(e!.message, /data\.timeframe: got "4h", expected "1h" when data\.source is demo/);
});
