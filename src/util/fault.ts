/**
 * Fault injection for the crash-safety tests (SPEC §11). With NTP_FAULT="kill@N" the process
 * kills itself (SIGKILL) at its N-th write point, with "enospc@N" that point fails as a full disk
 * would; with "log:FILE" each point appends its number and path to FILE (so a test can pick
 * points). Write points: every file written through atomic-write, a model save or a line writer,
 * and every step of an output-set commit. Unset (always, outside tests) a point reads one variable.
 */
import { appendFileSync } from 'node:fs';

import { ENOSPC_CODE, namedFsError } from './fs-errors.js';

let reached = 0;

/** Marks a write point; `canFail` is false for renames (a full disk does not fail a rename). */
export function writePoint(path: string, canFail = true): void {
  const spec = process.env.NTP_FAULT;
  if (spec === undefined || spec === '') return;
  if (spec.startsWith('log:')) {
    reached += 1;
    appendFileSync(spec.slice(4), `${reached}\t${path}\n`);
    return;
  }
  const m = /^(kill|enospc)@(\d+)$/.exec(spec);
  if (m === null) return;
  reached += 1;
  if (reached !== Number(m[2])) return;
  if (m[1] === 'kill') {
    process.kill(process.pid, 'SIGKILL');
    // SIGKILL is delivered asynchronously: never run past the point.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  if (canFail) throw namedFsError(Object.assign(new Error('no space left on device (injected)'), { code: ENOSPC_CODE }), path, 'write');
}
