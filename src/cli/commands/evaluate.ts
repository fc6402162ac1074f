/** `ntp evaluate RUN_DIR`: every loss term and metric of SPEC §7.2 on a split of the run's data or of new files. */
import { Dataset, type Part } from '../../data/dataset.js';
import { Predictor } from '../../inference/predictor.js';
import { evaluate } from '../../training/evaluate.js';
import { lossOptionsFor } from '../../training/model-config.js';
import { runPaths } from '../../training/run-dir.js';
import { writeJsonAtomic } from '../../util/atomic-write.js';
import { withDirLock } from '../../util/output-set.js';
import { EXIT, emit, logTo, type CommandSpec } from '../command.js';
import { DATA_OPTION, RUN_DIR_POSITIONAL, runDirOf, seriesFor } from '../data-args.js';

const SPLITS = ['train', 'val', 'test'] as const;

const evaluateCommand: CommandSpec = {
  name: 'evaluate',
  usage: 'evaluate [runDir]',
  describe: 'Report losses and metrics of a trained run on a split (default test) of its data or of --data files',
  positionals: RUN_DIR_POSITIONAL,
  options: {
    ...DATA_OPTION,
    split: { type: 'string', choices: [...SPLITS, 'all'], default: 'test', describe: 'Which chronological split to evaluate' },
  },
  run: async (args, config, io) => {
    const runDir = runDirOf(args, config);
    const predictor = await Predictor.load(runDir);
    // The run's own config decides windows, features and splits; the command's config only the data.
    const runConfig = predictor.config;
    const { series, source } = await seriesFor(args, args.data ? config : runConfig, io);
    const dataset = new Dataset(series, {
      lookback: predictor.lookback, features: predictor.features, horizons: predictor.horizons,
      fractions: [runConfig.split.train, runConfig.split.val, runConfig.split.test], embargo: runConfig.split.embargo,
      scaler: predictor.scaler, batchSize: runConfig.dataset.batchSize, shuffle: false,
    });
    const parts: Part[] = args.split === 'all' ? [...SPLITS] : [args.split as Part];
    const results: Record<string, { windows: number; values: Record<string, number> }> = {};
    for (const part of parts) {
      const e = await evaluate(predictor.model, dataset, part, series.map((s) => s.candles), lossOptionsFor(runConfig));
      results[part] = { windows: e.windows, values: e.values };
    }
    await withDirLock(runDir, 'ntp evaluate', logTo(io), () => writeJsonAtomic(runPaths(runDir).evaluation, { source, results }));
    const keys = ['loss', 'dir_acc', 'dir_f1', 'dir_mcc', 'dir_mcc_h0', 'dir_mcc_h1', 'dir_mcc_h2', 'price_mae', 'price_mape', 'var_coverage'];
    const text = [`source: ${source}`, ...parts.map((p) => [`${p} (${results[p].windows} windows)`,
      ...keys.filter((k) => k in results[p].values).map((k) => `  ${k.padEnd(12)} ${results[p].values[k].toFixed(4)}`)].join('\n'))].join('\n');
    emit(args, io, text, { runDir, source, results });
    predictor.dispose();
    return EXIT.ok;
  },
};

export default evaluateCommand;
