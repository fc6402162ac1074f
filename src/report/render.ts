/**
 * renderReport: one self-contained HTML file (no network needed to open it). The charting
 * library, the stylesheet, the page script and the data (JSON) are all inline.
 */
import { CLIENT_SCRIPT } from './client-script.js';
import { escapeHtml, inlineScript, jsonForScript } from './escape.js';
import { lightweightChartsSource } from './library.js';
import { forecastSection, headerSection, periodsSection, summarySection, sweepSection, symbolSection, trainingSection } from './sections.js';
import { overfittingSection, searchSection } from './search-section.js';
import { REPORT_CSS } from './styles.js';
import type { ReportData } from './types.js';
import { validateReportData } from './validate.js';

export function renderReport(data: ReportData): string {
  validateReportData(data);
  const symbols = data.symbols ?? [];
  const body = [
    headerSection(data),
    summarySection(symbols, data.classifier),
    data.forecast ? forecastSection(data.forecast) : '',
    ...symbols.map((s, i) => symbolSection(s, i)),
    data.training?.epochs.length ? trainingSection(data.training) : '',
    data.periods ? periodsSection(data.periods) : '',
    data.overfitting ? overfittingSection(data.overfitting) : '',
    data.search ? searchSection(data.search) : '',
    data.sweep ? sweepSection(data.sweep) : '',
    '<footer>Charts by TradingView Lightweight Charts™ (Apache-2.0), embedded in this file.</footer>',
  ].join('\n');
  // Only the candlestick/equity charts need the library; a report without them stays small.
  const charts = symbols.some((s) => s.candles || s.equity);
  const scripts = charts
    ? `<script>${inlineScript(lightweightChartsSource())}</script>\n<script>${inlineScript(CLIENT_SCRIPT)}</script>`
    : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}${data.synthetic ? ' (synthetic data)' : ''}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head><body>',
    body,
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    scripts,
    '</body></html>',
    '',
  ].join('\n');
}
