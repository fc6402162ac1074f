/**
 * Named lookup tables (SPEC §4, §7.1: features, losses and metrics are reachable by name).
 * Each domain registers its implementations into the shared instance at import time; config
 * and CLI code resolve names through `get`, whose error lists what is known.
 */
import { didYouMean } from '../config/suggest.js';

export class Registry<T> {
  readonly #entries = new Map<string, T>();

  /** `kind` names the registry in errors, e.g. "loss". */
  constructor(readonly kind: string) {}

  /** Adds `value` under `name`; registering a taken name is an error, never a silent overwrite. */
  register(name: string, value: T): this {
    if (typeof name !== 'string' || name.trim() === '' || name !== name.trim()) {
      throw new TypeError(`${this.kind} name must be a non-empty string without surrounding spaces (got ${JSON.stringify(name)})`);
    }
    if (this.#entries.has(name)) throw new Error(`${this.kind} ${JSON.stringify(name)} is already registered`);
    this.#entries.set(name, value);
    return this;
  }

  /** The value registered as `name`; the error lists the known names and suggests the closest. */
  get(name: string): T {
    const value = this.#entries.get(name);
    if (value !== undefined || this.#entries.has(name)) return value as T;
    const known = this.list();
    const listing = known.length > 0 ? `known: ${known.join(', ')}` : `none are registered yet`;
    throw new RangeError(`unknown ${this.kind} ${JSON.stringify(name)}${didYouMean(String(name), known)}; ${listing}`);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Registered names, sorted. */
  list(): string[] {
    return [...this.#entries.keys()].sort();
  }
}
