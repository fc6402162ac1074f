/**
 * Config as commented YAML: each section and key carries its description from the schema,
 * so configs/default.yaml and every saved run config document themselves.
 */
import YAML, { isMap, isScalar, isSeq, type Node as YamlNode, type YAMLMap } from 'yaml';

import { fieldAllowedText } from './constraints.js';
import type { PlainObject } from './path.js';
import { CONFIG_SCHEMA } from './schema.js';
import { isSection, type Section } from './schema-types.js';
import type { Leaf } from './walk.js';

/** One-line note for a leaf: what it means, what it allows, how a null default is derived. */
export function leafNote(f: Leaf): string {
  const derived = f.derive ? `; null = ${f.derive.text}` : '';
  return `${f.description} (${fieldAllowedText(f)}${derived})`;
}

function annotate(map: YAMLMap, section: Section, top: boolean): void {
  for (const [index, pair] of map.items.entries()) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const field = section.fields[name];
    const value = pair.value as YamlNode | null;
    if (field === undefined || value === null) continue;
    if (isSection(field)) {
      (pair.key as YamlNode).commentBefore = ` ${field.description}`;
      // A blank line between top-level sections; the first follows the header directly.
      (pair.key as YamlNode).spaceBefore = top && index > 0;
      if (isMap(value)) annotate(value, field, false);
      continue;
    }
    if (isSeq(value)) value.flow = true;
    value.comment = ` ${leafNote(field)}`;
  }
}

/** `cfg` as YAML with schema comments; `header` lines go on top as comments. */
export function renderConfigYaml(cfg: PlainObject, header: readonly string[] = []): string {
  const doc = new YAML.Document(cfg);
  if (isMap(doc.contents)) annotate(doc.contents, CONFIG_SCHEMA, true);
  if (header.length > 0) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
