/** Dotted-key access into plain config objects (`training.epochs`). */

export type PlainObject = { [key: string]: unknown };

export function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function splitKey(key: string): string[] {
  const parts = key.split('.');
  if (key === '' || parts.some((p) => p === '')) throw new RangeError(`config key must be dot-separated names like training.epochs (got ${JSON.stringify(key)})`);
  return parts;
}

/** The value at `key`, or undefined when any step is missing. */
export function getPath(obj: unknown, key: string): unknown {
  let cur = obj;
  for (const part of splitKey(key)) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** A copy of `obj` with `key` set to `value`, creating missing sections; the input is not changed. */
export function setPath<T extends PlainObject>(obj: T, key: string, value: unknown): T {
  const [head, ...rest] = splitKey(key);
  if (rest.length === 0) return { ...obj, [head]: value };
  const child = obj[head];
  if (child !== undefined && !isPlainObject(child)) {
    throw new RangeError(`cannot set ${key}: ${head} holds ${JSON.stringify(child)}, not a section`);
  }
  return { ...obj, [head]: setPath(child ?? {}, rest.join('.'), value) };
}
