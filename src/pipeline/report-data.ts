/**
 * Builds the report's data (src/report/types.ts) from what the pipeline produced: backtests,
 * the run directory's training history and indicator log, the evaluation, and sweeps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { MetricName, SweepResult, SweepRow } from '../backtest/index.js';
import { writeReport, type ForecastReport, type HorizonMetrics, type ReportData, type ReportTrade, type SweepReport, type SymbolReport, type TrainingHistory } from '../report/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readJsonFile } from '../util/read-json.js';
import type { ForecastQuality } from '../metrics/forecast-quality.js';
import type { Evaluation } from '../training/evaluate.js';
import { parseIndicatorLog } from '../training/indicator-log.js';
import { runPaths } from '../training/run-dir.js';
import type { SymbolBacktest } from './backtest-series.js';
import { comparisonReport, type Comparison } from './baselines.js';

/** Bars of candles drawn per symbol; longer series show their most recent part. */
export const REPORT_MAX_BARS = 5000;

/** The report's view of one backtest, with its comparison against the baselines when given. */
export function symbolReport(b: SymbolBacktest, comparison?: Comparison, maxBars = REPORT_MAX_BARS): SymbolReport {
  const n = b.candles.close.length;
  const from = Math.max(0, n - maxBars);
  const cut = (a: Float64Array) => Array.from(a.subarray(from));
  const trades: ReportTrade[] = b.trades.filter((t) => t.exitIndex >= from).map((t) => ({
    entryTime: t.entryTime, exitTime: t.exitTime, side: t.side, entryPrice: t.entryPrice, exitPrice: t.exitPrice,
    size: t.quantity, reason: t.exitReason, pnl: t.pnl,
    tierFills: t.tierExits.map((x) => ({ tier: x.tier as 1 | 2 | 3, time: x.time, price: x.price })),
  }));
  return {
    symbol: b.symbol,
    candles: { time: cut(b.candles.timestamp), open: cut(b.candles.open), high: cut(b.candles.high), low: cut(b.candles.low), close: cut(b.candles.close) },
    trades,
    equity: { time: cut(b.candles.timestamp), equity: Array.from(b.equity.subarray(from)) },
    metrics: { ...b.metrics },
    ...(comparison ? { comparison: comparisonReport(comparison) } : {}),
  };
}

export function classifierReport(e: Evaluation, horizons: readonly number[]): HorizonMetrics[] {
  const bins = (list: Evaluation['reliability'][number] | undefined) =>
    list?.map((b) => ({ meanPredicted: b.meanPredicted, observed: b.observedFrequency, count: b.count }));
  return horizons.map((bars, h) => ({
    horizon: `h${h} (+${bars} bars)`,
    accuracy: e.values[`dir_acc_h${h}`],
    f1: e.values[`dir_f1_h${h}`],
    mcc: e.values[`dir_mcc_h${h}`],
    coverage1Sigma: e.values[`var_coverage_h${h}`],
    reliability: bins(e.reliability[h]),
    ...(e.reliabilityUncalibrated ? { reliabilityUncalibrated: bins(e.reliabilityUncalibrated[h]) } : {}),
  }));
}

export function forecastReport(q: ForecastQuality, verdict?: string): ForecastReport {
  return {
    windows: q.windows,
    method: `${Math.round(q.level * 100)}% moving-block bootstrap percentile intervals, ${q.samples} resamples, blocks of ${q.blockLength} windows, seed ${q.seed}`,
    horizons: q.horizons.map((h) => ({
      horizon: `h${h.horizon} (+${h.bars} bars)`, model: h.model, baselines: h.baselines, best: h.best,
      difference: { name: `model - ${h.best}`, ...h.difference },
    })),
    ...(verdict ? { verdict } : {}),
  };
}

/** Training curves and learned periods from a run directory (absent parts are left out). */
export function trainingReport(runDir: string, monitor: string): Pick<ReportData, 'training' | 'periods'> {
  const p = runPaths(runDir);
  const out: Pick<ReportData, 'training' | 'periods'> = {};
  if (existsSync(p.history)) {
    const history = readJsonFile<Record<string, number>[]>(p.history);
    const training: TrainingHistory = {
      monitor,
      epochs: history.map(({ epoch, loss, val_loss: valLoss, ...rest }) => ({ epoch, loss, val_loss: valLoss, metrics: rest })),
    };
    out.training = training;
  }
  if (existsSync(p.indicatorLog)) {
    const rows = parseIndicatorLog(readFileSync(p.indicatorLog, 'utf8'));
    if (rows.length > 0) {
      const names = Object.keys(rows[0].periods);
      out.periods = { epochs: rows.map((r) => r.epoch), periods: Object.fromEntries(names.map((n) => [n, rows.map((r) => r.periods[n])])) };
    }
  }
  return out;
}

/** A sweep row's value of a heatmap axis parameter (undefined when the row has none). */
function parameterOf(row: SweepRow, name: string): number | string | undefined {
  if (name === 'symbol') return row.symbol;
  if (name === 'stopLoss') return row.risk.stopDistance;
  if (name === 'feeBps') return row.risk.feeBps;
  return row.rule ? (row.rule as unknown as Record<string, number>)[name] : undefined;
}

export type HeatmapAxes = { x: string; y: string };

/**
 * The heatmap's cells, the best rankBy value per (x, y) pair over every path: fed row by row
 * while a sweep streams, so it needs one entry per pair, not the rows.
 */
export class HeatmapCells {
  private readonly best = new Map<string, { x: number | string; y: number | string; value: number }>();
  constructor(readonly axes: HeatmapAxes, readonly rankBy: MetricName) {}

  add(r: SweepRow): void {
    const x = parameterOf(r, this.axes.x), y = parameterOf(r, this.axes.y);
    const v = r.metrics[this.rankBy];
    if (x === undefined || y === undefined || !Number.isFinite(v)) return;
    const key = `${x}\u0000${y}`;
    const cur = this.best.get(key);
    if (!cur || v > cur.value) this.best.set(key, { x, y, value: v });
  }

  heatmap(): SweepReport['heatmap'] {
    return this.best.size > 0 ? { x: this.axes.x, y: this.axes.y, metric: `best ${this.rankBy}`, cells: [...this.best.values()] } : undefined;
  }
}

/**
 * The ranked table (top rows) and a heatmap of the best rankBy value per (x, y) pair: from
 * `cells` when the sweep streamed its rows into them, else from the result's rows.
 */
export function sweepReport(result: SweepResult, axes: HeatmapAxes = { x: 'fast', y: 'slow' }, top = 200, cells?: HeatmapCells): SweepReport {
  const columns = ['rank', 'symbol', 'strategy', 'stop', 'feeBps', 'sharpe', 'totalReturn', 'maxDrawdown', 'trades', 'winRate', 'profitFactor'];
  const rows = result.rows.slice(0, top).map((r) => [r.rank, r.symbol, r.strategy, r.risk.stopDistance ?? '', r.risk.feeBps ?? '',
    r.metrics.sharpe, r.metrics.totalReturn, r.metrics.maxDrawdown, r.metrics.trades, r.metrics.winRate, r.metrics.profitFactor]);
  let heat = cells;
  if (heat === undefined) {
    heat = new HeatmapCells(axes, result.rankBy);
    for (const r of result.rows) heat.add(r);
  }
  const heatmap = heat.heatmap();
  return {
    rankBy: result.rankBy, columns, rows,
    ...(result.distributed ? { distributed: { sweepId: result.distributed.sweepId, shards: result.distributed.shards, workers: result.distributed.workers, missing: result.distributed.missing } } : {}),
    ...(heatmap ? { heatmap } : {}),
  };
}

/** JSON has no Infinity/NaN: they are stored as strings and restored on load. */
const NON_FINITE = new Set(['Infinity', '-Infinity', 'NaN']);

/** Writes <dir>/report-data.json and <dir>/report.html; returns the HTML path. */
export function saveReport(dir: string, data: ReportData): string {
  writeFileAtomic(join(dir, 'report-data.json'),
    `${JSON.stringify(data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`);
  const html = join(dir, 'report.html');
  writeReport(html, data);
  return html;
}

export function loadReportData(dir: string): ReportData {
  return readJsonFile<ReportData>(join(dir, 'report-data.json'), (_k, v) => (typeof v === 'string' && NON_FINITE.has(v) ? Number(v) : v));
}
