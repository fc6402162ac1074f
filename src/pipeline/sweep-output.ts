/**
 * A sweep's output folder, written while the sweep streams (used by `ntp sweep`, reusable by
 * anything that produces sweep rows, e.g. merged shards): every row goes to sweep-paths.csv in
 * the order it comes (path order, from both the local and the queued sweep) and into the heatmap's best cells, then `finish` writes the ranked best rows
 * (sweep.csv, sweep.json) and the report. Write it into an output set's staging directory
 * (util/output-set.ts) so the folder is replaced as a whole.
 */
import { join } from 'node:path';

import {
  sweepCsvHeader, sweepCsvLine, sweepRiskColumns, writeSweepCsv, writeSweepJson,
  type BacktestOptions, type MetricName, type SweepResult, type SweepRow,
} from '../backtest/index.js';
import { RunningVariance } from '../search/statistics/moments.js';
import type { OverfittingStatistics } from '../search/statistics/overfitting.js';
import { LineWriter } from '../util/line-writer.js';
import { HeatmapCells, saveReport, sweepReport, type HeatmapAxes } from './report-data.js';

/** Every path's row, in path order (the ranked best rows are in sweep.csv). */
export const SWEEP_PATHS_FILE = 'sweep-paths.csv';

export interface SweepOutputOptions {
  /** Every risk parameter set of the grid (decides the CSV's columns). */
  risk: readonly Partial<BacktestOptions>[];
  rankBy: MetricName;
  heatmap: HeatmapAxes;
  /** Write sweep-paths.csv (false: only the kept rows are written). */
  allPaths: boolean;
}

export class SweepOutput {
  private readonly riskKeys: ReturnType<typeof sweepRiskColumns>;
  private readonly paths: LineWriter | null;
  private readonly heat: HeatmapCells;
  private rows = 0;
  private readonly sharpes = new RunningVariance();

  constructor(readonly dir: string, options: SweepOutputOptions) {
    this.riskKeys = sweepRiskColumns(options.risk);
    this.heat = new HeatmapCells(options.heatmap, options.rankBy);
    this.paths = options.allPaths ? new LineWriter(join(dir, SWEEP_PATHS_FILE)) : null;
    this.paths?.line(sweepCsvHeader(this.riskKeys, false));
  }

  /** One path's row, as the sweep produces it (pass as SweepOptions.onRow). */
  readonly row = (row: SweepRow): void => {
    this.paths?.line(sweepCsvLine(row, this.riskKeys, false));
    this.heat.add(row);
    this.rows += 1;
    if (Number.isFinite(row.metrics.sharpe)) this.sharpes.add(row.metrics.sharpe);
  };

  /** Every path seen so far, for the DSR: how many, and the spread of their (annualised, finite) Sharpe ratios. */
  get trials(): { count: number; variance: number } {
    return { count: this.rows, variance: this.sharpes.variance };
  }

  /**
   * Closes sweep-paths.csv and writes sweep.csv, sweep.json and the report (with the sweep's
   * DSR/PBO when given); returns the files' names.
   */
  finish(result: SweepResult, report: { title: string; source: string; synthetic: boolean }, overfitting?: OverfittingStatistics): string[] {
    this.paths?.close();
    const extra = overfitting ? { overfitting } : {};
    writeSweepCsv(join(this.dir, 'sweep.csv'), result);
    writeSweepJson(join(this.dir, 'sweep.json'), { ...result, ...extra });
    saveReport(this.dir, { ...report, generatedAt: new Date().toISOString(), sweep: sweepReport(result, this.heat.axes, 200, this.heat), ...extra });
    return ['sweep.csv', 'sweep.json', ...(this.paths ? [SWEEP_PATHS_FILE] : []), 'report.html'];
  }

  /** Closes the paths file without finishing (after a failure; the staging is discarded). */
  discard(): void {
    this.paths?.discard();
  }
}
