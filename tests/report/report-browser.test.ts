/**
 * Opens a rendered report in headless Chromium with the network blocked: the page must load
 * and draw from the file alone, without console or page errors, and its tables must match
 * the embedded JSON. Leaves a screenshot in test-artifacts/report.png.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeReport } from '../../src/report/index.js';
import { makeReportData } from './fixture.js';
import { resolveBacktestOptions } from '../../src/backtest/index.js';
import { sliceCandles } from '../../src/data/candles.js';
import { backtestSeries } from '../../src/pipeline/backtest-series.js';
import { saveReport, symbolReport } from '../../src/pipeline/report-data.js';
import { loadMarketData } from '../helpers/market-data.js';
import { withReport } from './browser.js';
import { CHART_PIXELS, INJECTION_STATE, probe, TABLE_VS_JSON } from './page-probes.js';

/** Each chart's series colour (client-script.ts): proves the series painted, not just grid and axes. */
const SERIES_RGB: Record<string, [number, number, number]> = {
  candles: [38, 166, 154],
  equity: [41, 98, 255],
  drawdown: [198, 40, 40],
};

test('the report opens offline in Chromium and draws every chart', async (t) => {
  t.timeout(50_000);
  const work = mkdtempSync(join(tmpdir(), 'ntp-report-file-'));
  const data = makeReportData();
  const file = join(work, 'report.html');
  writeReport(file, data);
  await withReport(t, file, async ({ page }) => {
    const charts = (await page.evaluate(probe(CHART_PIXELS, SERIES_RGB))) as { chart: string; painted: number; series: number }[];
    t.is(charts.length, 6, 'candles, equity and drawdown for each of two symbols');
    for (const c of charts) {
      t.true(c.painted > 0, `${c.chart} has non-background pixels`);
      t.true(c.series > 50, `${c.chart} shows its series colour (${c.series} pixels)`);
    }

    // Table cells against the JSON the page carries.
    const table = (await page.evaluate(probe(TABLE_VS_JSON))) as { count: number; mismatches: string[] };
    const metricCount = data.symbols!.reduce((n, s) => n + Object.keys(s.metrics!).length, 0);
    t.is(table.count, metricCount);
    t.deepEqual(table.mismatches, []);

    const injected = (await page.evaluate(probe(INJECTION_STATE))) as { images: number; pwned: number | null; banner: string };
    t.is(injected.images, 0, 'the hostile symbol name stayed text');
    t.is(injected.pwned, null);
    t.regex(injected.banner, /^SYNTHETIC DATA/);

    const artifacts = resolve('test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    const screenshot = join(artifacts, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true, timeout: 10_000 });
    t.log(`screenshot: ${screenshot}`);
  });
  rmSync(work, { recursive: true, force: true });
});

test('a report written by the pipeline from a real backtest shows the backtest\'s own metrics', async (t) => {
  t.timeout(50_000);
  const market = loadMarketData('BTCUSDT-1h');
  const n = market.candles.close.length;
  const series = [{ symbol: 'BTCUSDT', candles: sliceCandles(market.candles, n - 3000, n) }];
  const [result] = await backtestSeries(series, { kind: 'rule', rule: { kind: 'ema_cross', fast: 12, slow: 26 } },
    resolveBacktestOptions({ stopDistance: 0.03, targetDistance: [0.01, 0.02, 0.04] }));
  t.true(result.trades.length > 10, `${result.trades.length} trades`);
  const dir = mkdtempSync(join(tmpdir(), 'ntp-report-pipeline-'));
  const file = saveReport(dir, {
    title: 'EMA cross on BTCUSDT', generatedAt: new Date().toISOString(), source: market.source === 'file' ? market.path! : 'synthetic stand-in',
    synthetic: market.source !== 'file', symbols: [symbolReport(result)],
  });
  await withReport(t, file, async ({ page }) => {
    const charts = (await page.evaluate(probe(CHART_PIXELS, SERIES_RGB))) as { chart: string; series: number }[];
    t.is(charts.length, 3);
    for (const c of charts) t.true(c.series > 50, `${c.chart} drew its series`);
    const cells = (await page.evaluate(`Object.fromEntries([...document.querySelectorAll('[data-metric][data-key]')].map((e) => [e.dataset.key, Number(e.dataset.metric)]))`)) as Record<string, number>;
    for (const name of ['totalReturn', 'sharpe', 'maxDrawdown', 'trades', 'winRate', 'feesPaid', 'tier1Hits', 'stopOuts']) {
      t.is(cells[name], (result.metrics as Record<string, number>)[name], name);
    }
  });
  rmSync(dir, { recursive: true, force: true });
});
