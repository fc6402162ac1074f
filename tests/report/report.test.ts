import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { renderReport, writeReport, type ReportData } from '../../src/report/index.js';
import { HOSTILE_SYMBOL, makeReportData } from './fixture.js';

function libraryText(): string {
  const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return readFileSync(join(dirname(pkg), 'dist/lightweight-charts.standalone.production.js'), 'utf8');
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The report's JSON, with the non-finite markers turned back into numbers. */
function embeddedData(html: string): unknown {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no report-data script element');
  return JSON.parse(m[1], (_k, v: unknown) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v));
}

/** Attributes of every element carrying data-metric, in document order. */
function metricCells(html: string): Record<string, string>[] {
  return [...html.matchAll(/<(?:td|g)\b([^>]*\bdata-metric="[^"]*"[^>]*)>/g)].map((m) =>
    Object.fromEntries([...m[1].matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((a) => [a[1], unescapeHtml(a[2])])),
  );
}

test('the report is one self-contained file with the charting library inlined', (t) => {
  const html = renderReport(makeReportData());
  t.true(html.includes(libraryText()), 'the lightweight-charts standalone build is inlined verbatim');
  t.true(html.includes('TradingView Lightweight Charts™ v5.2.1'));
  t.notRegex(html, /<script[^>]*\bsrc\s*=/i, 'no external scripts');
  t.notRegex(html, /<link\b/i, 'no linked stylesheets or icons');
  // Outside the inline scripts (the library's attribution link is a click target, not a load).
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
  t.notRegex(markup, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'no http(s) src/href references');
  t.notRegex(markup, /url\(\s*["']?\s*(?:https?:)?\/\//i, 'no remote CSS urls');
  t.regex(markup, /data-chart="candles" data-symbol-index="0"/);
  t.regex(markup, /data-chart="drawdown" data-symbol-index="1"/);
});

test('text is escaped and the JSON cannot close its script element', (t) => {
  const data = makeReportData();
  const html = renderReport(data);
  const opened = (html.match(/<script\b/gi) ?? []).length;
  t.is(opened, 3, 'library, data and page script');
  t.is((html.match(/<\/script/gi) ?? []).length, opened, 'every </script in the file closes one of our elements');
  t.false(html.includes('<img'), 'the symbol name did not become an element');
  t.true(html.includes('<h2>ETH&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&amp;&#39;</h2>'));
  t.true(html.includes('<h1>Report &lt;test&gt; &amp; &quot;quotes&quot;</h1>'));
  t.deepEqual(embeddedData(html), data, 'the embedded JSON round-trips, Infinity included');
});

test('every trading metric cell carries the raw value of the data', (t) => {
  const data = makeReportData();
  const cells = metricCells(renderReport(data)).filter((c) => c.symbol !== undefined);
  const expected = data.symbols!.flatMap((s) => Object.entries(s.metrics!).map(([key, value]) => ({ symbol: s.symbol, key, value })));
  t.is(cells.length, expected.length);
  for (const e of expected) {
    const cell = cells.find((c) => c.symbol === e.symbol && c.key === e.key);
    t.is(Number(cell?.metric), e.value, `${e.symbol} ${e.key}`);
  }
  t.true(cells.some((c) => c.symbol === HOSTILE_SYMBOL), 'cells are found by the unescaped symbol name');
});

test('metrics read as humans expect: percentages, counts, infinity', (t) => {
  const html = renderReport(makeReportData());
  t.regex(html, /data-key="total_return" data-metric="0\.1234">12\.34%</);
  t.regex(html, /data-key="max_drawdown" data-metric="0\.0876">8\.76%</);
  t.regex(html, /data-key="trades" data-metric="4">4</);
  t.regex(html, /data-key="sharpe" data-metric="1\.234">1\.234</);
  t.regex(html, /data-key="profit_factor" data-metric="Infinity">∞</);
  t.regex(html, /data-key="fees" data-metric="12\.5">12\.500</);
});

test('the classifier table shows accuracy, F1, MCC, coverage and calibration error per horizon', (t) => {
  const data = makeReportData();
  const cells = metricCells(renderReport(data)).filter((c) => c.horizon !== undefined);
  for (const h of data.classifier!) {
    for (const key of ['accuracy', 'f1', 'mcc', 'coverage1Sigma'] as const) {
      t.is(Number(cells.find((c) => c.horizon === h.horizon && c.key === key)?.metric), h[key], `${h.horizon} ${key}`);
    }
  }
  // bins(0.2): observed = clamp(p + 0.2 (p - 0.5)) in bins 1..9 (bin 0 empty), weights 20 + 5i.
  let sum = 0;
  let total = 0;
  for (let i = 1; i < 10; i++) {
    const p = (i + 0.5) / 10;
    sum += (20 + 5 * i) * Math.abs(Math.min(1, p + 0.2 * (p - 0.5)) - p);
    total += 20 + 5 * i;
  }
  t.true(Math.abs(Number(cells.find((c) => c.horizon === 'short' && c.key === 'ece')?.metric) - sum / total) < 1e-12);
  t.is(cells.filter((c) => c.key === 'ece').length, 2, 'no calibration error for a horizon without bins');
});

test('training, periods, reliability and sweep sections are drawn', (t) => {
  const html = renderReport(makeReportData());
  for (const series of ['loss', 'val_loss', 'val_mcc', 'rsi', 'ema_fast', 'ema_slow', 'calibrated', 'observed']) {
    t.regex(html, new RegExp(`<path class="series" data-series="${series}" d="M[\\d.]+,[\\d.]+L`), series);
  }
  t.is((html.match(/<svg class="line-chart"/g) ?? []).length, 2 + 1 + 2, 'loss, monitor, periods, two reliability diagrams');
  const sweepCells = metricCells(html).filter((c) => c.row !== undefined && c.key === 'sharpe');
  t.is(sweepCells.length, 9);
  const sharpe = sweepCells.map((c) => Number(c.metric));
  t.deepEqual(sharpe, [...sharpe].sort((a, b) => b - a), 'rows stay in ranked order');
  t.regex(html, /data-row="0" data-key="fast" data-metric="20">20</, 'whole-number parameters read as integers');
  t.regex(html, /data-row="0" data-key="total_return" data-metric="0\.15">15\.00%</);
  const heat = metricCells(html).filter((c) => c.x !== undefined);
  t.is(heat.length, 9);
  t.true(heat.some((c) => c.x === '20' && c.y === '100' && Number(c.metric) === 1.5));
});

test('synthetic data is announced prominently, real data is not', (t) => {
  const synthetic = renderReport(makeReportData());
  t.regex(synthetic, /<div class="synthetic-banner"[^>]*>SYNTHETIC DATA/);
  t.regex(synthetic, /<title>[^<]*\(synthetic data\)<\/title>/);
  const real = renderReport({ ...makeReportData(), synthetic: false, source: 'binance BTC/USDT 1h' });
  t.false(real.includes('id="synthetic-banner"'));
  t.false(real.includes('SYNTHETIC'));
  t.regex(real, /Data: binance BTC\/USDT 1h</);
});

test('only title, generatedAt and source are required; no charts means no library', (t) => {
  const html = renderReport({ title: 'Empty', generatedAt: '2024-01-01T00:00:00Z', source: 'none' });
  t.regex(html, /<h1>Empty<\/h1>/);
  t.false(html.includes('LightweightCharts'));
  t.false(html.includes('data-chart='));
});

test('bad data is rejected with the path of the bad value', (t) => {
  const short = makeReportData();
  short.symbols![0].candles!.close.pop();
  t.throws(() => renderReport(short), { message: /symbols\[0\]\.candles\.close has 299 values, expected 300/ });

  const unordered = makeReportData();
  unordered.symbols![1].equity!.time[5] = unordered.symbols![1].equity!.time[4];
  t.throws(() => renderReport(unordered), { message: /symbols\[1\]\.equity\.time\[5\] = \d+ must be greater than the time before it/ });

  const side = makeReportData();
  (side.symbols![0].trades![1] as { side: number }).side = 0;
  t.throws(() => renderReport(side), { message: /symbols\[0\]\.trades\[1\]\.side must be 1 \(long\) or -1 \(short\) \(got 0\)/ });

  const row = makeReportData();
  row.sweep!.rows[2].pop();
  t.throws(() => renderReport(row), { message: /sweep\.rows\[2\] must have 6 cells, one per column \(got 5\)/ });

  const periods = makeReportData();
  periods.periods!.periods.rsi.push(3);
  t.throws(() => renderReport(periods), { message: /periods\.periods\.rsi has 13 values, expected 12/ });

  t.throws(() => renderReport({ title: 'x', generatedAt: 'y' } as ReportData), { message: /report data: source must be a string \(got undefined\)/ });
});

test('writeReport writes the rendered file atomically, leaving no temp file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-report-'));
  try {
    const data = makeReportData();
    const path = join(dir, 'nested', 'report.html');
    writeReport(path, data);
    t.is(readFileSync(path, 'utf8'), renderReport(data));
    t.deepEqual(readdirSync(join(dir, 'nested')), ['report.html']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the baselines table shows the model, each baseline and the paired difference with intervals', (t) => {
  const score = (name: string, accuracy: number, mcc: number) => ({ name, accuracy, accuracyCi: [accuracy - 0.02, accuracy + 0.02] as [number, number], mcc, mccCi: [mcc - 0.03, mcc + 0.03] as [number, number] });
  const data: ReportData = {
    title: 'eval', generatedAt: '2026-01-01T00:00:00Z', source: 'test',
    forecast: {
      windows: 500, method: '95% moving-block bootstrap', verdict: 'edge check: the model shows no edge',
      horizons: [{ horizon: 'h0 (+1 bars)', model: score('model', 0.51, 0.02), baselines: [score('always_up', 0.52, 0), score('reversal_1', 0.53, 0.05)],
        best: 'reversal_1', difference: score('model - reversal_1', -0.02, -0.03) }],
    },
  };
  const html = renderReport(data);
  t.regex(html, /<section id="forecast">/);
  t.regex(html, /id="edge-verdict">edge check: the model shows no edge</);
  const cells = metricCells(html).filter((c) => c.predictor !== undefined);
  t.deepEqual(cells.map((c) => [c.predictor, c.key, Number(c.metric)]), [
    ['model', 'accuracy', 0.51], ['model', 'mcc', 0.02], ['always_up', 'accuracy', 0.52], ['always_up', 'mcc', 0],
    ['reversal_1', 'accuracy', 0.53], ['reversal_1', 'mcc', 0.05], ['model - reversal_1', 'accuracy', -0.02], ['model - reversal_1', 'mcc', -0.03],
  ]);
  t.true(html.includes('[0.490, 0.530]'));
  const bad = structuredClone(data);
  (bad.forecast!.horizons[0].baselines[1] as { mccCi: unknown }).mccCi = [0.1];
  t.throws(() => renderReport(bad), { message: 'report data: forecast.horizons[0].baselines[1].mccCi must be [low, high]' });
});
