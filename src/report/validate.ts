/**
 * Checks a ReportData before rendering (SPEC §11): a bad value is reported with its path in the
 * data, e.g. `symbols[0].candles.close has 99 values, expected 100 (one per time)`, instead of a
 * chart silently drawing nothing in the browser.
 */
import type { ReportCandles, EquityCurve, ReportComparison, ReportData, ReportTrade, SweepReport } from './types.js';

function fail(path: string, problem: string): never {
  throw new TypeError(`report data: ${path} ${problem}`);
}

function text(value: unknown, path: string): void {
  if (typeof value !== 'string') fail(path, `must be a string (got ${typeof value})`);
}

function finite(value: unknown, path: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `must be a finite number (got ${String(value)})`);
}

function numberArray(value: unknown, path: string, length?: number): number[] {
  if (!Array.isArray(value)) fail(path, 'must be an array of numbers');
  if (length !== undefined && value.length !== length) fail(path, `has ${value.length} values, expected ${length} (one per time)`);
  value.forEach((v, i) => finite(v, `${path}[${i}]`));
  return value as number[];
}

/** Charts need strictly increasing times. */
function times(value: unknown, path: string): number[] {
  const t = numberArray(value, path);
  for (let i = 1; i < t.length; i++) {
    if (t[i] <= t[i - 1]) fail(`${path}[${i}]`, `= ${t[i]} must be greater than the time before it (${t[i - 1]})`);
  }
  return t;
}

function candles(c: ReportCandles, path: string): void {
  const n = times(c.time, `${path}.time`).length;
  for (const key of ['open', 'high', 'low', 'close'] as const) numberArray(c[key], `${path}.${key}`, n);
}

function equity(e: EquityCurve, path: string): void {
  numberArray(e.equity, `${path}.equity`, times(e.time, `${path}.time`).length);
}

function trade(t: ReportTrade, path: string): void {
  for (const key of ['entryTime', 'exitTime', 'entryPrice', 'exitPrice', 'size', 'pnl'] as const) finite(t[key], `${path}.${key}`);
  if (t.side !== 1 && t.side !== -1) fail(`${path}.side`, `must be 1 (long) or -1 (short) (got ${String(t.side)})`);
  text(t.reason, `${path}.reason`);
  if (!Array.isArray(t.tierFills)) fail(`${path}.tierFills`, 'must be an array (empty when no target filled)');
  t.tierFills.forEach((f, i) => {
    if (f.tier !== 1 && f.tier !== 2 && f.tier !== 3) fail(`${path}.tierFills[${i}].tier`, `must be 1, 2 or 3 (got ${String(f.tier)})`);
    finite(f.time, `${path}.tierFills[${i}].time`);
    finite(f.price, `${path}.tierFills[${i}].price`);
  });
}

function comparison(c: ReportComparison, path: string): void {
  finite(c.roundTripCost, `${path}.roundTripCost`);
  finite(c.years, `${path}.years`);
  if (!Array.isArray(c.runs) || c.runs.length === 0) fail(`${path}.runs`, 'must be a non-empty array (the strategy first)');
  c.runs.forEach((r, i) => {
    text(r.name, `${path}.runs[${i}].name`);
    for (const [k, v] of Object.entries(r.values ?? {})) {
      if (typeof v !== 'number') fail(`${path}.runs[${i}].values.${k}`, `must be a number (got ${typeof v})`);
    }
  });
}

function sweep(s: SweepReport): void {
  if (!Array.isArray(s.columns)) fail('sweep.columns', 'must be an array of column names');
  s.columns.forEach((c, i) => text(c, `sweep.columns[${i}]`));
  s.rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== s.columns.length) {
      fail(`sweep.rows[${i}]`, `must have ${s.columns.length} cells, one per column (got ${Array.isArray(row) ? row.length : typeof row})`);
    }
  });
  if (s.heatmap) {
    text(s.heatmap.x, 'sweep.heatmap.x');
    text(s.heatmap.y, 'sweep.heatmap.y');
    text(s.heatmap.metric, 'sweep.heatmap.metric');
    s.heatmap.cells.forEach((c, i) => {
      if (typeof c.value !== 'number') fail(`sweep.heatmap.cells[${i}].value`, `must be a number (got ${typeof c.value})`);
    });
  }
}

export function validateReportData(data: ReportData): void {
  if (data === null || typeof data !== 'object') fail('(root)', 'must be an object');
  text(data.title, 'title');
  text(data.generatedAt, 'generatedAt');
  text(data.source, 'source');
  data.symbols?.forEach((s, i) => {
    const path = `symbols[${i}]`;
    text(s.symbol, `${path}.symbol`);
    if (s.candles) candles(s.candles, `${path}.candles`);
    s.trades?.forEach((t, j) => trade(t, `${path}.trades[${j}]`));
    if (s.equity) equity(s.equity, `${path}.equity`);
    for (const [k, v] of Object.entries(s.metrics ?? {})) {
      if (typeof v !== 'number') fail(`${path}.metrics.${k}`, `must be a number (got ${typeof v})`);
    }
    if (s.comparison) comparison(s.comparison, `${path}.comparison`);
  });
  data.classifier?.forEach((h, i) => {
    text(h.horizon, `classifier[${i}].horizon`);
    for (const key of ['accuracy', 'f1', 'mcc', 'coverage1Sigma'] as const) {
      if (typeof h[key] !== 'number') fail(`classifier[${i}].${key}`, `must be a number (got ${typeof h[key]})`);
    }
  });
  data.training?.epochs.forEach((e, i) => {
    finite(e.epoch, `training.epochs[${i}].epoch`);
    if (typeof e.loss !== 'number') fail(`training.epochs[${i}].loss`, `must be a number (got ${typeof e.loss})`);
  });
  if (data.periods) {
    const n = numberArray(data.periods.epochs, 'periods.epochs').length;
    for (const [name, values] of Object.entries(data.periods.periods)) numberArray(values, `periods.periods.${name}`, n);
  }
  if (data.sweep) sweep(data.sweep);
  data.search?.trials.forEach((t, i) => {
    finite(t.number, `search.trials[${i}].number`);
    if (t.value !== null && typeof t.value !== 'number') fail(`search.trials[${i}].value`, `must be a number or null (got ${typeof t.value})`);
  });
  if (data.overfitting) text(data.overfitting.verdict, 'overfitting.verdict');
  data.forecast?.horizons.forEach((h, i) => {
    text(h.horizon, `forecast.horizons[${i}].horizon`);
    [h.model, ...h.baselines, h.difference].forEach((p, j) => {
      const path = `forecast.horizons[${i}].${j === 0 ? 'model' : p === h.difference ? 'difference' : `baselines[${j - 1}]`}`;
      text(p.name, `${path}.name`);
      for (const key of ['accuracy', 'mcc'] as const) if (typeof p[key] !== 'number') fail(`${path}.${key}`, `must be a number (got ${typeof p[key]})`);
      for (const key of ['accuracyCi', 'mccCi'] as const) {
        if (!Array.isArray(p[key]) || p[key].length !== 2) fail(`${path}.${key}`, 'must be [low, high]');
      }
    });
  });
}
