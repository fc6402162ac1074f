/** Small order statistics shared by validation, cleaning and scalers. */

/** Quantile q in [0, 1] of the finite values (linear interpolation); NaN when there are none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = finiteSorted(values);
  return quantileSorted(sorted, q);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

export function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[n++] = values[i];
  return out.subarray(0, n).sort();
}

export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
