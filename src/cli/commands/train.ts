/** `ntp train`: train the hybrid model and write a run directory (SPEC §7.3); `--resume` continues one. */
import { train } from '../../training/trainer.js';
import { DEVICE_CONFIG_KEY, DEVICE_OPTION, EXIT, emit, logTo, type CommandSpec } from '../command.js';
import { DATA_OPTION, RUN_DIR_POSITIONAL, runDirOf, seriesFor, withRange } from '../data-args.js';

const trainCommand: CommandSpec = {
  name: 'train',
  usage: 'train [runDir]',
  describe: 'Train the model and write a run directory (model, scaler, config, history, checkpoints, TensorBoard)',
  positionals: RUN_DIR_POSITIONAL,
  configKeys: DEVICE_CONFIG_KEY,
  options: {
    ...DEVICE_OPTION,
    ...DATA_OPTION,
    resume: { type: 'boolean', default: false, describe: 'Continue from the run directory\'s last checkpoint (ntp train --resume RUN_DIR)' },
  },
  run: async (args, config, io) => {
    const runDir = runDirOf(args, config);
    const { series, source } = await seriesFor(args, config, io, { lookback: config.windows.lookback });
    // The run's saved config names the files it was trained on, so evaluate/predict/backtest
    // without --data read the same candles (and the same --from/--to range).
    const paths = Array.isArray(args.data) ? (args.data as string[]) : null;
    const ranged = withRange(args, config);
    const runConfig = paths ? { ...ranged, data: { ...ranged.data, source: 'csv' as const, paths, symbols: [] } } : ranged;
    if (!args.json) io.stderr(`training on ${source} -> ${runDir}\n`);
    const r = await train({ config: runConfig, series, runDir, resume: Boolean(args.resume), progress: { quiet: args.json }, log: logTo(io) });
    const last = r.history.at(-1) ?? {};
    const summary = {
      runDir, source, epochsRun: r.epochsRun, totalEpochs: r.history.length, stoppedEarly: r.stoppedEarly,
      monitor: r.monitor, best: r.best, bestEpoch: r.bestEpoch, last,
    };
    emit(args, io, [
      `run directory: ${runDir}`,
      `epochs: ${r.history.length - 1} after epoch 0 (the initial weights)${r.stoppedEarly ? ' (early stop)' : ''}`,
      `best ${r.monitor}: ${r.best?.toFixed(4) ?? 'n/a'} at epoch ${r.bestEpoch ?? 'n/a'}${r.bestEpoch === 0 ? ' (training did not beat the initial weights)' : ''}; the saved model holds its weights`,
      `last: loss ${last.loss?.toFixed(4)}  val_loss ${last.val_loss?.toFixed(4)}`,
    ].join('\n'), summary);
    r.model.dispose();
    return EXIT.ok;
  },
};

export default trainCommand;
