/**
 * Checks SignalArrays against the contract of src/signals/types.ts before a backtest reads
 * them: column types and lengths, and where side != 0 a stop distance > 0, three target
 * distances > 0 and non-decreasing (Infinity = none), a size in [0, 1]. The native binding
 * applies the same checks (native/core/backtest/backtest.cpp check_signal_columns).
 */
import type { SignalArrays } from '../signals/types.js';

export function assertSignals(s: SignalArrays, n: number, where: string): void {
  if (s === null || typeof s !== 'object') throw new TypeError(`${where} must be a SignalArrays object`);
  const column = (name: string, v: unknown, ctor: typeof Int8Array | typeof Float64Array): void => {
    if (!(v instanceof ctor)) throw new TypeError(`${where}.${name} must be a ${ctor.name} (got ${describe(v)})`);
    if (v.length !== n) throw new RangeError(`${where}.${name} has length ${v.length}, expected ${n} (the number of candles)`);
  };
  column('side', s.side, Int8Array);
  column('stopDistance', s.stopDistance, Float64Array);
  column('size', s.size, Float64Array);
  if (!Array.isArray(s.targetDistance) || s.targetDistance.length !== 3) {
    throw new TypeError(`${where}.targetDistance must be an array of 3 Float64Arrays`);
  }
  s.targetDistance.forEach((a, k) => column(`targetDistance[${k}]`, a, Float64Array));
  for (let t = 0; t < n; t++) {
    const side = s.side[t];
    if (side === 0) continue;
    if (side !== 1 && side !== -1) throw new RangeError(`${where}.side[${t}] = ${side} must be -1, 0 or 1`);
    if (!(s.stopDistance[t] > 0)) throw new RangeError(`${where}.stopDistance[${t}] = ${s.stopDistance[t]} must be > 0 where side != 0 (Infinity: no stop)`);
    let prev = 0;
    for (let k = 0; k < 3; k++) {
      const d = s.targetDistance[k][t];
      if (!(d > 0) || d < prev) {
        throw new RangeError(`${where}.targetDistance[${k}][${t}] = ${d} must be > 0 and >= the lower tiers' where side != 0 (Infinity: no target)`);
      }
      prev = d;
    }
    if (!(s.size[t] >= 0 && s.size[t] <= 1)) throw new RangeError(`${where}.size[${t}] = ${s.size[t]} must be in [0, 1] where side != 0`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}
