/**
 * The vocabulary of the declarative config schema: each key is a plain object saying its type,
 * its allowed values, its default and what it means. Validation, defaults, the generated
 * reference and the commented YAML are all read from these objects, and the TypeScript type of
 * the config is inferred from them, so a key is declared exactly once.
 */

/** Constraint on one number (a scalar key or a list item). */
export interface NumberConstraint {
  readonly kind: 'number';
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** min/max themselves are excluded. */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
}

/** Constraint on one string: a closed set of values, or a pattern described in words. */
export interface StringConstraint<E extends string = string> {
  readonly kind: 'string';
  readonly enum?: readonly E[];
  readonly pattern?: RegExp;
  /** Human wording of `pattern`, used in errors and docs. */
  readonly patternHint?: string;
}

export interface BooleanConstraint {
  readonly kind: 'boolean';
}

export type ScalarConstraint = NumberConstraint | StringConstraint | BooleanConstraint;

/**
 * A default computed from other keys after merging, when the user leaves the key null
 * (e.g. the split embargo follows the largest horizon unless set explicitly).
 */
export interface Derivation<T> {
  /** How the value is derived, for docs and comments. */
  readonly text: string;
  readonly compute: (get: (path: string) => unknown) => T;
}

interface FieldInfo<T> {
  readonly description: string;
  /** null for a derived key (see `derive`) or a nullable key defaulting to "none". */
  readonly default: T | null;
  /** null is a meaningful user value (e.g. "no limit"); its meaning is in the description. */
  readonly nullable?: boolean;
  readonly derive?: Derivation<T>;
  /** Phantom: the resolved value type, used only for type inference. */
  readonly __value?: T;
}

export type ScalarField<T = unknown> = ScalarConstraint & FieldInfo<T>;

/** A string key with a closed set of values (kept precise so callers can read `enum`). */
export type EnumField<E extends string> = StringConstraint<E> & { readonly enum: readonly E[] } & FieldInfo<E>;

export interface ListField<T = unknown> extends FieldInfo<T[]> {
  readonly kind: 'list';
  readonly items: ScalarConstraint;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly unique?: boolean;
  /** Items must be strictly increasing (numbers). */
  readonly increasing?: boolean;
  /** Items must sum to this value within 1e-9. */
  readonly sum?: number;
}

export interface Section<F extends Fields = Fields> {
  readonly kind: 'section';
  readonly description: string;
  readonly fields: F;
}

export type Node = ScalarField | ListField | Section;
export type Fields = { readonly [key: string]: Node };

/** The resolved value type of a schema node. */
export type Infer<N> = N extends Section<infer F>
  ? { -readonly [K in keyof F]: Infer<F[K]> }
  : N extends { readonly __value?: infer T } ? T : never;

type Common = { description: string };
type NumberOpts = Omit<NumberConstraint, 'kind' | 'integer'> & Common;
type StringOpts = Omit<StringConstraint, 'kind' | 'enum'> & Common;

type ItemValue<C> = C extends NumberConstraint ? number
  : C extends StringConstraint<infer E> ? E
  : C extends BooleanConstraint ? boolean : never;

function numberField(integer: boolean) {
  function field(o: NumberOpts & { default: number }): ScalarField<number>;
  function field(o: NumberOpts & { default: number | null; nullable: true }): ScalarField<number | null>;
  function field(o: NumberOpts & { derive: Derivation<number> }): ScalarField<number>;
  function field(o: NumberOpts & { default?: number | null; nullable?: boolean; derive?: Derivation<number> }): ScalarField<number | null> {
    return { kind: 'number', integer, ...o, default: o.default ?? null };
  }
  return field;
}

/** A real-valued key. */
export const num = numberField(false);
/** An integer key. */
export const int = numberField(true);

export function bool(o: Common & { default: boolean }): ScalarField<boolean> {
  return { kind: 'boolean', ...o };
}

export function str(o: StringOpts & { default: string }): ScalarField<string>;
export function str(o: StringOpts & { default: string | null; nullable: true }): ScalarField<string | null>;
export function str(o: StringOpts & { derive: Derivation<string> }): ScalarField<string>;
export function str(o: StringOpts & { default?: string | null; nullable?: boolean; derive?: Derivation<string> }): ScalarField<string | null> {
  return { kind: 'string', ...o, default: o.default ?? null };
}

/** A string key restricted to `values`. */
export function oneOf<const E extends string>(values: readonly E[], o: Common & { default: NoInfer<E> }): EnumField<E> {
  return { kind: 'string', enum: values, ...o };
}

/** A list of scalars; a list given in a config file replaces the default whole. */
export function list<const C extends ScalarConstraint>(
  items: C,
  o: Common & Omit<ListField, 'kind' | 'items' | 'default' | 'description' | 'derive' | '__value'> & { default: ItemValue<C>[] },
): ListField<ItemValue<C>> {
  return { kind: 'list', items, ...o };
}

export function section<const F extends Fields>(description: string, fields: F): Section<F> {
  return { kind: 'section', description, fields };
}

export function isSection(n: Node): n is Section {
  return n.kind === 'section';
}
