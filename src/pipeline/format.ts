/** Text tables for the CLI: metrics side by side, trade logs, and the trade CSV. */
import { METRIC_NAMES, type BacktestMetrics, type Trade } from '../backtest/index.js';

const PERCENT = new Set(['totalReturn', 'cagr', 'annualVolatility', 'maxDrawdown', 'winRate', 'exposure']);

export function formatMetric(name: string, v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (PERCENT.has(name)) return `${(v * 100).toFixed(2)}%`;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(3);
}

/** One row per metric, one column per named result. */
export function formatMetricsTable(columns: { name: string; metrics: BacktestMetrics }[]): string {
  const width = Math.max(...METRIC_NAMES.map((m) => m.length)) + 2;
  const colWidth = Math.max(12, ...columns.map((c) => c.name.length + 2));
  const head = ''.padEnd(width) + columns.map((c) => c.name.padStart(colWidth)).join('');
  const rows = METRIC_NAMES.map((m) => m.padEnd(width) + columns.map((c) => formatMetric(m, c.metrics[m]).padStart(colWidth)).join(''));
  return [head, ...rows].join('\n');
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

export function formatTrades(trades: readonly Trade[], limit: number): string {
  const shown = trades.slice(Math.max(0, trades.length - limit));
  if (shown.length === 0) return '  (no trades)';
  return shown.map((t) => `  ${t.side > 0 ? 'LONG ' : 'SHORT'} ${iso(t.entryTime)} @ ${t.entryPrice.toPrecision(6)} -> ${iso(t.exitTime)} @ ${t.exitPrice.toPrecision(6)}`
    + `  ${t.exitReason.padEnd(7)} tiers ${t.tierExits.map((x) => x.tier).join('') || '-'}  pnl ${t.pnl.toFixed(2)}  fees ${t.fees.toFixed(2)}`).join('\n');
}

export function tradesCsv(results: readonly { symbol: string; trades: readonly Trade[] }[]): string {
  const head = 'symbol,side,entry_time,entry_price,exit_time,exit_price,quantity,notional,exit_reason,tiers,bars_held,fees,pnl';
  const rows = results.flatMap(({ symbol, trades }) => trades.map((t) => [
    symbol, t.side, new Date(t.entryTime).toISOString(), t.entryPrice, new Date(t.exitTime).toISOString(), t.exitPrice,
    t.quantity, t.notional, t.exitReason, t.tierExits.map((x) => x.tier).join(' '), t.barsHeld, t.fees, t.pnl,
  ].join(',')));
  return `${[head, ...rows].join('\n')}\n`;
}
