/**
 * `ntp sweep`: a grid over symbols x strategy parameters x risk parameters on the native engine
 * (CPU threads or CUDA), with progress, written as a ranked CSV/JSON table (SPEC §9).
 * Rule strategies run natively over the whole grid; the model strategy generates the run's
 * signals once per entry threshold and sweeps the risk grid over them.
 */
import { join } from 'node:path';

import {
  backtestOptionsFromConfig, expandRuleGrid, METRIC_NAMES, runSweep, writeSweepCsv, writeSweepJson,
  type BacktestOptions, type MetricName, type NativeSymbol, type SweepGrid, type SweepResult,
} from '../../backtest/index.js';
import type { PipelineConfig } from '../../config/index.js';
import { runDistributedSweep } from '../../distributed/index.js';
import { sliceCandles } from '../../data/candles.js';
import { Predictor } from '../../inference/predictor.js';
import { sliceSignals } from '../../signals/index.js';
import { signalsFromPredictions } from '../../inference/model-signals.js';
import { formatMetric } from '../../pipeline/format.js';
import { saveReport, sweepReport } from '../../pipeline/report-data.js';
import { sampledRuleSweep } from '../../search/sampled-sweep.js';
import { sweepOverfitting } from '../../search/sweep-statistics.js';
import { Progress } from '../../training/progress.js';
import { EXIT, UsageError, emit, type CommandSpec } from '../command.js';
import { DATA_OPTION, seriesFor } from '../data-args.js';
import { QUEUE_OPTION, queueUrlOf } from '../queue-args.js';

function riskGrid(config: PipelineConfig): Partial<BacktestOptions>[] {
  const base = backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions);
  const g = config.sweep.grid;
  return g.stopLoss.flatMap((stop) => g.feeBps.map((fee) => ({ ...base, stopDistance: stop, feeBps: fee })));
}

function outDir(args: Record<string, unknown>, config: PipelineConfig): string {
  return typeof args.out === 'string' ? args.out : join(config.output.runDir, 'sweep');
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
    ...QUEUE_OPTION,
  },
  run: async (args, config, io) => {
    const s = config.sweep;
    // With a queue the shards run on `ntp worker`s; the output is the same as a local sweep's.
    const queueUrl = queueUrlOf(args, config);
    if (queueUrl !== null && s.strategy === 'model') throw new UsageError('sweep --queue runs rule strategies (sweep.strategy ema_cross, sma_cross, rsi); strategy model sweeps run locally');
    if (queueUrl !== null && s.sampler !== 'grid') throw new UsageError(`sweep --queue runs the full grid (sweep.sampler: grid); sweep.sampler ${s.sampler} runs locally`);
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
    const progress = new Progress({ label: 'sweep', total: 1, unit: queueUrl !== null ? 'shard' : 'path', quiet: args.json, stream: { write: (t: string) => { io.stderr(t); return true; } } });
    let progressFields: Record<string, number | string> = {};
    const onProgress = (done: number, total: number) => { progress.setTotal(total); progress.update(done); };
    let result: SweepResult;
    let grid: SweepGrid;
    let lastTotal = 0;
    if (predictor) {
      if (s.sampler !== 'grid') throw new UsageError(`sweep.sampler ${s.sampler} applies to rule strategies; the model strategy sweeps its grid (sweep.sampler: grid)`);
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
      grid = { symbols, risk };
      result = await runSweep(grid, { device, rankBy: s.rankBy, onProgress });
    } else if (s.sampler !== 'grid' && s.strategy !== 'model') {
      const sampled = await sampledRuleSweep({
        symbols: series.map(({ symbol, candles }) => ({ symbol, candles })), strategy: s.strategy, grid: s.grid,
        base: backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions), sampler: s.sampler, trials: s.trials, seed: s.seed,
        rankBy: s.rankBy, device, dir: join(outDir(args, config), 'study'), onTrial: onProgress,
      });
      ({ result, grid } = sampled);
    } else {
      const g = s.grid;
      const rules = expandRuleGrid(s.strategy === 'rsi'
        ? { rsi: { period: g.rsiPeriod, lower: g.rsiLower, upper: g.rsiUpper } }
        : { [s.strategy === 'ema_cross' ? 'emaCross' : 'smaCross']: { fast: g.fast, slow: g.slow } });
      grid = { symbols: series.map(({ symbol, candles }) => ({ symbol, candles })), rules, risk };
      result = queueUrl !== null
        ? await runDistributedSweep({ symbols: series, rules, risk }, {
          url: queueUrl, device, rankBy: s.rankBy, shardBarCombos: s.shardBarCombos,
          log: (line) => io.stderr(`sweep: ${line}\n`),
          onProgress: (p) => {
            if (p.total !== lastTotal) progress.resumeFrom(p.done);
            lastTotal = p.total;
            progress.setTotal(p.total);
            progressFields = { 'bar-combos/s': p.barCombosPerSecond, workers: p.workers, ...(p.failed > 0 ? { failed: p.failed } : {}) };
            progress.update(p.done, progressFields);
          },
        })
        : await runSweep(grid, { device, rankBy: s.rankBy, onProgress });
    }
    progress.finish(progressFields);
    const out = outDir(args, config);
    const overfitting = await sweepOverfitting(result, grid, { barsPerYear: config.backtest.barsPerYear, device, seed: s.seed });
    writeSweepCsv(join(out, 'sweep.csv'), result);
    writeSweepJson(join(out, 'sweep.json'), { ...result, ...(overfitting ? { overfitting } : {}) });
    const report = saveReport(out, {
      title: `ntp sweep: ${s.strategy}, ranked by ${s.rankBy}`, generatedAt: new Date().toISOString(),
      source: loaded.source, synthetic: loaded.synthetic, sweep: sweepReport(result, s.heatmap), ...(overfitting ? { overfitting } : {}),
    });
    const rate = result.barCombos / Math.max(1e-9, result.elapsedMs / 1000);
    const shape = s.sampler === 'grid' || s.strategy === 'model'
      ? `${result.shape.symbols} symbols x ${result.shape.rules} strategies x ${result.shape.risk} risk sets`
      : `${result.shape.symbols} symbols x ${result.shape.paths / result.shape.symbols} distinct parameter sets from ${s.trials} ${s.sampler} trials`;
    const summary = `${result.shape.paths} paths (${shape}) over ${result.barCombos.toExponential(2)} bar-combos `
      + `in ${(result.elapsedMs / 1000).toFixed(2)} s on ${result.device}: ${rate.toExponential(2)} bar-combos/s`;
    const dist = result.distributed;
    const missing = dist?.missing ?? [];
    const distLines = dist ? [
      `sweep ${dist.sweepId.slice(0, 12)}: ${dist.shards} shards${dist.resumed > 0 ? ` (${dist.resumed} already stored at start)` : ''} on ${dist.workers.length} workers: ${dist.workers.map((w) => `${w.worker} ${w.shards}`).join(', ')}`,
      ...missing.map((m) => `MISSING shard ${m.shard} (${m.symbol}, ${m.rules}, ${m.risk}: ${m.paths} paths): ${m.error}`),
    ] : [];
    emit(args, io, [`data: ${loaded.source}${loaded.synthetic ? '  [SYNTHETIC DATA]' : ''}`, summary, ...distLines, `ranked by ${s.rankBy}:`, topText(result, s.top),
      ...(overfitting ? [overfitting.verdict] : []),
      `written: ${join(out, 'sweep.csv')}, ${join(out, 'sweep.json')}, ${report}`].join('\n'),
    { out, report, device: result.device, sampler: s.sampler, shape: result.shape, overfitting, barCombos: result.barCombos, elapsedMs: result.elapsedMs,
      ...(dist ? { distributed: dist } : {}),
      top: result.rows.slice(0, s.top).map((r) => ({ rank: r.rank, symbol: r.symbol, strategy: r.strategy, risk: r.risk, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, r.metrics[m]])) })) });
    if (missing.length > 0) {
      io.stderr(`ntp sweep: ${missing.length} of ${dist!.shards} shards failed every attempt; the results lack their ${missing.reduce((a, m) => a + m.paths, 0)} paths (listed above and in sweep.json "distributed.missing")\n`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
};

export default sweep;
