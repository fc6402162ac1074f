/**
 * Plain TypeScript reference of the fused windowing kernel (SPEC §4), written from the SPEC
 * formulas, one bar and one window at a time, in float64. Tests compare the native kernel
 * with it.
 */
import type { Candles } from '../../src/data/candles.js';

const DAY_MS = 86_400_000;

export function referenceBarFeature(name: string, c: Candles, t: number): number {
  const { open: o, high: h, low: l, close: cl, volume: v, timestamp: ts } = c;
  const hourAngle = () => (2 * Math.PI * (((ts[t] % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
  const dowAngle = () => (2 * Math.PI * ((((Math.floor(ts[t] / DAY_MS) + 4) % 7) + 7) % 7)) / 7;
  switch (name) {
    case 'log_return': return Math.log(cl[t] / cl[t - 1]);
    case 'log_range': return Math.log(h[t] / l[t]);
    case 'log_body': return Math.log(cl[t] / o[t]);
    case 'upper_wick': return Math.log(h[t] / Math.max(o[t], cl[t]));
    case 'lower_wick': return Math.log(Math.min(o[t], cl[t]) / l[t]);
    case 'log_volume_diff': return Math.log1p(v[t]) - Math.log1p(v[t - 1]);
    case 'hour_sin': return Math.sin(hourAngle());
    case 'hour_cos': return Math.cos(hourAngle());
    case 'dow_sin': return Math.sin(dowAngle());
    case 'dow_cos': return Math.cos(dowAngle());
    default: throw new Error(`unknown feature ${name}`);
  }
}

export interface ReferenceWindows {
  features: number[]; // [N*T*F]
  close: number[]; // [N*T]
  targets: number[]; // [N*H]
}

export function referenceWindows(
  c: Candles, ends: ArrayLike<number>, T: number, features: readonly string[], horizons: readonly number[],
  scaler?: { center: ArrayLike<number>; scale: ArrayLike<number> },
): ReferenceWindows {
  const out: ReferenceWindows = { features: [], close: [], targets: [] };
  for (let k = 0; k < ends.length; k++) {
    const e = ends[k];
    for (let t = e - T + 1; t <= e; t++) {
      features.forEach((name, f) => {
        const x = referenceBarFeature(name, c, t);
        out.features.push(scaler ? (x - scaler.center[f]) / scaler.scale[f] : x);
      });
      out.close.push(c.close[t] / c.close[e]);
    }
    for (const h of horizons) out.targets.push(e + h < c.close.length ? Math.log(c.close[e + h] / c.close[e]) : NaN);
  }
  return out;
}
