/**
 * `ntp sweep`: a grid over symbols x strategy parameters x risk parameters on the native engine
 * (CPU threads or CUDA), with progress, written as a ranked CSV/JSON table (SPEC §9).
 * Rule strategies run natively over the whole grid; the model strategy generates the run's
 * signals once per entry threshold and sweeps the risk grid over them.
 */
import { join } from 'node:path';

import {
  backtestOptionsFromConfig, expandRuleGrid, METRIC_NAMES, runSweep, writeSweepCsv, writeSweepJson,
  type BacktestOptions, type MetricName, type NativeSymbol, type SweepResult,
} from '../../backtest/index.js';
import type { PipelineConfig } from '../../config/index.js';
import { sliceCandles } from '../../data/candles.js';
import { Predictor } from '../../inference/predictor.js';
import { sliceSignals } from '../../signals/index.js';
import { signalsFromPredictions } from '../../inference/model-signals.js';
import { formatMetric } from '../../pipeline/format.js';
import { saveReport, sweepReport } from '../../pipeline/report-data.js';
import { Progress } from '../../training/progress.js';
import { EXIT, UsageError, emit, type CommandSpec } from '../command.js';
import { DATA_OPTION, seriesFor } from '../data-args.js';

function riskGrid(config: PipelineConfig): Partial<BacktestOptions>[] {
  const base = backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions);
  const g = config.sweep.grid;
  return g.stopLoss.flatMap((stop) => g.feeBps.map((fee) => ({ ...base, stopDistance: stop, feeBps: fee })));
}

function topText(result: SweepResult, top: number): string {
  const cols: MetricName[] = ['sharpe', 'totalReturn', 'maxDrawdown', 'trades', 'winRate', 'profitFactor'];
  const lines = [`${'rank'.padEnd(6)}${'symbol'.padEnd(12)}${'strategy'.padEnd(24)}${'stop'.padEnd(8)}${'fee'.padEnd(7)}${cols.map((c) => c.padStart(14)).join('')}`];
  for (const r of result.rows.slice(0, top)) {
    lines.push(`${String(r.rank).padEnd(6)}${r.symbol.padEnd(12)}${r.strategy.padEnd(24)}${String(r.risk.stopDistance ?? '-').padEnd(8)}${String(r.risk.feeBps ?? '-').padEnd(7)}`
      + cols.map((c) => formatMetric(c, r.metrics[c]).padStart(14)).join(''));
  }
  return lines.join('\n');
}

const sweep: CommandSpec = {
  name: 'sweep',
  describe: 'Run a parameter grid over many symbols on the native engine; write a ranked table',
  options: {
    ...DATA_OPTION,
    device: { type: 'string', choices: ['auto', 'cpu', 'cuda'], describe: 'Engine device (default sweep.device)' },
    'run-dir': { type: 'string', requiresArg: true, describe: 'Trained run for strategy model (default output.runDir)' },
    out: { type: 'string', requiresArg: true, describe: 'Output folder (default <output.runDir>/sweep)' },
  },
  run: async (args, config, io) => {
    const s = config.sweep;
    const predictor = s.strategy === 'model' ? await Predictor.load((args['run-dir'] as string | undefined) ?? config.output.runDir) : null;
    const loaded = await seriesFor(args, config, io, { lookback: predictor?.lookback ?? 0 });
    const startOf = new Map(loaded.series.map((x, i) => [x.symbol, loaded.starts[i]]));
    let series = loaded.series;
    if (s.symbols.length > 0) {
      const missing = s.symbols.filter((x) => !series.some((y) => y.symbol === x));
      if (missing.length > 0) throw new UsageError(`sweep.symbols ${missing.join(', ')} are not in the data (have: ${series.map((y) => y.symbol).join(', ')})`);
      series = series.filter((y) => s.symbols.includes(y.symbol));
    }
    const device = (args.device as 'auto' | 'cpu' | 'cuda' | undefined) ?? s.device;
    const risk = riskGrid(config);
    const progress = new Progress({ label: 'sweep', total: 1, unit: 'path', quiet: args.json });
    const onProgress = (done: number, total: number) => { progress.setTotal(total); progress.update(done); };
    let result: SweepResult;
    if (predictor) {
      const symbols: NativeSymbol[] = [];
      for (const { symbol, candles } of series) {
        // One prediction pass per symbol; each entry threshold only re-runs the signal gates.
        const predictions = await predictor.predictBatch(candles);
        // With --from, the bars before it only fed the first windows: the paths start at --from.
        const start = startOf.get(symbol)!, n = candles.close.length;
        for (const threshold of s.grid.entryThreshold) {
          const { signals } = signalsFromPredictions(predictions, n, { ...config, signals: { ...config.signals, entryThreshold: threshold } });
          symbols.push({ symbol: `${symbol}@${threshold}`, candles: sliceCandles(candles, start, n), signals: sliceSignals(signals, start, n) });
        }
      }
      predictor.dispose();
      result = await runSweep({ symbols, risk }, { device, rankBy: s.rankBy, onProgress });
    } else {
      const g = s.grid;
      const rules = expandRuleGrid(s.strategy === 'rsi'
        ? { rsi: { period: g.rsiPeriod, lower: g.rsiLower, upper: g.rsiUpper } }
        : { [s.strategy === 'ema_cross' ? 'emaCross' : 'smaCross']: { fast: g.fast, slow: g.slow } });
      result = await runSweep({ symbols: series.map(({ symbol, candles }) => ({ symbol, candles })), rules, risk }, { device, rankBy: s.rankBy, onProgress });
    }
    progress.finish();
    const out = typeof args.out === 'string' ? args.out : join(config.output.runDir, 'sweep');
    writeSweepCsv(join(out, 'sweep.csv'), result);
    writeSweepJson(join(out, 'sweep.json'), result);
    const report = saveReport(out, {
      title: `ntp sweep: ${s.strategy}, ranked by ${s.rankBy}`, generatedAt: new Date().toISOString(),
      source: loaded.source, synthetic: loaded.synthetic, sweep: sweepReport(result, s.heatmap),
    });
    const rate = result.barCombos / Math.max(1e-9, result.elapsedMs / 1000);
    const summary = `${result.shape.paths} paths (${result.shape.symbols} symbols x ${result.shape.rules} strategies x ${result.shape.risk} risk sets) over ${result.barCombos.toExponential(2)} bar-combos `
      + `in ${(result.elapsedMs / 1000).toFixed(2)} s on ${result.device}: ${rate.toExponential(2)} bar-combos/s`;
    emit(args, io, [`data: ${loaded.source}${loaded.synthetic ? '  [SYNTHETIC DATA]' : ''}`, summary, `ranked by ${s.rankBy}:`, topText(result, s.top),
      `written: ${join(out, 'sweep.csv')}, ${join(out, 'sweep.json')}, ${report}`].join('\n'),
    { out, report, device: result.device, shape: result.shape, barCombos: result.barCombos, elapsedMs: result.elapsedMs,
      top: result.rows.slice(0, s.top).map((r) => ({ rank: r.rank, symbol: r.symbol, strategy: r.strategy, risk: r.risk, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, r.metrics[m]])) })) });
    return EXIT.ok;
  },
};

export default sweep;
