/** Reading a JSON file with errors that name it (a truncated file says which one it is). */
import { readFileSync } from 'node:fs';

import { namedFsError } from './fs-errors.js';

export function readJsonFile<T = unknown>(path: string, reviver?: (key: string, value: unknown) => unknown): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw namedFsError(e, path, 'read');
  }
  try {
    return JSON.parse(text, reviver) as T;
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}); the file is damaged or truncated: rewrite it with the command that made it`);
  }
}
