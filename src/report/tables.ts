/**
 * HTML tables of the report. Every numeric cell carries its raw value in `data-metric`
 * (String(value), so Infinity reads "Infinity") next to the human text, plus the keys that
 * locate it (data-symbol / data-horizon / data-key), so tests and scripts can read values back.
 */
import { expectedCalibrationError } from './calibration.js';
import { escapeHtml } from './escape.js';
import { formatMetric, formatNumber, formatPercent, isPercentMetric, metricLabel } from './format.js';
import type { ForecastReport, HorizonMetrics, SweepReport, SymbolReport } from './types.js';

function metricCell(value: number, text: string, locate: Record<string, string>): string {
  const attrs = Object.entries(locate).map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`).join('');
  return `<td class="num"${attrs} data-metric="${escapeHtml(String(value))}">${escapeHtml(text)}</td>`;
}

/** Metric rows by symbol columns; a metric a symbol lacks shows a dash. */
export function tradingMetricsTable(symbols: SymbolReport[]): string {
  const withMetrics = symbols.filter((s) => s.metrics);
  const keys = [...new Set(withMetrics.flatMap((s) => Object.keys(s.metrics ?? {})))];
  const head = withMetrics.map((s) => `<th scope="col">${escapeHtml(s.symbol)}</th>`).join('');
  const rows = keys.map((key) => {
    const cells = withMetrics.map((s) => {
      const v = s.metrics?.[key];
      return v === undefined ? '<td class="missing">—</td>' : metricCell(v, formatMetric(key, v), { symbol: s.symbol, key });
    });
    return `<tr><th scope="row">${escapeHtml(metricLabel(key))}</th>${cells.join('')}</tr>`;
  });
  return `<table class="metrics" id="trading-metrics"><thead><tr><th scope="col">metric</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** One row per horizon: accuracy, F1, MCC, 1-sigma coverage and the calibration error of P(up). */
export function classifierTable(horizons: HorizonMetrics[]): string {
  const rows = horizons.map((h) => {
    const at = (key: string) => ({ horizon: h.horizon, key });
    const ece = h.reliability ? expectedCalibrationError(h.reliability) : undefined;
    return (
      `<tr><th scope="row">${escapeHtml(h.horizon)}</th>` +
      metricCell(h.accuracy, formatPercent(h.accuracy), at('accuracy')) +
      metricCell(h.f1, formatNumber(h.f1), at('f1')) +
      metricCell(h.mcc, formatNumber(h.mcc), at('mcc')) +
      metricCell(h.coverage1Sigma, formatPercent(h.coverage1Sigma), at('coverage1Sigma')) +
      (ece === undefined ? '<td class="missing">—</td>' : metricCell(ece, formatPercent(ece), at('ece'))) +
      '</tr>'
    );
  });
  return (
    '<table class="metrics" id="classifier-metrics"><thead><tr><th scope="col">horizon</th><th scope="col">accuracy</th>' +
    '<th scope="col">F1</th><th scope="col">MCC</th><th scope="col" title="fraction of targets within ±1σ; 68.3% when calibrated">1σ coverage</th>' +
    '<th scope="col" title="expected calibration error of P(up) over the reliability bins">calibration error</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

/** The ranked sweep rows as given (best first); the ranking column is highlighted. */
export function sweepTable(sweep: SweepReport): string {
  const head = sweep.columns
    .map((c) => `<th scope="col"${c === sweep.rankBy ? ' class="rank-by"' : ''}>${escapeHtml(metricLabel(c))}</th>`)
    .join('');
  // Parameter columns (all whole numbers: rank, periods, thresholds) read as integers.
  const integral = sweep.columns.map((_, j) => sweep.rows.every((r) => typeof r[j] !== 'number' || Number.isInteger(r[j])));
  const rows = sweep.rows.map((row, i) => {
    const cells = row.map((v, j) => {
      const key = sweep.columns[j];
      if (typeof v !== 'number') return `<td>${escapeHtml(v)}</td>`;
      const text = integral[j] && !isPercentMetric(key) ? v.toLocaleString('en-US') : formatMetric(key, v);
      return metricCell(v, text, { row: String(i), key });
    });
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<table class="metrics" id="sweep-table"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Per horizon: accuracy and MCC with their intervals for the model, each baseline and the paired difference model - best. */
export function forecastTable(f: ForecastReport): string {
  const interval = (c: [number, number]) => `[${formatNumber(c[0])}, ${formatNumber(c[1])}]`;
  const rows = f.horizons.flatMap((h) => [h.model, ...h.baselines, h.difference].map((p, i) => {
    const at = (key: string) => ({ horizon: h.horizon, predictor: p.name, key });
    const label = i === 0 ? '<strong>model</strong>' : escapeHtml(p.name);
    return (
      `<tr${p === h.difference ? ' class="difference"' : ''}><th scope="row">${i === 0 ? escapeHtml(h.horizon) : ''}</th><td>${label}</td>` +
      metricCell(p.accuracy, formatNumber(p.accuracy, 4), at('accuracy')) + `<td class="num">${escapeHtml(interval(p.accuracyCi))}</td>` +
      metricCell(p.mcc, formatNumber(p.mcc, 4), at('mcc')) + `<td class="num">${escapeHtml(interval(p.mccCi))}</td></tr>`
    );
  }));
  return (
    '<table class="metrics" id="forecast-baselines"><thead><tr><th scope="col">horizon</th><th scope="col">predictor</th>' +
    '<th scope="col">accuracy</th><th scope="col">95% CI</th><th scope="col">MCC</th><th scope="col">95% CI</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}
