/**
 * Seeded synthetic market: candles with the stylised facts of real ones, for tests, benchmarks
 * and demos where real data is absent. Per bar:
 * - a Markov regime (trend up, trend down, range) switching with probability `regimeSwitch`;
 *   trends add a drift of ±0.05 sigma, the range regime mean-reverts towards its entry price;
 * - GARCH(1,1) variance on the de-seasonalised shock: s2_t = w + a e_{t-1}^2 + b s2_{t-1};
 * - Student-t(5) shocks (fat tails), scaled by an intraday volatility profile peaking at
 *   14:00 UTC and lowest around 02:00 UTC;
 * - open = previous close, high/low beyond max/min(open, close) by half-normal excursions;
 * - volume log-normal around a base that follows the same intraday profile and grows with
 *   |shock|, so volume correlates with |return|.
 * Same options (seed included) -> identical output.
 */
import type { Candles, SymbolCandles } from './candles.js';
import { emptyCandles } from './candles.js';
import { Rng } from './random.js';

export interface SyntheticOptions {
  bars: number;
  /** Bar length in ms (default 1 hour). */
  timeframeMs?: number;
  /** First bar's open time, ms since epoch (default 2020-01-01T00:00Z). */
  start?: number;
  seed?: number;
  startPrice?: number;
  /** Per-bar volatility the GARCH process reverts to (default 0.01). */
  volatility?: number;
  /** Probability of leaving the current regime at each bar (default 0.005). */
  regimeSwitch?: number;
}

const GARCH_ALPHA = 0.05;
const GARCH_BETA = 0.93;
const STUDENT_NU = 5;

function checkOptions(o: SyntheticOptions): Required<SyntheticOptions> {
  const full = {
    timeframeMs: 3_600_000, start: Date.UTC(2020, 0, 1), seed: 42, startPrice: 100, volatility: 0.01, regimeSwitch: 0.005, ...o,
  };
  const rules: [keyof SyntheticOptions, (v: number) => boolean, string][] = [
    ['bars', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'],
    ['timeframeMs', (v) => Number.isInteger(v) && v > 0, 'an integer > 0'],
    ['start', Number.isFinite, 'a finite number'],
    ['seed', Number.isFinite, 'a finite number'],
    ['startPrice', (v) => v > 0 && Number.isFinite(v), 'a finite number > 0'],
    ['volatility', (v) => v > 0 && v < 1, 'in (0, 1)'],
    ['regimeSwitch', (v) => v >= 0 && v <= 1, 'in [0, 1]'],
  ];
  for (const [key, ok, allowed] of rules) {
    const v = full[key];
    if (typeof v !== 'number') throw new TypeError(`synthetic: ${key} must be a number (got ${typeof v})`);
    if (!ok(v)) throw new RangeError(`synthetic: ${key} must be ${allowed} (got ${v})`);
  }
  return full;
}

/** Intraday volatility multiplier for a bar opening at `ts` (mean about 1 over a day). */
function seasonality(ts: number): number {
  const hour = (((ts % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000;
  return 1 + 0.4 * Math.cos((2 * Math.PI * (hour - 14)) / 24);
}

export function syntheticCandles(options: SyntheticOptions): Candles {
  const o = checkOptions(options);
  const rng = new Rng(o.seed);
  const c = emptyCandles(o.bars);
  const longRunVar = o.volatility * o.volatility;
  const omega = longRunVar * (1 - GARCH_ALPHA - GARCH_BETA);
  let variance = longRunVar;
  let shock = 0;
  let price = o.startPrice;
  let regime = 2; // 0 trend up, 1 trend down, 2 range
  let anchor = Math.log(price);
  for (let t = 0; t < o.bars; t++) {
    if (rng.uniform() < o.regimeSwitch) {
      regime = (regime + 1 + rng.int(2)) % 3;
      anchor = Math.log(price);
    }
    variance = omega + GARCH_ALPHA * shock * shock + GARCH_BETA * variance;
    const sigma = Math.sqrt(variance);
    const z = rng.studentT(STUDENT_NU);
    shock = sigma * z;
    const ts = o.start + t * o.timeframeMs;
    const season = seasonality(ts);
    const drift = regime === 2 ? -0.02 * (Math.log(price) - anchor) : (regime === 0 ? 0.05 : -0.05) * sigma;
    const open = price;
    const close = open * Math.exp(drift + season * shock);
    const excursion = 0.5 * sigma * season;
    c.timestamp[t] = ts;
    c.open[t] = open;
    c.close[t] = close;
    c.high[t] = Math.max(open, close) * Math.exp(Math.abs(rng.normal()) * excursion);
    c.low[t] = Math.min(open, close) * Math.exp(-Math.abs(rng.normal()) * excursion);
    c.volume[t] = 1000 * season * (0.5 + Math.abs(z)) * Math.exp(0.3 * rng.normal());
    price = close;
  }
  return c;
}

/**
 * `symbols` independent series SYN0, SYN1, ... on the same calendar, each with its own seed
 * drawn from `seed`; symbol i starts at startPrice x (i + 1) so their price levels differ.
 */
export function syntheticMarket(options: SyntheticOptions & { symbols: number }): SymbolCandles[] {
  const { symbols, ...rest } = options;
  if (!Number.isInteger(symbols) || symbols < 1) throw new RangeError(`synthetic: symbols must be an integer >= 1 (got ${symbols})`);
  const seeds = new Rng(rest.seed ?? 42);
  return Array.from({ length: symbols }, (_, i) => ({
    symbol: `SYN${i}`,
    candles: syntheticCandles({ ...rest, seed: seeds.nextUint32(), startPrice: (rest.startPrice ?? 100) * (1 + i) }),
  }));
}
