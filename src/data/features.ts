/**
 * Registry of the base per-bar features (SPEC §4). Ids are those of native/core/data/bar_features.h;
 * a feature list is configured by name and resolved here to the ids the native kernels take.
 */

export interface FeatureDef {
  name: string;
  /** Base feature id in native/core/data/bar_features.h. */
  id: number;
  description: string;
}

export const FEATURES: readonly FeatureDef[] = [
  { name: 'log_return', id: 0, description: 'ln(c_t / c_{t-1})' },
  { name: 'log_range', id: 1, description: 'ln(h / l)' },
  { name: 'log_body', id: 2, description: 'ln(c / o)' },
  { name: 'upper_wick', id: 3, description: 'ln(h / max(o, c))' },
  { name: 'lower_wick', id: 4, description: 'ln(min(o, c) / l)' },
  { name: 'log_volume_diff', id: 5, description: 'ln(1 + v_t) - ln(1 + v_{t-1})' },
  { name: 'hour_sin', id: 6, description: 'sin(2 pi hour / 24), UTC hour with minutes as a fraction' },
  { name: 'hour_cos', id: 7, description: 'cos(2 pi hour / 24)' },
  { name: 'dow_sin', id: 8, description: 'sin(2 pi dow / 7), 0 = Sunday, UTC' },
  { name: 'dow_cos', id: 9, description: 'cos(2 pi dow / 7)' },
];

/** All base features, in id order: the default feature list. */
export const DEFAULT_FEATURES: readonly string[] = FEATURES.map((f) => f.name);

const BY_NAME = new Map(FEATURES.map((f) => [f.name, f]));

/** Resolves a list of feature names to their ids; errors name the bad entry and list the allowed names. */
export function resolveFeatures(names: unknown, where = 'features'): Int32Array {
  if (!Array.isArray(names)) throw new TypeError(`${where} must be an array of feature names (got ${typeof names})`);
  if (names.length === 0) throw new RangeError(`${where} must name at least one feature (allowed: ${DEFAULT_FEATURES.join(', ')})`);
  const ids = new Int32Array(names.length);
  const seen = new Set<string>();
  names.forEach((name: unknown, i) => {
    if (typeof name !== 'string') throw new TypeError(`${where}[${i}] must be a string (got ${typeof name})`);
    const def = BY_NAME.get(name);
    if (!def) throw new RangeError(`${where}[${i}] = "${name}" is not a feature (allowed: ${DEFAULT_FEATURES.join(', ')})`);
    if (seen.has(name)) throw new RangeError(`${where}[${i}] = "${name}" is listed twice`);
    seen.add(name);
    ids[i] = def.id;
  });
  return ids;
}
