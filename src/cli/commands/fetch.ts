/** `ntp fetch`: candles from an exchange through ccxt into the resumable on-disk cache. */
import { candleCachePath } from '../../data/candle-cache.js';
import { fetchCandles } from '../../data/ccxt-fetch.js';
import { EXIT, UsageError, emit, type CommandSpec } from '../command.js';

function parseTime(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(String(value));
  if (!Number.isFinite(t)) throw new UsageError(`--${flag} must be an ISO-8601 date such as 2020-01-01 (got ${JSON.stringify(value)})`);
  return t;
}

const fetch: CommandSpec = {
  name: 'fetch',
  describe: 'Download candles through ccxt (paginated, rate-limited, retried, resumable cache)',
  options: {
    exchange: { type: 'string', requiresArg: true, describe: 'ccxt exchange id (default data.exchange)' },
    symbol: { type: 'string', array: true, requiresArg: true, describe: 'Market(s), e.g. BTC/USDT (default data.symbols)' },
    timeframe: { type: 'string', requiresArg: true, describe: 'Bar length, e.g. 1h (default data.timeframe)' },
    since: { type: 'string', requiresArg: true, describe: 'First bar, ISO-8601 (default data.since)' },
    until: { type: 'string', requiresArg: true, describe: 'Stop before this time, ISO-8601 (default now)' },
    'cache-dir': { type: 'string', requiresArg: true, describe: 'Cache folder (default data.cacheDir)' },
  },
  run: async (args, config, io) => {
    const d = config.data;
    const symbols = (args.symbol as string[] | undefined) ?? d.symbols;
    if (symbols.length === 0) throw new UsageError('give --symbol (e.g. --symbol BTC/USDT) or data.symbols in the config');
    const since = parseTime(args.since, 'since') ?? (d.since ? Date.parse(d.since) : 0);
    const until = parseTime(args.until, 'until');
    const exchange = (args.exchange as string | undefined) ?? d.exchange;
    const timeframe = (args.timeframe as string | undefined) ?? d.timeframe;
    const cacheDir = (args['cache-dir'] as string | undefined) ?? d.cacheDir;
    const results = [];
    for (const symbol of symbols) {
      const candles = await fetchCandles({
        exchange, symbol, timeframe, since, until, cacheDir, limit: d.pageLimit, maxRetries: d.maxRetries,
        onProgress: args.json ? undefined : (p) => io.stderr(`${symbol}: ${p.kind === 'page' ? `page ${p.page}, +${p.added} bars, ${p.total} cached` : JSON.stringify(p)}\n`),
      });
      const n = candles.close.length;
      results.push({ symbol, file: candleCachePath(cacheDir, exchange, symbol, timeframe), bars: n, first: n ? new Date(candles.timestamp[0]).toISOString() : null, last: n ? new Date(candles.timestamp[n - 1]).toISOString() : null });
    }
    emit(args, io, results.map((r) => `${r.symbol}: ${r.bars} bars ${r.first ?? ''} .. ${r.last ?? ''} -> ${r.file}`).join('\n'), { cacheDir, results });
    return EXIT.ok;
  },
};

export default fetch;
