/**
 * The report's sections as HTML fragments, each from one part of ReportData. Charts drawn by
 * the page script are empty containers here (data-chart names what goes in them).
 */
import { reliabilitySvg } from './calibration.js';
import { comparisonTable } from './comparison.js';
import { escapeHtml } from './escape.js';
import { heatmapSvg } from './heatmap.js';
import { lineChartSvg } from './svg-chart.js';
import { classifierTable, forecastTable, sweepTable, tradingMetricsTable } from './tables.js';
import type { ForecastReport, HorizonMetrics, IndicatorPeriods, ReportReliabilityBin, ReportData, SweepDistributionReport, SweepReport, SymbolReport, TrainingHistory } from './types.js';

export function headerSection(data: ReportData): string {
  const banner = data.synthetic
    ? '<div class="synthetic-banner" id="synthetic-banner" role="alert">SYNTHETIC DATA: these candles are generated, not market prices. Results say nothing about real trading.</div>'
    : '';
  return (
    `<header><h1>${escapeHtml(data.title)}</h1>` +
    `<p class="meta">Generated ${escapeHtml(data.generatedAt)}</p>` +
    `<p class="meta" id="data-source">Data: ${escapeHtml(data.source)}${data.synthetic ? ' (synthetic)' : ''}</p>${banner}</header>`
  );
}

/** Trading metrics and, beside them, the classifier's quality per horizon with its reliability diagrams. */
export function summarySection(symbols: SymbolReport[], classifier: HorizonMetrics[] | undefined): string {
  const parts: string[] = [];
  if (symbols.some((s) => s.metrics)) parts.push(`<div><h3>Trading metrics</h3>${tradingMetricsTable(symbols)}</div>`);
  if (classifier?.length) {
    const diagrams = classifier
      .filter((h): h is HorizonMetrics & { reliability: ReportReliabilityBin[] } => Boolean(h.reliability?.length))
      .map((h) => reliabilitySvg(h))
      .join('');
    parts.push(`<div><h3>Classifier by horizon</h3>${classifierTable(classifier)}<div class="svg-row">${diagrams}</div></div>`);
  }
  return parts.length ? `<section id="summary"><h2>Summary</h2><div class="side-by-side">${parts.join('')}</div></section>` : '';
}

export function symbolSection(s: SymbolReport, index: number): string {
  const chart = (kind: string, cls = 'chart') => `<div class="${cls}" data-chart="${kind}" data-symbol-index="${index}"></div>`;
  const parts = [`<h2>${escapeHtml(s.symbol)}</h2>`];
  if (s.candles) {
    const trades = s.trades?.length ?? 0;
    parts.push(`<h3>Price, ${trades} trade${trades === 1 ? '' : 's'} (arrows: entries, squares: exits, T1-T3: target fills)</h3>${chart('candles')}`);
  }
  if (s.comparison) parts.push(`<h3>Strategy vs buy-and-hold and EMA cross, and what it paid</h3>${comparisonTable(s.symbol, s.comparison)}`);
  if (s.equity) parts.push(`<h3>Equity</h3>${chart('equity', 'chart small')}<h3>Drawdown (%)</h3>${chart('drawdown', 'chart small')}`);
  return `<section class="symbol" data-symbol="${escapeHtml(s.symbol)}">${parts.join('')}</section>`;
}

/** Loss and val_loss over epochs, and the monitored metric in its own chart (its scale differs). */
export function trainingSection(t: TrainingHistory): string {
  const epochs = t.epochs.map((e) => e.epoch);
  const losses = [{ name: 'loss', x: epochs, y: t.epochs.map((e) => e.loss) }];
  if (t.epochs.some((e) => e.val_loss !== undefined)) losses.push({ name: 'val_loss', x: epochs, y: t.epochs.map((e) => e.val_loss ?? NaN) });
  const charts = [lineChartSvg({ title: 'Loss', xLabel: 'epoch', series: losses })];
  if (t.monitor) {
    const monitor = t.monitor;
    charts.push(lineChartSvg({ title: monitor, xLabel: 'epoch', series: [{ name: monitor, x: epochs, y: t.epochs.map((e) => e.metrics?.[monitor] ?? NaN), dots: true }] }));
  }
  return `<section id="training"><h2>Training</h2><div class="svg-row">${charts.join('')}</div></section>`;
}

export function periodsSection(p: IndicatorPeriods): string {
  const series = Object.entries(p.periods).map(([name, values]) => ({ name, x: p.epochs, y: values }));
  return `<section id="periods"><h2>Learned indicator periods</h2>${lineChartSvg({ title: 'Period by epoch', xLabel: 'epoch', series, width: 760 })}</section>`;
}

export function sweepSection(s: SweepReport): string {
  const ranked = s.rankBy ? ` (ranked by ${escapeHtml(s.rankBy)})` : '';
  const heatmap = s.heatmap ? `<div>${heatmapSvg(s.heatmap)}</div>` : '';
  const dist = s.distributed ? sweepDistributionHtml(s.distributed) : '';
  return `<section id="sweep"><h2>Parameter sweep${ranked}</h2><div class="side-by-side"><div>${sweepTable(s)}</div>${heatmap}</div>${dist}</section>`;
}

/** Who ran what in a sweep on a queue, and what is missing (shards that failed every attempt). */
function sweepDistributionHtml(d: SweepDistributionReport): string {
  const table = (id: string, head: string[], rows: (string | number)[][]) => `<table class="metrics" id="${id}"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(typeof v === 'number' ? v.toLocaleString('en-US') : v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const workers = table('sweep-workers', ['worker', 'shards', 'paths', 'bar-combos', 'busy s'],
    d.workers.map((w) => [w.worker, w.shards, w.paths, w.barCombos, (w.busyMs / 1000).toFixed(2)]));
  const missing = d.missing.length === 0 ? '' : `<p class="warning">${d.missing.length} of ${d.shards} shards failed every attempt; their paths are missing from the results:</p>`
    + table('sweep-missing', ['shard', 'symbol', 'rules', 'risk', 'paths', 'error'], d.missing.map((m) => [m.shard, m.symbol, m.rules, m.risk, m.paths, m.error]));
  return `<h3>Workers (sweep ${escapeHtml(d.sweepId.slice(0, 12))}, ${d.shards} shards)</h3>${workers}${missing}`;
}

/** The model against naive baselines on the same windows (rows "model - X": the paired difference). */
export function forecastSection(f: ForecastReport): string {
  const verdict = f.verdict ? `<p class="meta" id="edge-verdict">${escapeHtml(f.verdict)}</p>` : '';
  return `<section id="forecast"><h2>Direction vs naive baselines</h2><p class="meta">${escapeHtml(`${f.windows} windows; ${f.method}`)}</p>` +
    `${verdict}${forecastTable(f)}</section>`;
}
