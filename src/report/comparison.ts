/**
 * The strategy-vs-baselines table (SymbolReport.comparison): its rows, in order, and how each
 * reads. The CLI's text table (src/pipeline/baselines.ts) shows the same rows.
 */
import { escapeHtml } from './escape.js';
import type { ReportComparison } from './types.js';

export type ComparisonUnit = 'percent' | 'number' | 'count' | 'money' | 'bps';

/** The rows every view shows, in order: key, label, and how the value reads. */
export const COMPARISON_ROWS: readonly { key: string; label: string; unit: ComparisonUnit }[] = [
  { key: 'totalReturn', label: 'net return', unit: 'percent' },
  { key: 'sharpe', label: 'sharpe', unit: 'number' },
  { key: 'maxDrawdown', label: 'max drawdown', unit: 'percent' },
  { key: 'trades', label: 'trades', unit: 'count' },
  { key: 'grossPnl', label: 'gross P&L', unit: 'money' },
  { key: 'netPnl', label: 'net P&L', unit: 'money' },
  { key: 'feesShare', label: 'fees / start equity', unit: 'percent' },
  { key: 'feesSharePerYear', label: 'fees / start equity / year', unit: 'percent' },
  { key: 'slippageShare', label: 'slippage / start equity', unit: 'percent' },
  { key: 'slippageSharePerYear', label: 'slippage / start equity / year', unit: 'percent' },
  { key: 'avgEdgePerTrade', label: 'avg edge / trade (gross, bps)', unit: 'bps' },
  { key: 'avgCostPerTrade', label: 'avg cost / trade (bps)', unit: 'bps' },
];

/** A value in its row's unit: percentages, basis points, money with 2 decimals, counts. */
export function formatComparisonValue(unit: ComparisonUnit, v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (unit === 'percent') return `${(v * 100).toFixed(2)}%`;
  if (unit === 'bps') return (v * 1e4).toFixed(1);
  if (unit === 'count') return String(v);
  if (unit === 'money') return v.toFixed(2);
  return v.toFixed(3);
}

/** One column per run (strategy first), raw values in data-metric like every report table. */
export function comparisonTable(symbol: string, c: ReportComparison): string {
  const head = c.runs.map((r) => `<th scope="col">${escapeHtml(r.name)}</th>`).join('');
  const rows = COMPARISON_ROWS.map((row) => {
    const cells = c.runs.map((r) => {
      const v = r.values[row.key];
      return v === undefined
        ? '<td class="missing">—</td>'
        : `<td class="num" data-symbol="${escapeHtml(symbol)}" data-run="${escapeHtml(r.name)}" data-key="${row.key}" data-metric="${escapeHtml(String(v))}">${escapeHtml(formatComparisonValue(row.unit, v))}</td>`;
    });
    return `<tr><th scope="row">${escapeHtml(row.label)}</th>${cells.join('')}</tr>`;
  });
  const caption = `Same bars (${c.years.toFixed(2)} years), same execution settings; round trip ${formatComparisonValue('bps', c.roundTripCost)} bps (2 × fee + slippage)`;
  return `<table class="metrics comparison" data-symbol="${escapeHtml(symbol)}"><caption>${escapeHtml(caption)}</caption>`
    + `<thead><tr><th scope="col"></th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
