/**
 * The strategy beside buy-and-hold and the EMA cross on the same bars (src/pipeline/baselines.ts):
 * the baselines are the existing engines' runs, buy-and-hold matches a hand computation, and
 * both engines give the same comparison.
 */
import test from 'ava';

import { resolveBacktestOptions } from '../../src/backtest/types.js';
import { ruleSignals } from '../../src/backtest/rules.js';
import { runReferenceBacktest } from '../../src/backtest/reference.js';
import { sliceCandles } from '../../src/data/candles.js';
import { backtestSeries } from '../../src/pipeline/backtest-series.js';
import { BASELINE_EMA_CROSS, compareWithBaselines, comparisonReport, formatComparison } from '../../src/pipeline/baselines.js';
import { symbolReport } from '../../src/pipeline/report-data.js';
import { renderReport } from '../../src/report/index.js';
import { closeTo } from '../backtest/helpers.js';
import { loadMarketData } from '../helpers/market-data.js';

const market = loadMarketData('BTCUSDT-1h');
const candles = sliceCandles(market.candles, 20_000, 26_000);
const options = resolveBacktestOptions({ feeBps: 10, slippageBps: 5 });
// A strategy to compare: the 5/50 EMA cross with a stop (any signals would do).
const strategySignals = ruleSignals(candles, { kind: 'ema_cross', fast: 5, slow: 50 });

test('buy-and-hold and the EMA cross run on exactly the strategy\'s bars, by both engines alike', async (t) => {
  const compared: ReturnType<typeof comparisonReport>[] = [];
  for (const engine of ['native', 'reference'] as const) {
    const results = await backtestSeries([{ symbol: 'BTCUSDT', candles }], { kind: 'signals', signals: [strategySignals] }, options, engine);
    const [c] = await compareWithBaselines(results, options, engine, 'strategy');
    t.deepEqual(c.map((r) => r.name), ['strategy', 'buy and hold', 'ema cross 12/26']);
    for (const r of c) t.is(r.result.candles, candles, `${r.name} ran on the same candles`);
    // Buy-and-hold: long at bar 1's open (+ slippage) with the whole equity, out at the last close.
    const hold = c[1].result;
    t.is(hold.trades.length, 1);
    const entry = candles.open[1] * 1.0005;
    const q = 10_000 / entry;
    const exit = candles.close[candles.close.length - 1] * 0.9995;
    const expected = q * (exit - entry) - 10_000 * 0.001 - q * exit * 0.001;
    t.true(closeTo(hold.metrics.finalEquity, 10_000 + expected, 1e-9), `${engine}: ${hold.metrics.finalEquity} vs ${10_000 + expected}`);
    // The EMA cross is the rule strategy the engines already run.
    const ema = runReferenceBacktest(candles, ruleSignals(candles, BASELINE_EMA_CROSS), options);
    t.true(closeTo(c[2].result.metrics.sharpe, ema.metrics.sharpe, 1e-9));
    t.is(c[2].result.trades.length, ema.trades.length);
    t.true(c[0].costs.fees > c[1].costs.fees, 'the active strategy pays more fees than buy-and-hold');
    compared.push(comparisonReport(c));
  }
  compared[0].runs.forEach((run, i) => {
    for (const [k, v] of Object.entries(run.values)) t.true(closeTo(v, compared[1].runs[i].values[k], 1e-9), `${run.name} ${k}`);
  });
});

test('the comparison appears in the text output and the HTML report', async (t) => {
  const results = await backtestSeries([{ symbol: 'BTCUSDT', candles }], { kind: 'signals', signals: [strategySignals] }, options);
  const [c] = await compareWithBaselines(results, options, 'native', 'model');
  const text = formatComparison('BTCUSDT', c);
  for (const label of ['net return', 'sharpe', 'max drawdown', 'gross P&L', 'net P&L', 'fees / start equity / year', 'avg edge / trade', 'avg cost / trade', 'round trip 25.0 bps']) {
    t.true(text.includes(label), `text has "${label}"`);
  }
  t.true(text.includes('buy and hold') && text.includes('ema cross 12/26'));
  const html = renderReport({ title: 't', generatedAt: 'now', source: market.source, symbols: [symbolReport(results[0], c)] });
  const cell = html.match(/data-run="buy and hold" data-key="totalReturn" data-metric="([^"]+)"/);
  t.truthy(cell, 'report has the buy-and-hold return');
  t.is(Number(cell![1]), c[1].result.metrics.totalReturn);
  t.regex(html, /data-run="model" data-key="feesSharePerYear"/);
});
