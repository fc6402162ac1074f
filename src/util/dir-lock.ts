/**
 * One writer per output directory (SPEC §11): a lock file `.NAME.lock` beside the directory
 * holds the writer's pid, host, command and start time. A second writer fails naming the holder;
 * a lock whose process is gone (same host, pid not running) is taken over with a message. The
 * lock is created whole (written to a temporary file, then hard-linked into place), so a reader
 * never sees a half-written lock.
 */
import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { namedFsError } from './fs-errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

/** Another live process holds the directory. */
export class LockedError extends Error {
  override name = 'LockedError';
  constructor(readonly dir: string, readonly holder: LockInfo | null, lockPath: string) {
    super(holder
      ? `${dir} is in use by pid ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.startedAt}); wait for it to finish, or remove ${lockPath} if that process is gone`
      : `${dir} is locked (${lockPath} is unreadable); remove it if no other ntp process writes there`);
  }
}

export function lockPathOf(dir: string): string {
  const abs = resolve(dir);
  return join(dirname(abs), `.${basename(abs)}.lock`);
}

function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return Number.isInteger(v.pid) && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Whether `pid` on this host is running (EPERM: running under another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DirLock {
  private released = false;
  private constructor(readonly path: string, readonly info: LockInfo) {}

  /** Takes the lock of `dir` or throws LockedError; `log` hears about stale locks taken over. */
  static acquire(dir: string, command: string, log: (line: string) => void = () => undefined): DirLock {
    const path = lockPathOf(dir);
    const info: LockInfo = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify(info)}\n`);
    } catch (e) {
      throw namedFsError(e, dirname(path), 'write');
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(tmp, path);
          return new DirLock(path, info);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw namedFsError(e, path, 'create');
        }
        const holder = readLock(path);
        if (holder === null || holder.host !== info.host || pidAlive(holder.pid)) throw new LockedError(dir, holder, path);
        // Stale: move it aside under our own name, so that of two processes taking it over at
        // once only one removes the dead writer's lock (the other finds the winner's and stops).
        const aside = `${path}.stale-${process.pid}`;
        try {
          renameSync(path, aside);
        } catch {
          continue;
        }
        const moved = readLock(aside);
        if (moved !== null && moved.pid !== holder.pid) {
          renameSync(aside, path);
          throw new LockedError(dir, moved, path);
        }
        rmSync(aside, { force: true });
        log(`taking over ${path}: its writer, pid ${holder.pid} (${holder.command}, since ${holder.startedAt}), is no longer running`);
      }
      throw new LockedError(dir, readLock(path), path);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const now = readLock(this.path);
    if (now !== null && now.pid === this.info.pid && now.startedAt === this.info.startedAt) rmSync(this.path, { force: true });
  }
}
