/** `ntp run`: the whole pipeline on the config (default: the built-in synthetic market) with a summary. */
import { METRIC_NAMES } from '../../backtest/index.js';
import { comparisonReport, formatComparison } from '../../pipeline/baselines.js';
import { formatMetricsTable } from '../../pipeline/format.js';
import { edgeMessage } from '../../pipeline/edge-gate.js';
import { formatQuality } from '../../pipeline/forecast-evaluation.js';
import { runPipeline } from '../../pipeline/run.js';
import { DEVICE_CONFIG_KEY, DEVICE_OPTION, EXIT, emit, type CommandSpec } from '../command.js';
import { RANGE_OPTION, withRange } from '../data-args.js';

const run: CommandSpec = {
  name: 'run',
  describe: 'Run the whole pipeline: data, validation, training, evaluation, signals, backtest, report',
  options: { ...RANGE_OPTION, ...DEVICE_OPTION },
  configKeys: DEVICE_CONFIG_KEY,
  run: async (args, config, io) => {
    const started = Date.now();
    const r = await runPipeline(withRange(args, config), {
      log: args.json ? undefined : (line) => io.stderr(`${line}\n`),
      progress: { quiet: args.json },
    });
    const seconds = (Date.now() - started) / 1000;
    const ev = r.evaluation;
    const text = [
      '',
      `data: ${r.source}`,
      ...(r.synthetic ? ['NOTE: the data is SYNTHETIC (a seeded simulated market), so these figures say nothing about a real market.',
        '      Point data.source/data.paths at your candles (see configs/csv-example.yaml).'] : []),
      `trained ${r.epochs} epochs; best ${r.monitor} ${r.best?.toFixed(4) ?? 'n/a'}`,
      `test split: loss ${ev.loss.toFixed(4)}  dir_acc ${ev.dir_acc.toFixed(4)}  dir_mcc ${ev.dir_mcc.toFixed(4)}  dir_mcc_h1 ${ev.dir_mcc_h1.toFixed(4)}  1-sigma coverage ${ev.var_coverage.toFixed(3)}`,
      formatQuality(r.quality),
      edgeMessage(r.edge),
      `backtest of the test split (model signals, out of sample${r.edge.trade ? '' : '; flat: no edge on validation'}):`,
      formatMetricsTable(r.backtests.map((b) => ({ name: b.symbol, metrics: b.metrics }))),
      ...r.comparisons.map((c, s) => formatComparison(r.backtests[s].symbol, c)),
      `run directory: ${r.runDir}`,
      `report: ${r.report}`,
      `finished in ${seconds.toFixed(1)} s`,
    ].join('\n');
    emit(args, io, text, {
      runDir: r.runDir, source: r.source, synthetic: r.synthetic, epochs: r.epochs, best: r.best, monitor: r.monitor,
      evaluation: ev, baselines: r.quality, edge: { ...r.edge.verdict, trade: r.edge.trade }, report: r.report, seconds,
      backtests: r.backtests.map((b, s) => ({
        symbol: b.symbol, trades: b.trades.length, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, b.metrics[m]])), comparison: comparisonReport(r.comparisons[s]),
      })),
    });
    return EXIT.ok;
  },
};

export default run;
