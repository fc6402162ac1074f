/**
 * Plain indicators in straightforward TypeScript, with exactly the conventions of
 * native/core/indicators/plain_indicators.h. They are the fallback when the addon is not built and the
 * reference the native results are tested against.
 */
const NaNs = (n: number) => new Float64Array(n).fill(NaN);

function recurrence(x: ArrayLike<number>, a: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) y[t] = t === 0 ? x[0] : a * x[t] + (1 - a) * y[t - 1];
  return y;
}

export function emaRef(x: ArrayLike<number>, period: number): Float64Array {
  return recurrence(x, 2 / (period + 1));
}

export function smaRef(x: ArrayLike<number>, period: number): Float64Array {
  const out = NaNs(x.length);
  // Kahan-Babuska rolling sum, as the native sma_series, so both round alike (strategies that
  // compare two averages must see the same crossings in TypeScript and in native code).
  let sum = 0, comp = 0;
  const add = (v: number): void => {
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  };
  for (let t = 0; t < x.length; t++) {
    add(x[t]);
    if (t >= period) add(-x[t - period]);
    if (t + 1 >= period) out[t] = (sum + comp) / period;
  }
  return out;
}

export function wmaRef(x: ArrayLike<number>, period: number): Float64Array {
  const out = NaNs(x.length);
  const denom = (period * (period + 1)) / 2;
  for (let t = period - 1; t < x.length; t++) {
    let s = 0;
    for (let i = 0; i < period; i++) s += (period - i) * x[t - i];
    out[t] = s / denom;
  }
  return out;
}

export function rsiRef(x: ArrayLike<number>, period: number): Float64Array {
  const n = x.length;
  const out = NaNs(n);
  const a = 1 / period;
  let G = 0, L = 0;
  for (let t = 1; t < n; t++) {
    const d = x[t] - x[t - 1];
    const g = d > 0 ? d : 0, l = d < 0 ? -d : 0;
    // The same operation order as the native Wilder recurrence, so results agree to the bit.
    if (t === 1) { G = g; L = l; } else { G = a * g + (1 - a) * G; L = a * l + (1 - a) * L; }
    out[t] = Number.isNaN(d) ? NaN : G + L === 0 ? 50 : (100 * G) / (G + L);
  }
  return out;
}

export function macdRef(x: ArrayLike<number>, fast: number, slow: number, signal: number) {
  const f = emaRef(x, fast), s = emaRef(x, slow);
  const macd = f.map((v, t) => v - s[t]);
  const sig = emaRef(macd, signal);
  return { macd, signal: sig, hist: macd.map((v, t) => v - sig[t]) };
}

export function bollingerRef(x: ArrayLike<number>, period: number, k = 2) {
  const mid = smaRef(x, period), upper = NaNs(x.length), lower = NaNs(x.length);
  for (let t = period - 1; t < x.length; t++) {
    let ss = 0;
    for (let i = t - period + 1; i <= t; i++) ss += (x[i] - mid[t]) ** 2;
    const sd = Math.sqrt(ss / period);
    upper[t] = mid[t] + k * sd;
    lower[t] = mid[t] - k * sd;
  }
  return { mid, upper, lower };
}

export interface HighLowClose { high: ArrayLike<number>; low: ArrayLike<number>; close: ArrayLike<number> }

export function trueRange(c: HighLowClose): Float64Array {
  const tr = new Float64Array(c.close.length);
  for (let t = 0; t < tr.length; t++) {
    tr[t] = t === 0 ? c.high[0] - c.low[0]
      : Math.max(c.high[t] - c.low[t], Math.abs(c.high[t] - c.close[t - 1]), Math.abs(c.low[t] - c.close[t - 1]));
  }
  return tr;
}

export function atrRef(c: HighLowClose, period: number): Float64Array {
  return recurrence(trueRange(c), 1 / period);
}

export function momentumRef(x: ArrayLike<number>, period: number): Float64Array {
  const out = NaNs(x.length);
  for (let t = period; t < x.length; t++) out[t] = x[t] - x[t - period];
  return out;
}

export function rocRef(x: ArrayLike<number>, period: number): Float64Array {
  const out = NaNs(x.length);
  for (let t = period; t < x.length; t++) out[t] = 100 * (x[t] / x[t - period] - 1);
  return out;
}

export function stochasticRef(c: HighLowClose, period: number, smooth: number) {
  const n = c.close.length;
  const k = NaNs(n), d = NaNs(n);
  for (let t = period - 1; t < n; t++) {
    let hh = -Infinity, ll = Infinity;
    for (let i = t - period + 1; i <= t; i++) { hh = Math.max(hh, c.high[i]); ll = Math.min(ll, c.low[i]); }
    k[t] = hh === ll ? 50 : (100 * (c.close[t] - ll)) / (hh - ll);
  }
  for (let t = period + smooth - 2; t < n; t++) {
    let s = 0;
    for (let i = t - smooth + 1; i <= t; i++) s += k[i];
    d[t] = s / smooth;
  }
  return { k, d };
}
