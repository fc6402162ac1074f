/**
 * A search space: parameters over dotted config keys, each written as one line so it fits the
 * config schema (a list of strings):
 *
 *   training.learningRate: float 1e-4..1e-2 log
 *   model.lstm.units: int 16..64 step 16
 *   model.transformer.blocks: categorical [0, 1, 2]
 *   model.lstm.layers: int 1..2 when model.lstm.bidirectional=false
 *
 * `when KEY=VALUE` (or `when KEY in [A, B]`) makes a parameter conditional on an earlier one:
 * it is sampled, and applied to the config, only when that parameter took one of the values.
 */
import YAML from 'yaml';

export type Choice = string | number | boolean;
export type ParamValue = Choice;
export type Params = Record<string, ParamValue>;

export interface Condition {
  key: string;
  values: Choice[];
}

interface Common {
  key: string;
  when?: Condition;
}
export interface FloatParam extends Common { kind: 'float'; low: number; high: number; log: boolean; step?: number }
export interface IntParam extends Common { kind: 'int'; low: number; high: number; log: boolean; step: number }
export interface CategoricalParam extends Common { kind: 'categorical'; choices: Choice[] }
export type Param = FloatParam | IntParam | CategoricalParam;

export interface SearchSpace {
  params: Param[];
}

/** A line of the space that cannot be read; `index` is its position in the list. */
export class SpaceError extends Error {
  override name = 'SpaceError';
  constructor(readonly index: number, message: string) {
    super(message);
  }
}

const FORMS = '"KEY: float LOW..HIGH [log] [step S]", "KEY: int LOW..HIGH [log] [step S]" or "KEY: categorical [A, B, ...]", optionally followed by "when KEY=VALUE" or "when KEY in [A, B]"';

function num(text: string, what: string, index: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new SpaceError(index, `${what} must be a number (got ${JSON.stringify(text)})`);
  return v;
}

function isChoice(v: unknown): v is Choice {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function choiceList(text: string, what: string, index: number): Choice[] {
  let v: unknown;
  try {
    v = YAML.parse(text);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every(isChoice)) {
    throw new SpaceError(index, `${what} must be a non-empty list of numbers, strings or booleans such as [0, 1, 2] (got ${JSON.stringify(text)})`);
  }
  if (new Set(v.map((x) => JSON.stringify(x))).size !== v.length) throw new SpaceError(index, `${what} lists a value twice (got ${text})`);
  return v;
}

function parseCondition(text: string, index: number, earlier: Param[]): Condition {
  const m = /^([A-Za-z0-9_.]+)\s*(?:=\s*(.+)|\s+in\s+(\[.*\]))$/.exec(text.trim());
  if (!m) throw new SpaceError(index, `cannot read the condition "when ${text}"; expected "when KEY=VALUE" or "when KEY in [A, B]"`);
  const key = m[1];
  if (!earlier.some((p) => p.key === key)) {
    throw new SpaceError(index, `the condition names ${key}, which is not a parameter listed before this one`);
  }
  const values = m[3] !== undefined ? choiceList(m[3], `the values of "when ${key} in"`, index) : [YAML.parse(m[2]) as unknown];
  if (!values.every(isChoice)) throw new SpaceError(index, `the condition value must be a number, string or boolean (got ${m[2]})`);
  return { key, values };
}

function parseLine(line: unknown, index: number, earlier: Param[]): Param {
  if (typeof line !== 'string') throw new SpaceError(index, `must be a string of the form ${FORMS}`);
  const [body, cond] = line.split(/\s+when\s+/, 2) as [string, string | undefined];
  const m = /^\s*([A-Za-z0-9_.]+)\s*:\s*(float|int|categorical)\s+(.*?)\s*$/.exec(body);
  if (!m) throw new SpaceError(index, `cannot read ${JSON.stringify(line)}; expected ${FORMS}`);
  const [, key, kind, rest] = m;
  if (earlier.some((p) => p.key === key)) throw new SpaceError(index, `${key} is listed twice`);
  const when = cond !== undefined ? parseCondition(cond, index, earlier) : undefined;
  if (kind === 'categorical') return { key, kind, choices: choiceList(rest, `the choices of ${key}`, index), ...(when ? { when } : {}) };
  const r = /^(\S+?)\.\.(\S+)((?:\s+(?:log|step\s+\S+))*)$/.exec(rest);
  if (!r) throw new SpaceError(index, `the range of ${key} must read LOW..HIGH, optionally followed by "log" and/or "step S" (got ${JSON.stringify(rest)})`);
  const low = num(r[1], `the low end of ${key}`, index);
  const high = num(r[2], `the high end of ${key}`, index);
  const log = /\blog\b/.test(r[3]);
  const stepText = /step\s+(\S+)/.exec(r[3])?.[1];
  const step = stepText !== undefined ? num(stepText, `the step of ${key}`, index) : undefined;
  if (!(low < high)) throw new SpaceError(index, `the range of ${key} must have LOW < HIGH (got ${low}..${high})`);
  if (log && !(low > 0)) throw new SpaceError(index, `a log-scale range of ${key} must start above 0 (got ${low})`);
  if (step !== undefined && !(step > 0)) throw new SpaceError(index, `the step of ${key} must be > 0 (got ${step})`);
  if (step !== undefined && log) throw new SpaceError(index, `${key}: "log" and "step" cannot be combined`);
  if (kind === 'int') {
    if (!Number.isInteger(low) || !Number.isInteger(high) || (step !== undefined && !Number.isInteger(step))) {
      throw new SpaceError(index, `an int range of ${key} needs integer LOW, HIGH and step (got ${rest})`);
    }
    return { key, kind, low, high, log, step: step ?? 1, ...(when ? { when } : {}) };
  }
  return { key, kind: 'float', low, high, log, ...(step !== undefined ? { step } : {}), ...(when ? { when } : {}) };
}

export function parseSpace(lines: readonly unknown[]): SearchSpace {
  if (!Array.isArray(lines) || lines.length === 0) throw new SpaceError(-1, `the space is empty; list at least one parameter as ${FORMS}`);
  const params: Param[] = [];
  lines.forEach((line, i) => params.push(parseLine(line, i, params)));
  return { params };
}

/** Whether `p` applies given the values chosen so far. */
export function isActive(p: Param, chosen: Params): boolean {
  if (!p.when) return true;
  const v = chosen[p.when.key];
  return v !== undefined && p.when.values.some((c) => c === v);
}

/** Rounds a value onto the parameter's grid (int and stepped floats) and into its range. */
export function snap(p: FloatParam | IntParam, x: number): number {
  let v = Math.min(p.high, Math.max(p.low, x));
  if (p.step !== undefined) {
    v = p.low + Math.round((v - p.low) / p.step) * p.step;
    if (v > p.high) v -= p.step;
    // Keep decimal steps readable (0.1 * 3 = 0.30000000000000004).
    v = Number(v.toPrecision(12));
  }
  return p.kind === 'int' ? Math.round(v) : v;
}

/** Every value of a parameter on a finite grid; floats need a step. */
export function gridValues(p: Param): Choice[] {
  if (p.kind === 'categorical') return p.choices;
  if (p.step === undefined) throw new RangeError(`grid search needs a step for the float parameter ${p.key} (write "${p.key}: float ${p.low}..${p.high} step S")`);
  const n = Math.floor((p.high - p.low) / p.step + 1e-9) + 1;
  return Array.from({ length: n }, (_, i) => snap(p, p.low + i * p.step!));
}
