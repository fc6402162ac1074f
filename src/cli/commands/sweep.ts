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
  backtestOptionsFromConfig, countRuleGrid, expandRuleGrid, METRIC_NAMES, runSweep, STRATEGY_NAMES, strategyOf, sweepRiskColumns,
  type BacktestOptions, type MetricName, type NativeSymbol, type RuleGridSpec, type SweepGrid, type SweepResult,
} from '../../backtest/index.js';
import { describeEstimate, estimateSweep, sweepLimitIssue } from '../../backtest/sweep-estimate.js';
import type { PipelineConfig } from '../../config/index.js';
import { runDistributedSweep } from '../../distributed/index.js';
import { sliceCandles } from '../../data/candles.js';
import { Predictor } from '../../inference/predictor.js';
import { sliceSignals } from '../../signals/index.js';
import { signalsFromPredictions } from '../../inference/model-signals.js';
import { formatMetric } from '../../pipeline/format.js';
import { SweepOutput } from '../../pipeline/sweep-output.js';
import { sampledRuleSweep } from '../../search/sampled-sweep.js';
import { sweepOverfitting } from '../../search/sweep-statistics.js';
import { Progress } from '../../training/progress.js';
import { writeOutputSet } from '../../util/output-set.js';
import { EXIT, UsageError, emit, logTo, type CommandSpec } from '../command.js';
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
    // Usage checked before the model is loaded. With a queue the shards run on `ntp worker`s; the output is the same as a local sweep's.
    const queueUrl = queueUrlOf(args, config);
    if (queueUrl !== null && s.strategy === 'model') throw new UsageError(`sweep --queue runs rule strategies (sweep.strategy ${STRATEGY_NAMES.join(', ')}); strategy model sweeps run locally`);
    if (queueUrl !== null && s.sampler !== 'grid') throw new UsageError(`sweep --queue runs the full grid (sweep.sampler: grid); sweep.sampler ${s.sampler} runs locally`);
    if (s.strategy === 'model' && s.sampler !== 'grid') throw new UsageError(`sweep.sampler ${s.sampler} applies to rule strategies; the model strategy sweeps its grid (sweep.sampler: grid)`);
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
    const riskKeys = sweepRiskColumns(risk);
    const out = outDir(args, config);
    const g = s.grid;
    // The strategy's axes: each of its parameters' sweep.grid key.
    const ruleStrategy = s.strategy === 'model' ? null : strategyOf(s.strategy, 'sweep.strategy');
    const ruleSpec: RuleGridSpec = ruleStrategy
      ? { [ruleStrategy.name]: Object.fromEntries(Object.entries(ruleStrategy.params).map(([k, p]) => [k, g[p.gridKey]])) } : {};
    const sampled = !predictor && s.sampler !== 'grid';

    // Estimated and checked before anything is computed or written. With --from, a model
    // sweep's paths start at --from (the bars before it only feed the first windows).
    const pathBars = series.map((y) => y.candles.close.length - (predictor ? startOf.get(y.symbol)! : 0));
    const ruleCount = ruleStrategy ? countRuleGrid(ruleSpec) : 0;
    const estimate = estimateSweep({
      bars: predictor ? pathBars.flatMap((n) => g.entryThreshold.map(() => n)) : pathBars,
      // A sampled sweep ends with one sweep over the distinct rules x risk sets its trials drew.
      rules: predictor ? 1 : sampled ? Math.min(ruleCount, s.trials) : ruleCount,
      risk: sampled ? Math.min(risk.length, s.trials) : risk.length,
      keep: s.keep, allPaths: s.allPaths, riskColumns: riskKeys.length,
      labelBytes: Math.max(...series.map((y) => y.symbol.length)) + 32,
    });
    const issue = sweepLimitIssue(estimate, s.limits, freeBytesNear(out));
    if (issue) throw new UsageError(issue);
    if (!args.json) io.stderr(`sweep: ${describeEstimate(estimate)}\n`);

    const progress = new Progress({ label: 'sweep', total: 1, unit: queueUrl !== null ? 'shard' : 'path', quiet: args.json, stream: { write: (t: string) => { io.stderr(t); return true; } } });
    let progressFields: Record<string, number | string> = {};
    const sweepStarted = Date.now();
    const onProgress = (done: number, total: number, barCombos?: number) => {
      progress.setTotal(total);
      if (barCombos !== undefined) progressFields = { 'bar-combos/s': barCombos / Math.max(1e-3, (Date.now() - sweepStarted) / 1000) };
      progress.update(done, progressFields);
    };
    let lastTotal = 0;
    const { result, files, overfitting } = await writeOutputSet(out, { command: 'ntp sweep', log: logTo(io) }, async (set) => {
      // Every path streams to the folder as it is computed; only the best `keep` stay in memory.
      const output = new SweepOutput(set.staging, { risk, rankBy: s.rankBy, heatmap: s.heatmap, allPaths: s.allPaths });
      try {
        const options = { device, devices: s.devices, rankBy: s.rankBy, onProgress, keep: s.keep, onRow: output.row };
        /** Rows of a sampled sweep, returned all at once: streamed in path order, the best `keep` kept. */
        const gathered = (r: SweepResult): SweepResult => {
          for (const row of [...r.rows].sort((x, y) => x.path - y.path)) output.row(row);
          return { ...r, rows: r.rows.slice(0, s.keep) };
        };
        let r: SweepResult;
        let grid: SweepGrid;
        if (predictor) {
          const symbols: NativeSymbol[] = [];
          for (const { symbol, candles } of series) {
            // One prediction pass per symbol; each entry threshold only re-runs the signal gates.
            const predictions = await predictor.predictBatch(candles);
            const start = startOf.get(symbol)!, n = candles.close.length;
            for (const threshold of g.entryThreshold) {
              const { signals } = signalsFromPredictions(predictions, n, { ...config, signals: { ...config.signals, entryThreshold: threshold } });
              symbols.push({ symbol: `${symbol}@${threshold}`, candles: sliceCandles(candles, start, n), signals: sliceSignals(signals, start, n) });
            }
          }
          predictor.dispose();
          grid = { symbols, risk };
          r = await runSweep(grid, options);
        } else if (s.sampler !== 'grid' && ruleStrategy) {
          const run = await sampledRuleSweep({
            symbols: series.map(({ symbol, candles }) => ({ symbol, candles })), strategy: ruleStrategy.name, grid: g,
            base: backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions), sampler: s.sampler, trials: s.trials, seed: s.seed,
            rankBy: s.rankBy, device, dir: join(set.staging, 'study'), onTrial: onProgress,
          });
          grid = run.grid;
          r = run.result;
        } else {
          const rules = expandRuleGrid(ruleSpec);
          grid = { symbols: series.map(({ symbol, candles }) => ({ symbol, candles })), rules, risk };
          r = queueUrl !== null
            ? await runDistributedSweep({ symbols: series, rules, risk }, {
              url: queueUrl, device, rankBy: s.rankBy, keep: s.keep, onRow: output.row, shardBarCombos: s.shardBarCombos,
              log: (line) => io.stderr(`sweep: ${line}\n`),
              onProgress: (p) => {
                if (p.total !== lastTotal) progress.resumeFrom(p.done);
                lastTotal = p.total;
                progress.setTotal(p.total);
                progressFields = { 'bar-combos/s': p.barCombosPerSecond, workers: p.workers, ...(p.failed > 0 ? { failed: p.failed } : {}) };
                progress.update(p.done, progressFields);
              },
            })
            : await runSweep(grid, options);
        }
        progress.finish(progressFields);
        if (sampled) r = gathered(r);
        // DSR counting every path streamed (not only the best sweep.keep); PBO over a sample of the kept configurations. The same for a local and a queued sweep.
        const stats = await sweepOverfitting(r, grid, { barsPerYear: config.backtest.barsPerYear, device, seed: s.seed, allTrials: output.trials });
        const names = output.finish(r, { title: `ntp sweep: ${s.strategy}, ranked by ${s.rankBy}`, source: loaded.source, synthetic: loaded.synthetic }, stats ?? undefined);
        return { result: r, overfitting: stats, files: [...names, ...(sampled ? ['study'] : [])].map((name) => join(out, name)) };
      } finally {
        output.discard();
      }
    });
    const report = join(out, 'report.html');
    const rate = result.barCombos / Math.max(1e-9, result.elapsedMs / 1000);
    const shape = !sampled
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
    emit(args, io, [`data: ${loaded.source}${loaded.synthetic ? '  [SYNTHETIC DATA]' : ''}`, summary, ...distLines,
      `ranked by ${s.rankBy} (best ${result.rows.length} kept):`, topText(result, s.top),
      ...(overfitting ? [overfitting.verdict] : []),
      `written: ${files.join(', ')}`].join('\n'),
    { out, report, files, estimate, device: result.device, sampler: s.sampler, shape: result.shape, overfitting, barCombos: result.barCombos, elapsedMs: result.elapsedMs,
      ...(dist ? { distributed: dist } : {}),
      top: result.rows.slice(0, s.top).map((r) => ({ rank: r.rank, symbol: r.symbol, strategy: r.strategy, risk: r.risk, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, r.metrics[m]])) })) });
    if (missing.length > 0) {
      io.stderr(`ntp sweep: ${missing.length} of ${dist!.shards} shards failed every attempt; the results lack their ${missing.reduce((a, m) => a + m.paths, 0)} paths (listed above and in sweep.json "distributed.missing")\n`);
      return EXIT.failure;
    }
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
