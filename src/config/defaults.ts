/** Defaults read from the schema, and the derived keys filled in after merging. */
import { getPath, setPath, type PlainObject } from './path.js';
import { CONFIG_SCHEMA, type PipelineConfig } from './schema.js';
import { isSection, type Section } from './schema-types.js';
import { schemaLeaves } from './walk.js';

function defaultsOf(node: Section): PlainObject {
  return Object.fromEntries(Object.entries(node.fields).map(([name, child]) => [
    name,
    isSection(child) ? defaultsOf(child) : structuredClone(child.default),
  ]));
}

/** Schema defaults as written in configs/default.yaml: derived keys are null ("auto"). */
export function schemaDefaults(): PlainObject {
  return defaultsOf(CONFIG_SCHEMA);
}

/** `cfg` with every null derived key computed from the keys it follows. */
export function applyDerived(cfg: PlainObject): PlainObject {
  let out = cfg;
  for (const { key, field } of schemaLeaves()) {
    if (field.derive && getPath(out, key) === null) {
      out = setPath(out, key, field.derive.compute((k) => getPath(out, k)));
    }
  }
  return out;
}

/** The fully resolved default configuration. */
export function defaultConfig(): PipelineConfig {
  return applyDerived(schemaDefaults()) as PipelineConfig;
}
