/** `ntp backtest [RUN_DIR]`: one configuration over each symbol, with metrics and the trade log (SPEC §9). */
import { join } from 'node:path';

import { allParams, backtestOptionsFromConfig, findStrategy, METRIC_NAMES, paramNames, STRATEGIES, STRATEGY_NAMES, type RuleStrategy, type Strategy } from '../../backtest/index.js';
import { Predictor } from '../../inference/predictor.js';
import { modelSignals } from '../../inference/model-signals.js';
import { sliceCandles } from '../../data/candles.js';
import { backtestSeries, type Engine, type SignalSource } from '../../pipeline/backtest-series.js';
import { compareWithBaselines, comparisonReport, formatComparison } from '../../pipeline/baselines.js';
import { sliceSignals } from '../../signals/index.js';
import { formatMetricsTable, formatTrades, tradesCsv } from '../../pipeline/format.js';
import { saveReport, symbolReport, trainingReport } from '../../pipeline/report-data.js';
import { writeOutputSet } from '../../util/output-set.js';
import { DEVICE_CONFIG_KEY, DEVICE_OPTION, EXIT, UsageError, emit, logTo, numberFlag, type CommandSpec } from '../command.js';
import { DATA_OPTION, RUN_DIR_POSITIONAL, runDirOf, seriesFor } from '../data-args.js';

/** One flag per strategy parameter (a name shared by strategies is one flag), described with each strategy's default. */
const PARAM_FLAGS = Object.fromEntries(allParams().map(({ name, strategies }) => [name, {
  type: 'number' as const,
  describe: `${strategies.map((k) => { const p = findStrategy(k)!.params[name]; return `${k}: ${p.describe}, default ${p.default}`; }).join('; ')}`,
}]));

/** The rule the flags give (each parameter's default when its flag is absent); usage errors name the flag. */
function ruleFrom(args: Record<string, unknown>, strategy: Strategy): RuleStrategy {
  const own = paramNames(strategy);
  const stray = allParams().map((p) => p.name).filter((k) => !own.includes(k) && args[k] !== undefined);
  if (stray.length > 0) throw new UsageError(`--${stray[0]} does not apply to --strategy ${strategy.name} (its parameters: ${own.map((k) => `--${k}`).join(', ')})`);
  const params = Object.fromEntries(own.map((k) => {
    const p = strategy.params[k];
    return [k, numberFlag(args, k, p.default, { min: p.min, max: p.max, real: !p.integer })];
  }));
  for (const [a, b] of strategy.below) {
    if (!(params[a] < params[b])) throw new UsageError(`--${a} (${params[a]}) must be below --${b} (${params[b]})`);
  }
  return { kind: strategy.name, ...params } as RuleStrategy;
}

const backtest: CommandSpec = {
  name: 'backtest',
  usage: 'backtest [runDir]',
  describe: 'Backtest the model\'s signals (or a rule strategy) over each symbol: metrics, trades, equity',
  positionals: RUN_DIR_POSITIONAL,
  configKeys: DEVICE_CONFIG_KEY,
  options: {
    ...DEVICE_OPTION,
    ...DATA_OPTION,
    strategy: {
      type: 'string', choices: ['model', ...STRATEGY_NAMES], default: 'model',
      describe: `model: the trained model's signals; ${STRATEGIES.map((s) => `${s.name}: ${s.describe}`).join('; ')}`,
    },
    ...PARAM_FLAGS,
    engine: { type: 'string', choices: ['native', 'reference'], default: 'native', describe: 'Native engine or the TypeScript reference' },
    trades: { type: 'number', default: 10, describe: 'Trades listed per symbol' },
    out: { type: 'string', requiresArg: true, describe: 'Output folder (default <runDir>/backtest)' },
  },
  run: async (args, config, io) => {
    const strategy = String(args.strategy);
    const runDir = runDirOf(args, config);
    const shownTrades = numberFlag(args, 'trades', 10, { min: 0, max: Number.MAX_SAFE_INTEGER });
    // Flags are checked before anything is loaded: a bad one costs nothing.
    const rule = strategy === 'model' ? null : ruleFrom(args, findStrategy(strategy)!);
    let source: SignalSource;
    let loaded;
    let signalReport = null;
    if (strategy === 'model') {
      const predictor = await Predictor.load(runDir, config.runtime);
      loaded = await seriesFor(args, config, io, { lookback: predictor.lookback, dataConfig: args.data ? config : predictor.config });
      const results = [];
      for (const { candles } of loaded.series) results.push(await modelSignals(predictor, candles, config));
      // With --from, the bars before it only fed the first windows: the backtest starts at --from.
      const starts = loaded.starts;
      loaded = { ...loaded, series: loaded.series.map((s, i) => ({ symbol: s.symbol, candles: sliceCandles(s.candles, starts[i], s.candles.close.length) })) };
      source = { kind: 'signals', signals: results.map((r, i) => sliceSignals(r.signals, starts[i], r.signals.side.length)) };
      signalReport = results.map((r) => r.report);
      predictor.dispose();
    } else {
      loaded = await seriesFor(args, config, io);
      source = { kind: 'rule', rule: rule! };
    }
    const options = backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions);
    const results = await backtestSeries(loaded.series, source, options, args.engine as Engine);
    const compared = await compareWithBaselines(results, options, args.engine as Engine, strategy === 'model' ? 'model' : strategy);
    const out = typeof args.out === 'string' ? args.out : join(runDir, 'backtest');
    // The folder's files are one set: all new or all old (SPEC §11).
    await writeOutputSet(out, { command: 'ntp backtest', log: logTo(io) }, (set) => {
      set.writeJson('backtest.json', {
        source: loaded.source, synthetic: loaded.synthetic, strategy, engine: args.engine, options, signalReport,
        symbols: results.map((r, s) => ({ symbol: r.symbol, metrics: r.metrics, costs: compared[s][0].costs, comparison: comparisonReport(compared[s]), trades: r.trades })),
      });
      set.writeFile('trades.csv', tradesCsv(results));
      saveReport(set.staging, {
        title: `ntp backtest: ${strategy === 'model' ? 'model signals' : strategy}`, generatedAt: new Date().toISOString(),
        source: loaded.source, synthetic: loaded.synthetic, symbols: results.map((r, s) => symbolReport(r, compared[s])),
        ...(strategy === 'model' ? trainingReport(runDir, config.training.monitor) : {}),
      });
    });
    const report = join(out, 'report.html');
    const text = [
      `data: ${loaded.source}${loaded.synthetic ? '  [SYNTHETIC DATA]' : ''}`,
      `strategy: ${strategy === 'model' ? `model signals (${runDir})` : JSON.stringify((source as { rule: RuleStrategy }).rule)}, engine: ${args.engine}`,
      formatMetricsTable(results.map((r) => ({ name: r.symbol, metrics: r.metrics }))),
      ...compared.map((c, s) => formatComparison(results[s].symbol, c)),
      ...results.map((r) => `${r.symbol}: last ${Math.min(shownTrades, r.trades.length)} of ${r.trades.length} trades\n${formatTrades(r.trades, shownTrades)}`),
      `written: ${join(out, 'backtest.json')}, ${join(out, 'trades.csv')}, ${report}`,
    ].join('\n');
    emit(args, io, text, { out, report, strategy, symbols: results.map((r, s) => ({ symbol: r.symbol, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, r.metrics[m]])), comparison: comparisonReport(compared[s]) })) });
    return EXIT.ok;
  },
};

export default backtest;
