/**
 * Checks a config value against the schema, collecting every problem rather than stopping at
 * the first, so a user fixes a file in one pass. `partial` accepts missing keys, for checking
 * one layer (a file, the environment, --set) before it is merged.
 */
import { allowedText, fieldAllowedText, listProblem, scalarOk } from './constraints.js';
import { showValue, type ConfigIssue } from './errors.js';
import { isPlainObject } from './path.js';
import { CONFIG_SCHEMA } from './schema.js';
import { isSection, type ListField, type Node, type ScalarField, type Section } from './schema-types.js';
import { closestName } from './suggest.js';
import { schemaLeaves, schemaNodeAt, schemaSections } from './walk.js';

function unknownKeyIssue(key: string, name: string, siblings: string[]): ConfigIssue {
  const parent = key.slice(0, key.length - name.length);
  const near = closestName(name, siblings);
  // A key placed in the wrong section is a common slip (training.batchSize): point to where it lives.
  const elsewhere = near === null
    ? [...schemaLeaves(), ...schemaSections()].map((e) => e.key).find((k) => k.split('.').at(-1)?.toLowerCase() === name.toLowerCase())
    : undefined;
  const hint = near !== null ? ` (did you mean ${parent}${near}?)` : elsewhere ? ` (did you mean ${elsewhere}?)` : '';
  return { key, message: `unknown key${hint}; allowed here: ${siblings.join(', ')}` };
}

function checkSection(node: Section, value: unknown, key: string, partial: boolean, out: ConfigIssue[]): void {
  const names = Object.keys(node.fields);
  if (!isPlainObject(value)) {
    out.push({ key, message: `got ${showValue(value)}, expected a section with keys ${names.join(', ')}` });
    return;
  }
  const prefix = key ? `${key}.` : '';
  for (const name of Object.keys(value)) {
    if (!Object.hasOwn(node.fields, name)) out.push(unknownKeyIssue(prefix + name, name, names));
  }
  for (const name of names) {
    if (value[name] === undefined) {
      if (!partial) out.push({ key: prefix + name, message: 'missing' });
      continue;
    }
    checkNode(node.fields[name], value[name], prefix + name, partial, out);
  }
}

function checkList(f: ListField, value: unknown, key: string, out: ConfigIssue[]): void {
  const expected = fieldAllowedText(f);
  if (!Array.isArray(value)) {
    out.push({ key, message: `got ${showValue(value)}, expected ${expected}` });
    return;
  }
  const bad = value.findIndex((v) => !scalarOk(f.items, v));
  if (bad >= 0) {
    out.push({ key: `${key}[${bad}]`, message: `got ${showValue(value[bad])}, expected ${allowedText(f.items)}` });
    return;
  }
  const problem = listProblem(f, value);
  if (problem) out.push({ key, message: `got ${showValue(value)}, which ${problem}; expected ${expected}` });
}

function checkNode(node: Node, value: unknown, key: string, partial: boolean, out: ConfigIssue[]): void {
  if (node.kind === 'section') return checkSection(node, value, key, partial, out);
  if (value === null && (node.nullable || node.derive)) return;
  if (node.kind === 'list') return checkList(node, value, key, out);
  const f = node as ScalarField;
  if (!scalarOk(f, value)) out.push({ key, message: `got ${showValue(value)}, expected ${fieldAllowedText(f)}` });
}

/** Every schema problem of `value` (a whole config, or one layer with `partial`). */
export function schemaIssues(value: unknown, partial = false): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  checkSection(CONFIG_SCHEMA, value, '', partial, out);
  return out;
}

/** Every schema problem of `value` as the section at `key` (e.g. `model`), keys named in full. */
export function sectionIssues(key: string, value: unknown, partial = false): ConfigIssue[] {
  const node = schemaNodeAt(key);
  if (!node || !isSection(node)) throw new Error(`sectionIssues: ${key} is not a config section`);
  const out: ConfigIssue[] = [];
  checkSection(node, value, key, partial, out);
  return out;
}
