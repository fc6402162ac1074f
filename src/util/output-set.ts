/**
 * Output directories committed as a whole (SPEC §11): a command writes its files into a sibling
 * staging directory `.NAME.partial` and then swaps it in. Readers see the old set or the new
 * set, never a mix:
 *
 *   1. write every file into `.NAME.partial` (fsynced), under the lock `.NAME.lock`;
 *   2. rename NAME -> `.NAME.old`; 3. rename `.NAME.partial` -> NAME; 4. remove `.NAME.old`.
 *
 * A crash leaves one of: (during 1) NAME old + a partial staging, which the next writer removes;
 * (between 2 and 3) no NAME, `.NAME.old` and a complete staging (step 2 only happens once the
 * staging is complete), which the next writer rolls forward and readers read as the old set
 * (committedDir); (after 3) NAME new + a leftover `.NAME.old`, which the next writer removes.
 * Temporary files of single-file writes left in NAME by dead processes go too.
 */
import { accessSync, constants, cpSync, existsSync, fsyncSync, closeSync, openSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { TEMP_FILE_PATTERN, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { DirLock, pidAlive } from './dir-lock.js';
import { writePoint } from './fault.js';
import { FsPathError, namedFsError } from './fs-errors.js';

export function siblingsOf(dir: string) {
  const abs = resolve(dir);
  const at = (suffix: string) => join(dirname(abs), `.${basename(abs)}.${suffix}`);
  return { dir: abs, staging: at('partial'), old: at('old') };
}

/** The directory a reader should read: `dir`, or its old set while a commit is half done. */
export function committedDir(dir: string): string {
  if (existsSync(dir)) return dir;
  const { old } = siblingsOf(dir);
  return existsSync(old) ? old : dir;
}

function fsyncDir(path: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the renames are still atomic there.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** A read-only directory would still be replaced by a rename (that needs the parent's permission): refuse it. */
function assertWritable(path: string): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) throw new FsPathError(path, 'ENOTDIR', `cannot write ${path}: it exists and is not a directory`);
  try {
    accessSync(path, constants.W_OK);
  } catch (e) {
    throw namedFsError(e, path, 'write');
  }
}

/** Brings `dir` back to a committed state after a crash (the caller holds the lock). */
function recover(dir: string, log: (line: string) => void): void {
  const s = siblingsOf(dir);
  if (!existsSync(s.dir) && existsSync(s.old)) {
    if (existsSync(s.staging)) {
      renameSync(s.staging, s.dir);
      log(`${s.dir}: finished a commit interrupted after the old set was moved aside`);
    } else {
      renameSync(s.old, s.dir);
    }
  }
  rmSync(s.old, { recursive: true, force: true });
  if (!existsSync(s.dir)) return;
  for (const name of readdirSync(s.dir)) {
    const m = TEMP_FILE_PATTERN.exec(name);
    if (m !== null && !pidAlive(Number(m[1]))) rmSync(join(s.dir, name), { force: true });
  }
}

export interface OutputSetOptions {
  /** Written into the lock, e.g. "ntp backtest". */
  command: string;
  /** Hears about recovered sets, removed leftovers and taken-over locks. */
  log?: (line: string) => void;
  /**
   * How the staging starts: 'empty' (default; a leftover staging is removed), or 'continue'
   * (a staging left by a dead writer is kept, e.g. an unfinished training run; without one the
   * staging starts as a copy of the committed set's entries that `copy` accepts).
   */
  start?: 'empty' | 'continue';
  copy?: (name: string) => boolean;
}

/** A locked output directory being rewritten; write into `staging`, then `commit()` or `abort()`. */
export class OutputSet {
  /** Whether `staging` held a dead writer's work when the set was opened ('continue' only). */
  readonly continued: boolean;
  private done = false;

  private constructor(readonly dir: string, readonly staging: string, private readonly lock: DirLock, continued: boolean) {
    this.continued = continued;
  }

  static open(dir: string, options: OutputSetOptions): OutputSet {
    const log = options.log ?? (() => undefined);
    const s = siblingsOf(dir);
    assertWritable(s.dir);
    const lock = DirLock.acquire(s.dir, options.command, log);
    try {
      recover(s.dir, log);
      let continued = false;
      if (options.start === 'continue' && existsSync(s.staging)) {
        continued = true;
      } else {
        if (existsSync(s.staging)) {
          log(`${s.dir}: removing ${s.staging}, left by an interrupted writer`);
          rmSync(s.staging, { recursive: true, force: true });
        }
        mkdirSync(s.staging, { recursive: true });
        if (options.start === 'continue' && existsSync(s.dir)) {
          for (const name of readdirSync(s.dir)) {
            if (options.copy?.(name) ?? true) cpSync(join(s.dir, name), join(s.staging, name), { recursive: true });
          }
        }
      }
      return new OutputSet(s.dir, s.staging, lock, continued);
    } catch (e) {
      lock.release();
      throw namedFsError(e, s.dir, 'write');
    }
  }

  /** Path of `name` inside the staging directory. */
  path(...name: string[]): string {
    return join(this.staging, ...name);
  }

  writeFile(name: string, data: string | Uint8Array): string {
    writeFileAtomic(this.path(name), data);
    return join(this.dir, name);
  }

  writeJson(name: string, value: unknown): string {
    writeJsonAtomic(this.path(name), value);
    return join(this.dir, name);
  }

  /** Swaps the staging in as the new set and releases the lock. */
  commit(): void {
    if (this.done) throw new Error(`${this.dir}: the output set was already committed or aborted`);
    const { old } = siblingsOf(this.dir);
    try {
      fsyncDir(this.staging);
      writePoint(`${this.dir} (moving the old set aside)`, false);
      const existed = existsSync(this.dir);
      if (existed) renameSync(this.dir, old);
      writePoint(`${this.dir} (moving the new set in)`, false);
      try {
        renameSync(this.staging, this.dir);
      } catch (e) {
        if (existed) renameSync(old, this.dir);
        throw e;
      }
      fsyncDir(dirname(this.dir));
      writePoint(`${this.dir} (removing the old set)`, false);
      rmSync(old, { recursive: true, force: true });
    } catch (e) {
      throw namedFsError(e, this.dir, 'replace');
    } finally {
      this.done = true;
      this.lock.release();
    }
  }

  /** Gives up: the committed set stays; the staging is removed unless `keepStaging`. */
  abort(keepStaging = false): void {
    if (this.done) return;
    this.done = true;
    if (!keepStaging) rmSync(this.staging, { recursive: true, force: true });
    this.lock.release();
  }
}

/**
 * Runs `write` on a fresh staging of `dir` and commits it; on an error the old set stays and the
 * staging is removed. Returns what `write` returns.
 */
export async function writeOutputSet<T>(dir: string, options: OutputSetOptions, write: (set: OutputSet) => Promise<T> | T): Promise<T> {
  const set = OutputSet.open(dir, options);
  try {
    const value = await write(set);
    set.commit();
    return value;
  } catch (e) {
    set.abort();
    throw e;
  }
}

/**
 * Replaces single files inside an existing set (`evaluate`'s evaluation.json, `report`'s HTML)
 * under the set's lock: each file is atomic on its own, and the lock keeps a concurrent writer
 * from swapping the set underneath.
 */
export async function withDirLock<T>(dir: string, command: string, log: ((line: string) => void) | undefined, work: () => Promise<T> | T): Promise<T> {
  const s = siblingsOf(dir);
  assertWritable(s.dir);
  const lock = DirLock.acquire(s.dir, command, log);
  try {
    recover(s.dir, log ?? (() => undefined));
    return await work();
  } finally {
    lock.release();
  }
}
