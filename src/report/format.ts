/**
 * Human formatting of metric values for the report tables. The raw value always travels
 * beside the text (data-metric), so formatting may round freely.
 */

/** Metrics that are fractions and read best as percentages (names compared without case, `_` or spaces). */
const PERCENT_METRICS = new Set([
  'totalreturn', 'return', 'cagr', 'annualvolatility', 'volatility', 'maxdrawdown', 'winrate', 'exposure',
  'accuracy', 'coverage', 'coverage1sigma',
]);

/** Metrics that count things. */
const COUNT_METRICS = new Set([
  'trades', 'tier1hits', 'tier2hits', 'tier3hits', 'stopouts', 'maxdrawdownbars', 'count', 'epoch', 'rank',
]);

function normalise(name: string): string {
  return name.toLowerCase().replace(/[_\s-]/g, '');
}

export function isPercentMetric(name: string): boolean {
  return PERCENT_METRICS.has(normalise(name));
}

export function formatNumber(value: number, digits = 3): string {
  if (Number.isNaN(value)) return 'n/a';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (abs !== 0 && abs < 10 ** -digits) return value.toExponential(2);
  return value.toFixed(digits);
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return formatNumber(fraction);
  return `${(fraction * 100).toFixed(2)}%`;
}

/** Formats a metric by its name: percentages for fractions, integers for counts, else 3 decimals. */
export function formatMetric(name: string, value: number): string {
  const key = normalise(name);
  if (PERCENT_METRICS.has(key)) return formatPercent(value);
  if (COUNT_METRICS.has(key) && Number.isFinite(value)) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return formatNumber(value);
}

/** Human label for a metric key: "max_drawdown" and "maxDrawdown" become "max drawdown". */
export function metricLabel(name: string): string {
  return name.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}
