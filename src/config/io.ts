/** Reading config files (YAML or JSON) and saving resolved configs atomically. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';

import { writeFileAtomic } from '../util/atomic-write.js';
import { ConfigError } from './errors.js';
import { isPlainObject, type PlainObject } from './path.js';
import { renderConfigYaml } from './render.js';
import type { PipelineConfig } from './schema.js';

const fileError = (path: string, message: string) => new ConfigError([{ key: '', message }], path);

/** The mapping in a .yaml/.yml/.json file; an empty file is an empty mapping. */
export function readConfigFile(path: string): PlainObject {
  if (!existsSync(path)) throw fileError(path, `config file not found: ${path}`);
  if (statSync(path).isDirectory()) throw fileError(path, `config file ${path} is a directory; give a .yaml or .json file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw fileError(path, `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    // JSON is a subset of YAML, but JSON.parse gives the familiar messages for .json files.
    value = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw fileError(path, `cannot parse ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw fileError(path, `expected a mapping of sections at the top of ${path}, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  return value;
}

/** Writes `cfg` atomically: JSON for a .json path, commented YAML otherwise. */
export function saveConfig(path: string, cfg: PipelineConfig): void {
  const text = extname(path).toLowerCase() === '.json'
    ? `${JSON.stringify(cfg, null, 2)}\n`
    : renderConfigYaml(cfg, ['Resolved neural-trading-pipeline config (ntp); load with --config.']);
  writeFileAtomic(path, text);
}
