/**
 * `ntp sweep`: a grid over symbols x strategy parameters x risk parameters on the native engine
 * (CPU threads or CUDA), with progress, written as a ranked CSV/JSON table (SPEC §9).
 * Rule strategies run natively over the whole grid; the model strategy generates the run's
 * signals once per entry threshold and sweeps the risk grid over them. The sweep is estimated
 * first and refused above sweep.limits; every path streams to sweep-paths.csv and only the best
 * sweep.keep rows stay in memory; the folder is committed as one set (util/output-set.ts).
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import {
  backtestOptionsFromConfig, countRuleGrid, expandRuleGrid, METRIC_NAMES, runSweep, sweepRiskColumns,
  type BacktestOptions, type MetricName, type NativeSymbol, type RuleGridSpec, type SweepResult,
} from '../../backtest/index.js';
import { describeEstimate, estimateSweep, sweepLimitIssue } from '../../backtest/sweep-estimate.js';
import type { PipelineConfig } from '../../config/index.js';
import { Predictor } from '../../inference/predictor.js';
import { signalsFromPredictions } from '../../inference/model-signals.js';
import { formatMetric } from '../../pipeline/format.js';
import { SweepOutput } from '../../pipeline/sweep-output.js';
import { Progress } from '../../training/progress.js';
import { writeOutputSet } from '../../util/output-set.js';
import { EXIT, UsageError, emit, logTo, type CommandSpec } from '../command.js';
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
    const loaded = await seriesFor(args, config, io);
    let series = loaded.series;
    if (s.symbols.length > 0) {
      const missing = s.symbols.filter((x) => !series.some((y) => y.symbol === x));
      if (missing.length > 0) throw new UsageError(`sweep.symbols ${missing.join(', ')} are not in the data (have: ${series.map((y) => y.symbol).join(', ')})`);
      series = series.filter((y) => s.symbols.includes(y.symbol));
    }
    const device = (args.device as 'auto' | 'cpu' | 'cuda' | undefined) ?? s.device;
    const risk = riskGrid(config);
    const riskKeys = sweepRiskColumns(risk);
    const out = typeof args.out === 'string' ? args.out : join(config.output.runDir, 'sweep');
    const g = s.grid;
    const ruleSpec: RuleGridSpec = s.strategy === 'rsi'
      ? { rsi: { period: g.rsiPeriod, lower: g.rsiLower, upper: g.rsiUpper } }
      : { [s.strategy === 'ema_cross' ? 'emaCross' : 'smaCross']: { fast: g.fast, slow: g.slow } };

    // Estimated and checked before anything is computed or written.
    const model = s.strategy === 'model';
    const estimate = estimateSweep({
      bars: model ? series.flatMap((y) => g.entryThreshold.map(() => y.candles.close.length)) : series.map((y) => y.candles.close.length),
      rules: model ? 1 : countRuleGrid(ruleSpec), risk: risk.length, keep: s.keep, allPaths: s.allPaths, riskColumns: riskKeys.length,
      labelBytes: Math.max(...series.map((y) => y.symbol.length)) + 32,
    });
    const issue = sweepLimitIssue(estimate, s.limits, freeBytesNear(out));
    if (issue) throw new UsageError(issue);
    if (!args.json) io.stderr(`sweep: ${describeEstimate(estimate)}\n`);

    const progress = new Progress({ label: 'sweep', total: 1, unit: 'path', quiet: args.json });
    const onProgress = (done: number, total: number) => { progress.setTotal(total); progress.update(done); };
    const { result, files } = await writeOutputSet(out, { command: 'ntp sweep', log: logTo(io) }, async (set) => {
      // Every path streams to the folder as it is computed; only the best `keep` stay in memory.
      const output = new SweepOutput(set.staging, { risk, rankBy: s.rankBy, heatmap: s.heatmap, allPaths: s.allPaths });
      try {
        const options = { device, rankBy: s.rankBy, onProgress, keep: s.keep, onRow: output.row };
        let r: SweepResult;
        if (model) {
          const predictor = await Predictor.load((args['run-dir'] as string | undefined) ?? config.output.runDir);
          const symbols: NativeSymbol[] = [];
          for (const { symbol, candles } of series) {
            // One prediction pass per symbol; each entry threshold only re-runs the signal gates.
            const predictions = await predictor.predictBatch(candles);
            for (const threshold of g.entryThreshold) {
              const { signals } = signalsFromPredictions(predictions, candles.close.length, { ...config, signals: { ...config.signals, entryThreshold: threshold } });
              symbols.push({ symbol: `${symbol}@${threshold}`, candles, signals });
            }
          }
          predictor.dispose();
          r = await runSweep({ symbols, risk }, options);
        } else {
          r = await runSweep({ symbols: series.map(({ symbol, candles }) => ({ symbol, candles })), rules: expandRuleGrid(ruleSpec), risk }, options);
        }
        progress.finish();
        const names = output.finish(r, { title: `ntp sweep: ${s.strategy}, ranked by ${s.rankBy}`, source: loaded.source, synthetic: loaded.synthetic });
        return { result: r, files: names.map((name) => join(out, name)) };
      } finally {
        output.discard();
      }
    });
    const report = join(out, 'report.html');
    const rate = result.barCombos / Math.max(1e-9, result.elapsedMs / 1000);
    const summary = `${result.shape.paths} paths (${result.shape.symbols} symbols x ${result.shape.rules} strategies x ${result.shape.risk} risk sets) over ${result.barCombos.toExponential(2)} bar-combos `
      + `in ${(result.elapsedMs / 1000).toFixed(2)} s on ${result.device}: ${rate.toExponential(2)} bar-combos/s`;
    emit(args, io, [`data: ${loaded.source}${loaded.synthetic ? '  [SYNTHETIC DATA]' : ''}`, summary, `ranked by ${s.rankBy} (best ${result.rows.length} kept):`, topText(result, s.top),
      `written: ${files.join(', ')}`].join('\n'),
    { out, report, files, estimate, device: result.device, shape: result.shape, barCombos: result.barCombos, elapsedMs: result.elapsedMs,
      top: result.rows.slice(0, s.top).map((r) => ({ rank: r.rank, symbol: r.symbol, strategy: r.strategy, risk: r.risk, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, r.metrics[m]])) })) });
    return EXIT.ok;
  },
};

/** Free bytes on the file system that will hold `path` (its nearest existing ancestor). */
function freeBytesNear(path: string): number {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}

export default sweep;
