/** `ntp signals RUN_DIR --data FILE`: trading signals (side, stop, 3 targets, size) from a trained model. */
import { Predictor } from '../../inference/predictor.js';
import { modelSignals } from '../../inference/model-signals.js';
import { edgeMessage, gatedSignals, runValidationEdge } from '../../pipeline/edge-gate.js';
import { formatSignalTable } from '../../signals/index.js';
import { DEVICE_CONFIG_KEY, DEVICE_OPTION, EXIT, emit, numberFlag, type CommandSpec } from '../command.js';
import { DATA_OPTION, RUN_DIR_POSITIONAL, runDirOf, seriesFor } from '../data-args.js';

const signals: CommandSpec = {
  name: 'signals',
  usage: 'signals [runDir]',
  describe: 'Generate signals from a trained run over candles: side, stop, three targets, size',
  positionals: RUN_DIR_POSITIONAL,
  configKeys: DEVICE_CONFIG_KEY,
  options: {
    ...DEVICE_OPTION,
    ...DATA_OPTION,
    limit: { type: 'number', default: 20, describe: 'Most recent signals shown per series' },
  },
  run: async (args, config, io) => {
    const limit = numberFlag(args, 'limit', 20, { min: 0, max: Number.MAX_SAFE_INTEGER });
    const predictor = await Predictor.load(runDirOf(args, config), config.runtime);
    const { series } = await seriesFor(args, config, io, { lookback: predictor.lookback, dataConfig: args.data ? config : predictor.config });
    const edge = await runValidationEdge(predictor, config);
    const out = [];
    const text = [edgeMessage(edge)];
    for (const { symbol, candles } of series) {
      const generated = await modelSignals(predictor, candles, config);
      const { report } = generated;
      const s = gatedSignals(generated.signals, edge);
      const bars = [];
      for (let t = 0; t < s.side.length; t++) {
        if (s.side[t] === 0) continue;
        bars.push({ time: new Date(candles.timestamp[t]).toISOString(), side: s.side[t], stop: s.stopDistance[t],
          targets: s.targetDistance.map((d) => d[t]), size: s.size[t] });
      }
      out.push({ symbol, report, traded: edge.trade, signals: bars });
      text.push(`${symbol}: ${report.longs} long, ${report.shorts} short of ${report.bars} windows `
        + `(suppressed: ${report.suppressedDisagreement} disagreement, ${report.suppressedSpike} variance spike, ${report.suppressedZeroSize} zero size, ${report.suppressedCost} expected move inside costs x (1 + ${config.signals.costMargin}); ${report.skippedInvalid} invalid)`
        + (edge.trade ? '' : '; none issued (no edge)'),
      formatSignalTable(s, candles.timestamp, limit));
    }
    emit(args, io, text.join('\n'), { edge: { ...edge.verdict, trade: edge.trade, requireEdge: config.signals.requireEdge }, series: out });
    predictor.dispose();
    return EXIT.ok;
  },
};

export default signals;
