/** What an output folder holds, for comparing sets: relative path -> content, run timestamps masked. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What differs between two runs of one command: the time it ran and how long it took. */
const RUN_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z|"elapsedMs": ?[\d.e+-]+/g;

export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel ? join(rel, name) : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out[r] = readFileSync(join(dir, r), 'latin1').replace(RUN_TIME, '<time>');
    }
  };
  walk('');
  return out;
}

/** "old", "new" or "mixed" for a folder's snapshot against the two complete sets. */
export function whichSet(seen: Record<string, string>, old: Record<string, string>, neu: Record<string, string>): 'old' | 'new' | 'mixed' {
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]);
  return same(seen, old) ? 'old' : same(seen, neu) ? 'new' : 'mixed';
}
