/**
 * `ntp evaluate RUN_DIR`: every loss term and metric of SPEC §7.2 on a split of the run's data
 * or of new files (`--split none`: every window of the date range), and the direction calls
 * against naive baselines on the same windows with block-bootstrap intervals.
 */
import { join } from 'node:path';

import { Dataset, type Part } from '../../data/dataset.js';
import { wholeSplit } from '../../data/splits.js';
import { Predictor } from '../../inference/predictor.js';
import type { ForecastQuality } from '../../metrics/forecast-quality.js';
import { evaluateWithBaselines, formatQuality } from '../../pipeline/forecast-evaluation.js';
import { classifierReport, forecastReport, saveReport } from '../../pipeline/report-data.js';
import { runLossOptions } from '../../training/model-config.js';
import { runPaths } from '../../training/run-dir.js';
import { writeJsonAtomic } from '../../util/atomic-write.js';
import { withDirLock } from '../../util/output-set.js';
import { DEVICE_CONFIG_KEY, DEVICE_OPTION, EXIT, emit, logTo, type CommandSpec } from '../command.js';
import { DATA_OPTION, RUN_DIR_POSITIONAL, runDirOf, seriesFor } from '../data-args.js';

const SPLITS = ['train', 'val', 'test'] as const;

const evaluateCommand: CommandSpec = {
  name: 'evaluate',
  usage: 'evaluate [runDir]',
  describe: 'Report losses, metrics and naive baselines (with bootstrap CIs) of a trained run on a split (default test) of its data or of --data files',
  positionals: RUN_DIR_POSITIONAL,
  configKeys: DEVICE_CONFIG_KEY,
  options: {
    ...DEVICE_OPTION,
    ...DATA_OPTION,
    split: {
      type: 'string', choices: [...SPLITS, 'all', 'none'], default: 'test',
      describe: 'Which chronological split to evaluate (all: each of the three; none: every window of the data/date range)',
    },
  },
  run: async (args, config, io) => {
    const runDir = runDirOf(args, config);
    const predictor = await Predictor.load(runDir, config.runtime);
    // The run's own config decides windows, features and splits; the command's config only the data.
    const runConfig = predictor.config;
    const { series, source, synthetic } = await seriesFor(args, config, io, { lookback: predictor.lookback, dataConfig: args.data ? config : runConfig });
    const whole = args.split === 'none';
    const dataset = new Dataset(series, {
      lookback: predictor.lookback, features: predictor.features, horizons: predictor.horizons,
      fractions: [runConfig.split.train, runConfig.split.val, runConfig.split.test], embargo: runConfig.split.embargo,
      scaler: predictor.scaler, batchSize: runConfig.dataset.batchSize, shuffle: false,
      ...(whole ? { splits: Object.fromEntries(series.map((s) => [s.symbol, wholeSplit(s.candles.close.length, { lookback: predictor.lookback, horizons: predictor.horizons })])) } : {}),
    });
    // --split none scores every complete window, held in the dataset's test part.
    const parts: { name: string; part: Part }[] = whole ? [{ name: 'none', part: 'test' }]
      : (args.split === 'all' ? [...SPLITS] : [args.split as Part]).map((p) => ({ name: p, part: p }));
    const candles = series.map((s) => s.candles);
    const results: Record<string, { windows: number; first: string; values: Record<string, number> }> = {};
    const qualities: Record<string, ForecastQuality> = {};
    const text: string[] = [`source: ${source}`];
    const keys = ['loss', 'dir_acc', 'dir_f1', 'dir_mcc', 'dir_mcc_h0', 'dir_mcc_h1', 'dir_mcc_h2', 'price_mae', 'price_mape', 'var_coverage'];
    let reportEval = null;
    for (const { name, part } of parts) {
      const { evaluation: e, quality } = await evaluateWithBaselines(predictor.model, dataset, part, candles, runLossOptions(runDir, runConfig), config.evaluation, predictor.calibration);
      const f = e.forecasts!;
      // The first window scored (of the first symbol): with --from, the first bar of the range.
      const first = new Date(candles[f.symbols[0]].timestamp[f.ends[0]]).toISOString();
      results[name] = { windows: e.windows, first, values: e.values };
      qualities[name] = quality;
      reportEval = { name, e, quality };
      text.push(`${name} (${e.windows} windows, first ending ${first})`,
        ...keys.filter((k) => k in e.values).map((k) => `  ${k.padEnd(12)} ${e.values[k].toFixed(4)}`), formatQuality(quality));
    }
    const paths = runPaths(runDir);
    // The last part evaluated goes into the HTML report (`ntp report RUN_DIR/evaluate` re-renders it).
    const report = await withDirLock(runDir, 'ntp evaluate', logTo(io), () => {
      writeJsonAtomic(paths.evaluation, { source, results, baselines: qualities });
      return saveReport(join(runDir, 'evaluate'), {
        title: `ntp evaluate: ${reportEval!.name === 'none' ? 'every window' : `${reportEval!.name} split`}`, generatedAt: new Date().toISOString(), source, synthetic,
        classifier: classifierReport(reportEval!.e, predictor.horizons), forecast: forecastReport(reportEval!.quality),
      });
    });
    text.push(`written: ${paths.evaluation}, ${report}`);
    emit(args, io, text.join('\n'), { runDir, source, results, baselines: qualities, report });
    predictor.dispose();
    return EXIT.ok;
  },
};

export default evaluateCommand;
