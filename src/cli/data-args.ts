/** Options shared by the commands that read candles or a run directory. */
import type { Options, PositionalOptions } from 'yargs';

import type { PipelineConfig } from '../config/index.js';
import { checkLoadedSeries } from '../data/check.js';
import { loadSeries, type LoadedSeries } from '../data/source.js';
import type { CliIo } from './io.js';

/** --from/--to: every command that reads candles takes them (they set data.from/data.to). */
export const RANGE_OPTION: { [name: string]: Options } = {
  from: { type: 'string', requiresArg: true, describe: 'First bar used, ISO-8601 or ms (inclusive); windows take their lookback from before it (data.from)' },
  to: { type: 'string', requiresArg: true, describe: 'Use bars before this time, ISO-8601 or ms (exclusive) (data.to)' },
};

export const DATA_OPTION: { [name: string]: Options } = {
  data: { type: 'string', array: true, requiresArg: true, describe: 'CSV file(s), one per symbol (overrides data.source)' },
  ...RANGE_OPTION,
};

export const RUN_DIR_POSITIONAL: { [name: string]: PositionalOptions } = {
  runDir: { type: 'string', describe: 'Run directory (default: output.runDir)' },
};

export function runDirOf(args: Record<string, unknown>, config: PipelineConfig): string {
  return typeof args.runDir === 'string' && args.runDir.length > 0 ? args.runDir : config.output.runDir;
}

/**
 * `dataConfig` (the command's config, or a run's saved one) with the date range given to the
 * command (--from/--to over the command's data.from/data.to). A range given either way replaces
 * the saved one as a whole: --from alone is open-ended, whatever range the run was trained on.
 */
export function withRange<C extends PipelineConfig>(args: Record<string, unknown>, config: PipelineConfig, dataConfig: C = config as C): C {
  const flag = (v: unknown) => (typeof v === 'string' ? v : null);
  const from = flag(args.from) ?? config.data.from;
  const to = flag(args.to) ?? config.data.to;
  if (from === null && to === null) return dataConfig;
  return { ...dataConfig, data: { ...dataConfig.data, from, to } };
}

/**
 * Loads candles per `dataConfig` (default the command's config) or --data, within --from/--to
 * with `lookback` bars before --from, reporting fetch progress on stderr unless --json, and runs
 * the data check every command shares before it writes anything (`check: false` only for
 * `ntp validate`, which reports the findings itself).
 */
export async function seriesFor(
  args: Record<string, unknown> & { json?: boolean },
  config: PipelineConfig,
  io: CliIo,
  { lookback = 0, dataConfig = config, check = true }: { lookback?: number; dataConfig?: PipelineConfig; check?: boolean } = {},
): Promise<LoadedSeries> {
  const paths = Array.isArray(args.data) ? (args.data as string[]) : undefined;
  const loaded = await loadSeries(withRange(args, config, dataConfig).data, {
    paths,
    lookback,
    onFetchProgress: args.json ? undefined : (symbol, p) => {
      if (p.kind === 'page') io.stderr(`fetch ${symbol}: page ${p.page}, ${p.total} bars cached\n`);
      else io.stderr(`fetch ${symbol}: ${JSON.stringify(p)}\n`);
    },
  });
  if (check) checkLoadedSeries(loaded);
  return loaded;
}
