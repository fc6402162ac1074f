/**
 * Checks for job payloads that come from the queue, i.e. from anyone who can write to Redis:
 * each checker takes an unknown value and returns it typed, or throws a JobRejection naming the
 * field and what is allowed. Records accept only their listed keys (so `__proto__`,
 * `constructor` and friends are rejected, never merged), lists and strings have length limits,
 * and nothing is ever evaluated or used as a path.
 */

/** A job that is not one of ours or not well-formed; it is failed without retries. */
export class JobRejection extends Error {
  override name = 'JobRejection';
}

export type Check<T> = (value: unknown, at: string) => T;

const reject = (at: string, value: unknown, allowed: string): never => {
  throw new JobRejection(`${at} = ${preview(value)} ${allowed}`);
};

/** A short, single-line rendering of a bad value for messages (hostile input can be huge). */
export function preview(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `an array of ${value.length}` : value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
  } catch {
    s = typeof value;
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const NON_FINITE: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN };

/** A number in [min, max]; with `nonFinite`, also "Infinity", "-Infinity" and "NaN" (JSON has no such numbers). */
export function num(min: number, max: number, opts: { nonFinite?: boolean } = {}): Check<number> {
  return (v, at) => {
    if (opts.nonFinite && typeof v === 'string' && Object.hasOwn(NON_FINITE, v)) return NON_FINITE[v];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) return reject(at, v, `must be a number in [${min}, ${max}]${opts.nonFinite ? ' or "Infinity"/"-Infinity"/"NaN"' : ''}`);
    return v;
  };
}

export function int(min: number, max: number): Check<number> {
  return (v, at) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : reject(at, v, `must be an integer in [${min}, ${max}]`));
}

export const bool: Check<boolean> = (v, at) => (typeof v === 'boolean' ? v : reject(at, v, 'must be true or false'));

export function str(pattern: RegExp, maxLength: number, hint: string): Check<string> {
  return (v, at) => (typeof v === 'string' && v.length <= maxLength && pattern.test(v) ? v : reject(at, v, `must be ${hint} (at most ${maxLength} characters)`));
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, at) => (typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : reject(at, v, `must be one of ${values.join(', ')}`));
}

export function list<T>(item: Check<T>, minLength: number, maxLength: number): Check<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) return reject(at, v, `must be an array of ${minLength}..${maxLength} items`);
    if (v.length < minLength || v.length > maxLength) return reject(at, v, `must hold ${minLength}..${maxLength} items`);
    return v.map((x, i) => item(x, `${at}[${i}]`));
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A plain object with at most `maxKeys` keys; what its values may be is for a deeper check. */
export function object(maxKeys: number): Check<Record<string, unknown>> {
  return (v, at) => {
    if (!isPlainObject(v)) return reject(at, v, 'must be an object');
    if (Object.keys(v).length > maxKeys) return reject(at, v, `must have at most ${maxKeys} keys`);
    return v;
  };
}

type Fields = Record<string, Check<unknown>>;
type Checked<F extends Fields, O extends keyof F> = { [K in Exclude<keyof F, O>]: ReturnType<F[K]> } & { [K in O]?: ReturnType<F[K]> };

/** An object with exactly these keys (those in `optional` may be absent); any other key is rejected. */
export function record<F extends Fields, O extends keyof F = never>(fields: F, optional: readonly O[] = []): Check<Checked<F, O>> {
  return (v, at) => {
    if (!isPlainObject(v)) return reject(at, v, `must be an object with keys ${Object.keys(fields).join(', ')}`);
    for (const key of Object.keys(v)) {
      if (!Object.hasOwn(fields, key)) reject(`${at}.${key}`, v[key], `is not allowed (allowed keys: ${Object.keys(fields).join(', ')})`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(fields)) {
      if (!Object.hasOwn(v, key)) {
        if ((optional as readonly string[]).includes(key)) continue;
        reject(`${at}.${key}`, undefined, 'is required');
      }
      out[key] = check(v[key], `${at}.${key}`);
    }
    return out as Checked<F, O>;
  };
}

/** The payload's size as JSON, refused above `maxBytes` (also refuses what cannot be serialised, e.g. too deep). */
export function checkSize(data: unknown, maxBytes: number): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (e) {
    throw new JobRejection(`payload cannot be read as JSON (${(e as Error).message})`);
  }
  const bytes = text === undefined ? 0 : Buffer.byteLength(text);
  if (bytes > maxBytes) throw new JobRejection(`payload is ${bytes} bytes; the limit is ${maxBytes}`);
  return bytes;
}
