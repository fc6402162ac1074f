/**
 * Checking one scalar against its constraint, and saying in words what a constraint allows.
 * Errors and the generated reference share `allowedText`, so they always agree.
 */
import type { ListField, NumberConstraint, ScalarConstraint, ScalarField } from './schema-types.js';

function rangeText(c: NumberConstraint, noun: string): string {
  const lo = c.min === undefined ? null : `${c.exclusiveMin ? '>' : '≥'} ${c.min}`;
  const hi = c.max === undefined ? null : `${c.exclusiveMax ? '<' : '≤'} ${c.max}`;
  if (lo && hi) return `${noun} ${lo} and ${hi}`;
  return lo || hi ? `${noun} ${lo ?? hi}` : noun;
}

/** What `c` accepts, e.g. "integer ≥ 1" or "one of standard, robust"; `plural` for list items. */
export function allowedText(c: ScalarConstraint, plural = false): string {
  switch (c.kind) {
    case 'number': return rangeText(c, (c.integer ? 'integer' : 'number') + (plural ? 's' : ''));
    case 'boolean': return plural ? 'booleans' : 'true or false';
    case 'string':
      if (c.enum) return `${plural ? 'values from' : 'one of'} ${c.enum.join(', ')}`;
      if (c.patternHint) return c.patternHint;
      return (plural ? 'strings' : 'a string') + (c.pattern ? ` matching ${c.pattern}` : '');
  }
}

/** What a key accepts, including "or null" where null is meaningful. */
export function fieldAllowedText(f: ScalarField | ListField): string {
  const base = f.kind === 'list' ? listAllowedText(f) : allowedText(f);
  return f.nullable || f.derive ? `${base}, or null` : base;
}

/** What a list key accepts, built from its item constraint and list rules. */
export function listAllowedText(f: ListField): string {
  const parts = [`list of ${allowedText(f.items, true)}`];
  if (f.minItems !== undefined && f.minItems === f.maxItems) parts.push(`exactly ${f.minItems} items`);
  else {
    if (f.minItems !== undefined) parts.push(`at least ${f.minItems} item${f.minItems === 1 ? '' : 's'}`);
    if (f.maxItems !== undefined) parts.push(`at most ${f.maxItems} items`);
  }
  if (f.unique) parts.push('no duplicates');
  if (f.increasing) parts.push('strictly increasing');
  if (f.sum !== undefined) parts.push(`summing to ${f.sum}`);
  return parts.join(', ');
}

/** True when `v` satisfies `c`. */
export function scalarOk(c: ScalarConstraint, v: unknown): boolean {
  switch (c.kind) {
    case 'boolean': return typeof v === 'boolean';
    case 'string':
      if (typeof v !== 'string') return false;
      if (c.enum) return c.enum.includes(v);
      return c.pattern ? c.pattern.test(v) : true;
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return false;
      if (c.integer && !Number.isInteger(v)) return false;
      if (c.min !== undefined && (c.exclusiveMin ? v <= c.min : v < c.min)) return false;
      if (c.max !== undefined && (c.exclusiveMax ? v >= c.max : v > c.max)) return false;
      return true;
    }
  }
}

/** The problems of a list value beyond its items' own constraints (count, order, sum). */
export function listProblem(f: ListField, v: readonly unknown[]): string | null {
  if (f.minItems !== undefined && v.length < f.minItems) return `has ${v.length} items`;
  if (f.maxItems !== undefined && v.length > f.maxItems) return `has ${v.length} items`;
  if (f.unique && new Set(v).size !== v.length) return 'has duplicates';
  if (f.increasing && v.some((x, i) => i > 0 && (x as number) <= (v[i - 1] as number))) return 'is not strictly increasing';
  if (f.sum !== undefined) {
    const total = (v as number[]).reduce((a, b) => a + b, 0);
    if (Math.abs(total - f.sum) > 1e-9) return `sums to ${total}`;
  }
  return null;
}
