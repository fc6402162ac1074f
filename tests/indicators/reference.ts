/**
 * Straightforward float64 references for the learnable indicators (SPEC §5 formulas written
 * out over full series, textbook Bollinger without the shift), used by the layer tests for
 * values and for central finite differences.
 */
import type { IndicatorKind } from '../../src/indicators/ops.js';

export function emaSeries(x: readonly number[], a: number): number[] {
  const y: number[] = [];
  for (let t = 0; t < x.length; t++) y.push(t === 0 ? x[0] : a * x[t] + (1 - a) * y[t - 1]);
  return y;
}

/** Outputs of one row (close [T]) for the given periods (MACD: triples). */
export function referenceRow(kind: IndicatorKind, c: readonly number[], p: readonly number[]): number[] {
  const T = c.length;
  const cl = c[T - 1];
  const out: number[] = [];
  const step = kind === 'macd' ? 3 : 1;
  for (let g = 0; g < p.length; g += step) {
    switch (kind) {
      case 'ma': out.push(emaSeries(c, 2 / (p[g] + 1))[T - 1] / cl - 1); break;
      case 'macd': {
        const f = emaSeries(c, 2 / (p[g] + 1)), s = emaSeries(c, 2 / (p[g + 1] + 1));
        const m = f.map((v, t) => v - s[t]);
        const sig = emaSeries(m, 2 / (p[g + 2] + 1))[T - 1];
        out.push(m[T - 1], sig, m[T - 1] - sig);
        break;
      }
      case 'rsi': {
        const up: number[] = [], dn: number[] = [];
        for (let t = 1; t < T; t++) { up.push(Math.max(c[t] - c[t - 1], 0)); dn.push(Math.max(c[t - 1] - c[t], 0)); }
        const G = emaSeries(up, 1 / p[g]).at(-1)!, L = emaSeries(dn, 1 / p[g]).at(-1)!;
        out.push(G / (G + L + 1e-8) - 0.5);
        break;
      }
      case 'bollinger': {
        const a = 2 / (p[g] + 1);
        const mu = emaSeries(c, a)[T - 1], q = emaSeries(c.map((v) => v * v), a)[T - 1];
        out.push((cl - mu) / (2 * Math.sqrt(Math.max(q - mu * mu, 0)) + 1e-8));
        break;
      }
      case 'momentum': {
        const n = Math.floor(p[g]), f = p[g] - n;
        out.push(cl / ((1 - f) * c[T - 1 - n] + f * c[T - 2 - n]) - 1);
        break;
      }
    }
  }
  return out;
}

export function referenceBatch(kind: IndicatorKind, close: Float32Array, B: number, T: number, p: readonly number[]): number[][] {
  const rows: number[][] = [];
  for (let b = 0; b < B; b++) rows.push(referenceRow(kind, Array.from(close.subarray(b * T, (b + 1) * T)), p));
  return rows;
}

/**
 * Central differences of L = sum_{b,k} w[b][k] out[b][k] with respect to every close value and
 * every period (relative step h).
 */
export function finiteDifferences(kind: IndicatorKind, close: Float32Array, B: number, T: number, p: readonly number[],
  w: readonly number[][], h = 1e-6): { close: number[]; periods: number[] } {
  const loss = (row: number[], b: number, pp: readonly number[]) =>
    referenceRow(kind, row, pp).reduce((s, v, k) => s + w[b][k] * v, 0);
  const gc: number[] = [];
  const gp = p.map(() => 0);
  for (let b = 0; b < B; b++) {
    const row = Array.from(close.subarray(b * T, (b + 1) * T));
    for (let t = 0; t < T; t++) {
      const x0 = row[t], dx = h * Math.abs(x0);
      row[t] = x0 + dx; const up = loss(row, b, p);
      row[t] = x0 - dx; const dn = loss(row, b, p);
      row[t] = x0;
      gc.push((up - dn) / (2 * dx));
    }
    p.forEach((v, k) => {
      const q = [...p], dp = h * v;
      q[k] = v + dp; const up = loss(row, b, q);
      q[k] = v - dp; const dn = loss(row, b, q);
      gp[k] += (up - dn) / (2 * dp);
    });
  }
  return { close: gc, periods: gp };
}

/** max |got - want| / max |want| (errors relative to the tensor's scale; entries may be ~0). */
export function maxScaledError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 1e-12, err = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  return err / scale;
}

/** Deterministic random-walk windows normalised by their last close. */
export function randomWindows(B: number, T: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const rand = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const out = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    let x = 1;
    const row: number[] = [];
    for (let t = 0; t < T; t++) {
      // Box-Muller normal, 1% steps
      const z = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
      x *= Math.exp(0.01 * z);
      row.push(x);
    }
    for (let t = 0; t < T; t++) out[b * T + t] = row[t] / row[T - 1];
  }
  return out;
}

/** Windows of `close` (float64 prices) ending at `ends`, normalised by their last close. */
export function windowsOf(close: Float64Array, ends: readonly number[], T: number): Float32Array {
  const out = new Float32Array(ends.length * T);
  ends.forEach((e, b) => { for (let t = 0; t < T; t++) out[b * T + t] = close[e - T + 1 + t] / close[e]; });
  return out;
}
