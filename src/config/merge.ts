/** Deep merge for config layers: objects merge key by key, arrays and scalars replace. */
import { isPlainObject, type PlainObject } from './path.js';

/** `over` laid on `base`; neither input is changed. An explicit null in `over` replaces. */
export function deepMerge(base: PlainObject, over: PlainObject): PlainObject {
  const out: PlainObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}
