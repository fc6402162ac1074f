/**
 * A sweep's rows, made from blocks of path metrics as they arrive in path order: the one place a
 * row is built, streamed and ranked, for the local sweep (one block per native window) and the
 * queued one (one block per shard). A row object is made only when something takes it (onRow,
 * or the best `keep` so far): a row holds its metrics as boxed numbers, ~1 s of CPU and GC per
 * 160k rows, which a queued sweep's coordinator would take from the workers on its machine.
 */
import { METRIC_NAMES, type MetricName } from './metrics.js';
import { metricsOf } from './native.js';
import { ruleLabel, type RuleStrategy } from './strategies/index.js';
import type { BacktestOptions } from './types.js';
import type { SweepRow } from './sweep.js';

/** The ranking order of two rows by their metric values x, y and path numbers: `sign` -1 = descending, NaN last, ties by path. */
function rankOrder(x: number, pathX: number, y: number, pathY: number, sign: number): number {
  if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
  if (x !== y && !Number.isNaN(x)) return sign * (x < y ? -1 : 1);
  return pathX - pathY;
}

/** The ranking order: rankBy descending (ascending if asked), NaN last, ties by path number. */
export function rankCompare(rankBy: MetricName, ascending: boolean): (a: SweepRow, b: SweepRow) => number {
  const sign = ascending ? 1 : -1;
  return (a, b) => rankOrder(a.metrics[rankBy], a.path, b.metrics[rankBy], b.path, sign);
}

/** Sorts by rankCompare and numbers the ranks: the one ranking of every sweep, local or distributed. */
export function rankSweepRows(rows: SweepRow[], rankBy: MetricName, ascending = false): void {
  // Each row's metric and path read once into typed arrays, then their indices sorted: sorting the
  // row objects themselves took ~0.5 s for 160k rows (a metric lookup per comparison), ~10x this.
  const n = rows.length, value = new Float64Array(n), path = new Float64Array(n);
  rows.forEach((row, i) => { value[i] = row.metrics[rankBy]; path[i] = row.path; });
  const sign = ascending ? 1 : -1;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => rankOrder(value[a], path[a], value[b], path[b], sign));
  const sorted = Array.from(order, (i) => rows[i]);
  sorted.forEach((row, i) => { rows[i] = row; row.rank = i + 1; });
}

/** What a sweep's rows are made of: the grid's symbols, rules (null: signal sweeps) and risk sets, in path order. */
export interface SweepRowGrid {
  symbols: readonly { symbol?: string }[];
  rules: readonly RuleStrategy[] | null;
  risk: readonly Partial<BacktestOptions>[];
}

export interface SweepRowsOptions {
  rankBy: MetricName;
  ascending?: boolean;
  /** Rows kept, the best by rankBy (default all). */
  keep?: number;
  /** Every path's row, in path order. */
  onRow?: (row: SweepRow) => void;
}

export class SweepRows {
  private readonly R: number;
  private readonly P: number;
  private readonly sign: number;
  private readonly metric: number;
  private readonly keep: number;
  private readonly compare: (a: SweepRow, b: SweepRow) => number;
  /** The kept rows; with a finite `keep`, a binary heap with the worst kept row at its root. */
  private readonly kept: SweepRow[] = [];
  private readonly labels: string[] = [];
  private next = 0;

  constructor(private readonly grid: SweepRowGrid, private readonly options: SweepRowsOptions) {
    this.R = grid.rules?.length ?? 1;
    this.P = grid.risk.length;
    this.sign = options.ascending ? 1 : -1;
    this.metric = METRIC_NAMES.indexOf(options.rankBy);
    if (this.metric < 0) throw new RangeError(`rankBy = ${JSON.stringify(options.rankBy)} must be one of ${METRIC_NAMES.join(', ')}`);
    this.keep = options.keep ?? Infinity;
    if (!(this.keep === Infinity || (Number.isInteger(this.keep) && this.keep >= 1))) throw new RangeError(`keep = ${this.keep} must be an integer >= 1`);
    this.compare = rankCompare(options.rankBy, options.ascending ?? false);
  }

  /**
   * The paths begin .. begin + n (metrics: [n, METRIC_NAMES.length]). Blocks come in path order;
   * a gap (paths that failed) is allowed, going back is not.
   */
  add(begin: number, metrics: Float64Array): void {
    const M = METRIC_NAMES.length, n = metrics.length / M;
    if (!Number.isInteger(n) || begin < this.next) throw new RangeError(`sweep rows: block at path ${begin} of ${metrics.length} values after path ${this.next} (blocks come in path order, whole rows)`);
    for (let i = 0; i < n; i++) {
      const path = begin + i;
      if (!this.options.onRow && !this.admits(metrics[i * M + this.metric], path)) continue;
      const row = this.row(path, metrics, i);
      this.options.onRow?.(row);
      this.take(row);
    }
    this.next = begin + n;
  }

  /** The kept rows, ranked 1..n. */
  ranked(): SweepRow[] {
    const rows = [...this.kept];
    rankSweepRows(rows, this.options.rankBy, this.options.ascending);
    return rows;
  }

  private row(path: number, metrics: Float64Array, i: number): SweepRow {
    const { R, P, grid } = this;
    const r = Math.floor(path / P) % R, p = path % P, s = Math.floor(path / (R * P));
    const rule = grid.rules ? grid.rules[r] : null;
    const strategy = this.labels[r] ??= ruleLabel(rule);
    return { rank: 0, path, symbol: grid.symbols[s].symbol ?? `symbol${s}`, strategy, rule, riskIndex: p, risk: grid.risk[p], metrics: metricsOf({ metrics }, i) };
  }

  /** Whether a path of this metric value would be kept now. */
  private admits(value: number, path: number): boolean {
    if (this.kept.length < this.keep) return true;
    const worst = this.kept[0];
    return rankOrder(value, path, worst.metrics[this.options.rankBy], worst.path, this.sign) < 0;
  }

  private take(row: SweepRow): void {
    const h = this.kept;
    if (this.keep === Infinity) {
      h.push(row);  // all kept: ranked once at the end
    } else if (h.length < this.keep) {
      h.push(row);
      for (let i = h.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (this.compare(h[i], h[parent]) <= 0) break;
        [h[i], h[parent]] = [h[parent], h[i]];
        i = parent;
      }
    } else if (this.compare(row, h[0]) < 0) {
      h[0] = row;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let worst = i;
        if (l < h.length && this.compare(h[l], h[worst]) > 0) worst = l;
        if (r < h.length && this.compare(h[r], h[worst]) > 0) worst = r;
        if (worst === i) break;
        [h[i], h[worst]] = [h[worst], h[i]];
        i = worst;
      }
    }
  }
}
