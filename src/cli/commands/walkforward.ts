/**
 * `ntp walkforward [RUN_DIR]`: trains one model per walk-forward fold (split.walkForward),
 * stitches the folds' out-of-sample predictions, scores them per fold and overall against the
 * naive baselines, and backtests the stitched signals. Writes <RUN_DIR>/walkforward/.
 */
import { join } from 'node:path';

import { METRIC_NAMES } from '../../backtest/index.js';
import { formatComparison } from '../../pipeline/baselines.js';
import { formatQuality } from '../../pipeline/forecast-evaluation.js';
import { formatMetricsTable } from '../../pipeline/format.js';
import { foldSummary, runWalkForward } from '../../pipeline/walk-forward.js';
import { EXIT, emit, type CommandSpec } from '../command.js';
import { DATA_OPTION, RUN_DIR_POSITIONAL, runDirOf, seriesFor, withRange } from '../data-args.js';

const walkforward: CommandSpec = {
  name: 'walkforward',
  usage: 'walkforward [runDir]',
  describe: 'Walk-forward evaluation: train per fold (split.walkForward), stitch out-of-sample predictions, score against baselines, backtest',
  positionals: RUN_DIR_POSITIONAL,
  options: DATA_OPTION,
  run: async (args, config, io) => {
    const dir = join(runDirOf(args, config), 'walkforward');
    const loaded = await seriesFor(args, config, io, { lookback: config.windows.lookback });
    const paths = Array.isArray(args.data) ? (args.data as string[]) : null;
    const ranged = withRange(args, config);
    // Each fold's run directory records the candles it read, like `ntp train --data`.
    const runConfig = paths ? { ...ranged, data: { ...ranged.data, source: 'csv' as const, paths, symbols: [] } } : ranged;
    const wf = config.split.walkForward;
    if (!args.json) io.stderr(`walk-forward on ${loaded.source}: ${wf.folds} ${wf.mode} folds -> ${dir}\n`);
    const r = await runWalkForward(runConfig, loaded, dir, {
      log: args.json ? undefined : (line) => io.stderr(`${line}\n`), progress: { quiet: args.json },
    });
    const text = [
      `data: ${loaded.source}${loaded.synthetic ? '  [SYNTHETIC DATA]' : ''}`,
      ...r.folds.map((f) => `fold ${f.fold}: ${f.windows} test windows, ${f.epochs} epochs, dir_acc ${f.values.dir_acc.toFixed(4)}, dir_mcc ${f.values.dir_mcc.toFixed(4)}, `
        + `1-sigma coverage ${f.values.var_coverage.toFixed(3)}; ${foldSummary(f.quality)}`),
      `overall (stitched out-of-sample windows of all folds):`,
      formatQuality(r.overall),
      'backtest of the stitched out-of-sample signals:',
      formatMetricsTable(r.backtests.map((b) => ({ name: b.symbol, metrics: b.metrics }))),
      ...r.comparisons.map((c, s) => formatComparison(r.backtests[s].symbol, c)),
      `written: ${join(dir, 'walkforward.json')}, ${r.report}`,
    ].join('\n');
    emit(args, io, text, {
      dir, source: loaded.source, folds: r.folds, overall: r.overall, report: r.report,
      backtests: r.backtests.map((b) => ({ symbol: b.symbol, trades: b.trades.length, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, b.metrics[m]])) })),
    });
    return EXIT.ok;
  },
};

export default walkforward;
