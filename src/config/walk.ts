/** Navigating the schema tree by dotted key. */
import { CONFIG_SCHEMA } from './schema.js';
import { isSection, type ListField, type Node, type ScalarField, type Section } from './schema-types.js';

export type Leaf = ScalarField | ListField;

/** Every leaf key of `node` in declaration order, with its dotted key. */
export function schemaLeaves(node: Section = CONFIG_SCHEMA, prefix = ''): { key: string; field: Leaf }[] {
  return Object.entries(node.fields).flatMap(([name, child]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    return isSection(child) ? schemaLeaves(child, key) : [{ key, field: child as Leaf }];
  });
}

/** Every section of `node` (itself included) with its dotted key ('' for the root). */
export function schemaSections(node: Section = CONFIG_SCHEMA, prefix = ''): { key: string; section: Section }[] {
  return [{ key: prefix, section: node }, ...Object.entries(node.fields).flatMap(([name, child]) =>
    isSection(child) ? schemaSections(child, prefix ? `${prefix}.${name}` : name) : [])];
}

/** The schema node at `key`, or undefined for an unknown key. */
export function schemaNodeAt(key: string): Node | undefined {
  let node: Node = CONFIG_SCHEMA;
  for (const part of key.split('.')) {
    if (!isSection(node) || !Object.hasOwn(node.fields, part)) return undefined;
    node = node.fields[part];
  }
  return node;
}
