/**
 * Candles for a pipeline run from the config's `data` section: the shipped demo data, the
 * seeded synthetic market, CSV files, or an exchange through ccxt (cached and resumable), then the explicit cleaning
 * steps the config asks for. Nothing is cleaned unless asked; what cleaning changed is returned.
 */
import type { DataConfig } from '../config/index.js';
import { ConfigError, timeframeMinutes } from '../config/index.js';
import type { SymbolCandles } from './candles.js';
import { fetchCandles, type FetchProgress } from './ccxt-fetch.js';
import { cleanOhlcv, type CleanChanges } from './clean.js';
import { loadCsvFiles } from './csv.js';
import { DEMO_TIMEFRAME, loadDemo } from './demo.js';
import { checkRange, describeRange, isWholeRange, parseDateBound, sliceRange, type DateRange } from './range.js';
import { syntheticMarket } from './synthetic.js';

export interface LoadedSeries {
  series: SymbolCandles[];
  /** Where the candles came from, for reports ("synthetic market (seed 42)", file names, ...). */
  source: string;
  synthetic: boolean;
  cleaning: { symbol: string; changes: CleanChanges }[];
  /** data.from/data.to in ms (null = open). */
  range: DateRange;
  /** Per series: index of the range's first bar; the bars before it are the windows' lookback. */
  starts: number[];
}

export interface LoadSeriesOptions {
  /** CSV files overriding data.source/paths (e.g. from --data). */
  paths?: readonly string[];
  onFetchProgress?: (symbol: string, p: FetchProgress) => void;
  /**
   * Bars kept before data.from so the first window ends at the range's first bar (the model's
   * lookback; 0 for commands that read bars only inside the range).
   */
  lookback?: number;
}

/** data.from/data.to as ms bounds. */
export function dataRange(data: DataConfig): DateRange {
  return {
    from: data.from === null ? null : parseDateBound(data.from, 'data.from (--from)'),
    to: data.to === null ? null : parseDateBound(data.to, 'data.to (--to)'),
  };
}

/**
 * The exchange fetch for a range: from `lookback` bars before data.from (they feed the first
 * window only; data.since without a range, else the exchange's earliest) to before data.to.
 */
export function fetchSpan(data: DataConfig, lookback: number): { since: number; until?: number } {
  const range = dataRange(data);
  const barMs = timeframeMinutes(data.timeframe) * 60_000;
  const since = range.from !== null ? Math.max(0, range.from - lookback * barMs) : data.since ? Date.parse(data.since) : 0;
  return range.to !== null ? { since, until: range.to } : { since };
}

export async function loadSeries(data: DataConfig, options: LoadSeriesOptions = {}): Promise<LoadedSeries> {
  const range = dataRange(data);
  checkRange(range);
  const lookback = options.lookback ?? 0;
  const paths = options.paths && options.paths.length > 0 ? options.paths : null;
  const source = paths ? 'csv' : data.source;
  let series: SymbolCandles[];
  let description: string;
  let names: readonly string[] | null = null;
  if (source === 'demo') {
    if (data.timeframe !== DEMO_TIMEFRAME) {
      // Checked here, not as a config rule: --data FILE replaces the demo without changing data.source.
      throw new ConfigError([{ key: 'data.timeframe', message: `got "${data.timeframe}", expected "${DEMO_TIMEFRAME}" when data.source is demo (the demo candles are hourly)` }]);
    }
    series = loadDemo(data.demo.bars).series;
    const n = series[0].candles.close.length;
    const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
    description = `demo data (real Binance spot candles, data/demo): ${series.map((s) => s.symbol).join(', ')} ${DEMO_TIMEFRAME}, `
      + `${n} bars each, ${iso(series[0].candles.timestamp[0])}..${iso(series[0].candles.timestamp[n - 1])} UTC`;
  } else if (source === 'synthetic') {
    const s = data.synthetic;
    series = syntheticMarket({
      bars: s.bars, seed: s.seed, symbols: s.symbols, startPrice: s.startPrice, volatility: s.volatility,
      regimeSwitch: s.regimeSwitch, timeframeMs: timeframeMinutes(data.timeframe) * 60_000,
    });
    description = `synthetic market (seed ${s.seed}, ${s.symbols} symbol${s.symbols > 1 ? 's' : ''} x ${s.bars} bars of ${data.timeframe})`;
  } else if (source === 'csv') {
    const files = paths ?? data.paths;
    if (files.length === 0) throw new RangeError('data.paths is empty: give CSV files with data.paths or --data FILE');
    series = loadCsvFiles(files);
    if (!paths && data.symbols.length > 0) {
      if (data.symbols.length !== files.length) throw new RangeError(`data.symbols has ${data.symbols.length} names for ${files.length} data.paths`);
      series = series.map((s, i) => ({ ...s, symbol: data.symbols[i] }));
    }
    description = `CSV: ${files.join(', ')}`;
    names = files;
  } else {
    if (data.symbols.length === 0) throw new RangeError('data.symbols is empty: name the markets to fetch, e.g. ["BTC/USDT"]');
    series = [];
    const span = fetchSpan(data, lookback);
    for (const symbol of data.symbols) {
      const candles = await fetchCandles({
        exchange: data.exchange, symbol, timeframe: data.timeframe, ...span,
        cacheDir: data.cacheDir, limit: data.pageLimit, maxRetries: data.maxRetries,
        onProgress: options.onFetchProgress ? (p) => options.onFetchProgress!(symbol, p) : undefined,
      });
      series.push({ symbol, candles });
    }
    description = `${data.exchange} via ccxt: ${data.symbols.join(', ')} ${data.timeframe}`;
  }
  const c = data.clean;
  const cleaning: LoadedSeries['cleaning'] = [];
  if (c.dropDuplicates || c.sort || c.fillGaps || c.dropInvalid) {
    series = series.map(({ symbol, candles, origin }) => {
      const r = cleanOhlcv(candles, { dropDuplicates: c.dropDuplicates, sort: c.sort, forwardFillGaps: c.fillGaps, dropInvalidRows: c.dropInvalid });
      cleaning.push({ symbol, changes: r.changes });
      // Rows no longer match the file's lines once cleaning changed them.
      const changed = r.changes.rowsIn !== r.changes.rowsOut || r.changes.moved > 0 || r.changes.inserted.length > 0;
      return { symbol, candles: r.candles, ...(changed ? {} : { origin }) };
    });
  }
  let starts = series.map(() => 0);
  if (!isWholeRange(range)) {
    const ranged = series.map(({ symbol, candles }, i) => sliceRange(candles, range, lookback, names ? names[i] : symbol));
    series = series.map((s, i) => ({ symbol: s.symbol, candles: ranged[i].candles }));
    starts = ranged.map((r) => r.start);
    description += `, ${describeRange(range)}`;
  }
  return { series, source: description, synthetic: source === 'synthetic', cleaning, range, starts };
}
