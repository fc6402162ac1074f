/**
 * Atomic file writes (SPEC §11): write to a temp file in the same directory, fsync, rename
 * over the target. A crash or kill leaves either the old file or the new one, never half (and at
 * most a `.NAME.PID.N.tmp` file, removed by the next output-set writer of that directory).
 * Failures (full disk, permissions) name the target path.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

import { writePoint } from './fault.js';
import { namedFsError } from './fs-errors.js';

let counter = 0;

/** Matches the temporary names below; group 1 is the writer's pid. */
export const TEMP_FILE_PATTERN = /^\..+\.(\d+)\.\d+\.tmp$/;

function tempPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  let fd: number | null = null;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(tmp, 'w');
    writePoint(path);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    throw namedFsError(e, path, 'write');
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
