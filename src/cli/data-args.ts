/** Options shared by the commands that read candles or a run directory. */
import type { Options, PositionalOptions } from 'yargs';

import type { PipelineConfig } from '../config/index.js';
import { checkLoadedSeries } from '../data/check.js';
import { loadSeries, type LoadedSeries } from '../data/source.js';
import type { CliIo } from './io.js';

export const DATA_OPTION: { [name: string]: Options } = {
  data: { type: 'string', array: true, requiresArg: true, describe: 'CSV file(s), one per symbol (overrides data.source)' },
};

export const RUN_DIR_POSITIONAL: { [name: string]: PositionalOptions } = {
  runDir: { type: 'string', describe: 'Run directory (default: output.runDir)' },
};

export function runDirOf(args: Record<string, unknown>, config: PipelineConfig): string {
  return typeof args.runDir === 'string' && args.runDir.length > 0 ? args.runDir : config.output.runDir;
}

/**
 * Loads candles per the config or --data, reporting fetch progress on stderr unless --json, and
 * runs the data check every command shares before it writes anything (`check: false` only for
 * `ntp validate`, which reports the findings itself).
 */
export async function seriesFor(args: Record<string, unknown> & { json?: boolean }, config: PipelineConfig, io: CliIo, check = true): Promise<LoadedSeries> {
  const paths = Array.isArray(args.data) ? (args.data as string[]) : undefined;
  const loaded = await loadSeries(config.data, {
    paths,
    onFetchProgress: args.json ? undefined : (symbol, p) => {
      if (p.kind === 'page') io.stderr(`fetch ${symbol}: page ${p.page}, ${p.total} bars cached\n`);
      else io.stderr(`fetch ${symbol}: ${JSON.stringify(p)}\n`);
    },
  });
  if (check) checkLoadedSeries(loaded);
  return loaded;
}
