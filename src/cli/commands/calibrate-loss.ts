/** `ntp calibrate-loss`: propose composite-loss weights that balance the terms (rule in training/calibrate.ts). */
import { saveConfig } from '../../config/index.js';
import { calibrateLossWeights } from '../../training/calibrate.js';
import { EXIT, emit, type CommandSpec } from '../command.js';
import { DATA_OPTION, seriesFor } from '../data-args.js';

const calibrateLoss: CommandSpec = {
  name: 'calibrate-loss',
  describe: 'Measure each loss term on the untrained model and propose balanced losses.weights',
  options: {
    ...DATA_OPTION,
    batches: { type: 'number', default: 5, describe: 'Training batches to measure' },
    write: { type: 'string', requiresArg: true, describe: 'Write the resolved config with the proposed weights to this file' },
  },
  run: async (args, config, io) => {
    const { series } = await seriesFor(args, config, io, { lookback: config.windows.lookback });
    const c = await calibrateLossWeights(config, series, Number(args.batches));
    const text = [`measured on ${c.batches} batches of the untrained model:`,
      ...Object.keys(c.means).map((k) => `  ${k.padEnd(10)} mean ${c.means[k as keyof typeof c.means].toFixed(5).padStart(10)}  weight now ${config.losses.weights[k as keyof typeof c.weights]}  proposed ${c.weights[k as keyof typeof c.weights].toPrecision(4)}`)];
    if (typeof args.write === 'string') {
      saveConfig(args.write, { ...config, losses: { ...config.losses, weights: c.weights } });
      text.push(`written: ${args.write} (use it with --config)`);
    }
    emit(args, io, text.join('\n'), { ...c, written: args.write ?? null });
    return EXIT.ok;
  },
};

export default calibrateLoss;
