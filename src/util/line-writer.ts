/**
 * A text file written line by line through a 1 MiB buffer, for tables too large to hold as one
 * string (a sweep's every path). Write it inside an output set's staging: it is not atomic by
 * itself. Failures (full disk, permissions) name the file.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

import { writePoint } from './fault.js';
import { namedFsError } from './fs-errors.js';

const FLUSH_BYTES = 1 << 20;

export class LineWriter {
  private fd: number | null;
  private parts: string[] = [];
  private pending = 0;
  /** Bytes flushed to the file so far. */
  bytes = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
      writePoint(path);
    } catch (e) {
      throw namedFsError(e, path, 'write');
    }
  }

  /** Appends `line` and a newline. */
  line(line: string): void {
    this.parts.push(line, '\n');
    this.pending += line.length + 1;
    if (this.pending >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0 || this.fd === null) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.pending = 0;
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (e) {
      throw namedFsError(e, this.path, 'write');
    }
    this.bytes += buf.length;
  }

  /** Flushes, fsyncs and closes the file. */
  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
      fsyncSync(this.fd);
    } catch (e) {
      throw namedFsError(e, this.path, 'write');
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Closes without flushing (after a failure; the output set is discarded anyway). */
  discard(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.parts = [];
  }
}
