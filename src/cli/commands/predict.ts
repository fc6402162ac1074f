/** `ntp predict RUN_DIR --data FILE`: per-horizon forecasts for the newest window (or every window). */
import { Predictor, type Predictions } from '../../inference/predictor.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { DEVICE_CONFIG_KEY, DEVICE_OPTION, EXIT, emit, type CommandSpec } from '../command.js';
import { DATA_OPTION, RUN_DIR_POSITIONAL, runDirOf, seriesFor } from '../data-args.js';

function rows(p: Predictions, timestamps: Float64Array): Record<string, number | string>[] {
  return Array.from(p.ends, (e, k) => {
    const row: Record<string, number | string> = { time: new Date(timestamps[e]).toISOString(), close: p.close[k] };
    p.horizons.forEach((bars, h) => {
      Object.assign(row, {
        [`h${h}_bars`]: bars, [`h${h}_return`]: p.predictedReturn[h][k], [`h${h}_price`]: p.predictedPrice[h][k],
        [`h${h}_p_up`]: p.pUp[h][k], [`h${h}_sigma`]: p.sigma[h][k],
      });
    });
    return row;
  });
}

const predict: CommandSpec = {
  name: 'predict',
  usage: 'predict [runDir]',
  describe: 'Forecast each horizon (return, price, P(up), sigma) for the newest window of each series',
  positionals: RUN_DIR_POSITIONAL,
  configKeys: DEVICE_CONFIG_KEY,
  options: {
    ...DEVICE_OPTION,
    ...DATA_OPTION,
    all: { type: 'boolean', default: false, describe: 'Every window, not only the newest' },
    out: { type: 'string', requiresArg: true, describe: 'Also write the rows as CSV to this file' },
  },
  run: async (args, config, io) => {
    const predictor = await Predictor.load(runDirOf(args, config), config.runtime);
    const { series } = await seriesFor(args, config, io, { lookback: predictor.lookback, dataConfig: args.data ? config : predictor.config });
    const result: Record<string, Record<string, number | string>[]> = {};
    for (const { symbol, candles } of series) {
      const p = args.all ? await predictor.predictBatch(candles) : await predictor.predict(candles);
      result[symbol] = rows(p, candles.timestamp);
    }
    if (typeof args.out === 'string') {
      const all = Object.entries(result).flatMap(([symbol, rs]) => rs.map((r) => ({ symbol, ...r })));
      const head = Object.keys(all[0] ?? { symbol: '' });
      writeFileAtomic(args.out, [head.join(','), ...all.map((r) => head.map((k) => (r as Record<string, unknown>)[k]).join(','))].join('\n') + '\n');
    }
    const text = Object.entries(result).map(([symbol, rs]) => {
      const r = rs.at(-1)!;
      const lines = predictor.horizons.map((bars, h) =>
        `  h${h} (+${bars} bars): price ${Number(r[`h${h}_price`]).toPrecision(6)}  return ${(Number(r[`h${h}_return`]) * 100).toFixed(3)}%  P(up) ${Number(r[`h${h}_p_up`]).toFixed(3)}  sigma ${(Number(r[`h${h}_sigma`]) * 100).toFixed(3)}%`);
      return [`${symbol} @ ${r.time} close ${r.close}${rs.length > 1 ? ` (${rs.length} windows)` : ''}`, ...lines].join('\n');
    }).join('\n');
    emit(args, io, text, result);
    predictor.dispose();
    return EXIT.ok;
  },
};

export default predict;
