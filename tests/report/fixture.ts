/**
 * A hand-made ReportData for the report tests: two symbols of hourly candles (a seeded random
 * walk), trades with tier fills on real bars, equity curves, metrics (one profit factor is
 * Infinity), three horizons of classifier metrics, training history, learned periods and a
 * 3 x 3 sweep. The second symbol's name carries HTML and `</script>` to test escaping.
 */
import type { ReportCandles, ReportData, ReportTrade } from '../../src/report/index.js';

export const HOSTILE_SYMBOL = 'ETH</script><img src=x onerror="window.__pwned=1">&\'';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function candles(n: number, seed: number, start: number): ReportCandles {
  const r = rng(seed);
  const c: ReportCandles = { time: [], open: [], high: [], low: [], close: [] };
  let price = start;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * (1 + (r() - 0.48) * 0.02);
    c.time.push(START + i * HOUR);
    c.open.push(open);
    c.close.push(close);
    c.high.push(Math.max(open, close) * (1 + r() * 0.006));
    c.low.push(Math.min(open, close) * (1 - r() * 0.006));
    price = close;
  }
  return c;
}

/** A trade entering at bar `entry`'s open, with tier fills at the highs (long) or lows (short) of later bars. */
function trade(c: ReportCandles, side: 1 | -1, entry: number, tiers: number[], exit: number, reason: string): ReportTrade {
  const entryPrice = c.open[entry];
  const exitPrice = c.close[exit];
  const size = 1;
  return {
    entryTime: c.time[entry],
    exitTime: c.time[exit],
    side,
    entryPrice,
    exitPrice,
    size,
    reason,
    pnl: side * (exitPrice - entryPrice) * size,
    tierFills: tiers.map((bar, i) => ({ tier: (i + 1) as 1 | 2 | 3, time: c.time[bar], price: side === 1 ? c.high[bar] : c.low[bar] })),
  };
}

function equityFrom(c: ReportCandles, initial: number): { time: number[]; equity: number[] } {
  return { time: [...c.time], equity: c.close.map((p) => (initial * p) / c.close[0]) };
}

export function makeReportData(): ReportData {
  const btc = candles(300, 7, 42_000);
  const eth = candles(200, 11, 2_300);
  const epochs = Array.from({ length: 12 }, (_, i) => i + 1);
  const bins = (skew: number) =>
    Array.from({ length: 10 }, (_, i) => {
      const p = (i + 0.5) / 10;
      return i === 0 ? { meanPredicted: null, observed: null, count: 0 } : { meanPredicted: p, observed: Math.min(1, Math.max(0, p + skew * (p - 0.5))), count: 20 + i * 5 };
    });
  const grid = [5, 10, 20].flatMap((fast) => [30, 50, 100].map((slow) => ({ fast, slow, sharpe: (fast - 10) / 10 + slow / 100 - 0.5 })));
  const ranked = [...grid].sort((a, b) => b.sharpe - a.sharpe);
  return {
    title: 'Report <test> & "quotes"',
    generatedAt: '2024-02-01T12:00:00.000Z',
    source: 'synthetic random walk, 1h, seeds 7 and 11',
    synthetic: true,
    symbols: [
      {
        symbol: 'BTC/USDT',
        candles: btc,
        trades: [
          trade(btc, 1, 20, [25, 31], 40, 'target'),
          trade(btc, -1, 80, [84], 97, 'stop'),
          trade(btc, 1, 150, [], 171, 'signal'),
          trade(btc, 1, 220, [224, 230, 241], 241, 'target'),
        ],
        equity: equityFrom(btc, 10_000),
        metrics: {
          total_return: 0.1234, cagr: 0.4567, sharpe: 1.234, sortino: 1.9, max_drawdown: 0.0876, calmar: 5.2, trades: 4,
          win_rate: 0.75, profit_factor: 2.5, expectancy: 31.2, exposure: 0.27, fees: 12.5, tier1_hits: 3, tier2_hits: 2,
          tier3_hits: 1, stop_outs: 1,
        },
      },
      {
        symbol: HOSTILE_SYMBOL,
        candles: eth,
        trades: [trade(eth, -1, 50, [55], 70, 'maxHold')],
        equity: equityFrom(eth, 10_000),
        metrics: {
          total_return: -0.021, cagr: -0.08, sharpe: -0.31, sortino: -0.4, max_drawdown: 0.15, calmar: -0.53, trades: 1,
          win_rate: 1, profit_factor: Infinity, expectancy: 15, exposure: 0.1, fees: 3.25, tier1_hits: 1, tier2_hits: 0,
          tier3_hits: 0, stop_outs: 0,
        },
      },
    ],
    classifier: [
      { horizon: 'short', accuracy: 0.541, f1: 0.532, mcc: 0.081, coverage1Sigma: 0.672, reliability: bins(0.2) },
      { horizon: 'medium', accuracy: 0.556, f1: 0.549, mcc: 0.112, coverage1Sigma: 0.701, reliability: bins(-0.3) },
      { horizon: 'long', accuracy: 0.573, f1: 0.561, mcc: 0.146, coverage1Sigma: 0.655 },
    ],
    training: {
      monitor: 'val_mcc',
      epochs: epochs.map((e) => ({ epoch: e, loss: 1.2 / Math.sqrt(e), val_loss: 1.25 / Math.sqrt(e) + 0.01 * e, metrics: { val_mcc: 0.02 + 0.1 * (1 - 1 / e) } })),
    },
    periods: {
      epochs,
      periods: { rsi: epochs.map((e) => 14 - e * 0.3), ema_fast: epochs.map((e) => 12 + Math.sin(e)), ema_slow: epochs.map((e) => 26 + e * 0.5) },
    },
    sweep: {
      rankBy: 'sharpe',
      columns: ['rank', 'strategy', 'fast', 'slow', 'sharpe', 'total_return'],
      rows: ranked.map((g, i) => [i + 1, `ema_cross(${g.fast},${g.slow})`, g.fast, g.slow, g.sharpe, g.sharpe / 10]),
      heatmap: { x: 'fast', y: 'slow', metric: 'sharpe', cells: grid.map((g) => ({ x: g.fast, y: g.slow, value: g.sharpe })) },
    },
  };
}
