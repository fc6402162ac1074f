/**
 * TensorBoard event files (`events.out.tfevents.<time>.<host>`), written without TensorFlow:
 * TFRecord framing (u64 length, masked CRC32C of the length, payload, masked CRC32C of the
 * payload) around hand-encoded `tensorflow.Event` protobufs holding scalar summaries.
 * Only the fields TensorBoard reads for scalars are written: wall_time (1), step (2),
 * file_version (3), summary (5) -> value (1) -> tag (1), simple_value (2).
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { namedFsError } from '../util/fs-errors.js';

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

class ProtoWriter {
  private parts: number[] = [];
  varint(v: number): this {
    let n = BigInt(v);
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      this.parts.push(b);
    } while (n > 0n);
    return this;
  }
  tag(field: number, wire: number): this { return this.varint((field << 3) | wire); }
  double(field: number, v: number): this {
    const b = Buffer.alloc(8); b.writeDoubleLE(v); this.tag(field, 1); this.parts.push(...b); return this;
  }
  float(field: number, v: number): this {
    const b = Buffer.alloc(4); b.writeFloatLE(v); this.tag(field, 5); this.parts.push(...b); return this;
  }
  int(field: number, v: number): this { return this.tag(field, 0).varint(v); }
  bytes(field: number, data: Uint8Array): this { this.tag(field, 2).varint(data.length); this.parts.push(...data); return this; }
  string(field: number, s: string): this { return this.bytes(field, Buffer.from(s, 'utf8')); }
  finish(): Uint8Array { return Uint8Array.from(this.parts); }
}

function frame(payload: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(payload.length));
  const head = Buffer.alloc(4); head.writeUInt32LE(maskedCrc32c(len));
  const tail = Buffer.alloc(4); tail.writeUInt32LE(maskedCrc32c(payload));
  return Buffer.concat([len, head, Buffer.from(payload), tail]);
}

export class TensorBoardWriter {
  readonly path: string;

  /** Opens a new event file in `logDir` (created if missing). */
  constructor(logDir: string, now = Date.now()) {
    this.path = join(logDir, `events.out.tfevents.${Math.floor(now / 1000)}.${hostname()}`);
    const first = new ProtoWriter().double(1, now / 1000).string(3, 'brain.Event:2').finish();
    try {
      mkdirSync(logDir, { recursive: true });
      appendFileSync(this.path, frame(first));
    } catch (e) {
      throw namedFsError(e, this.path, 'write');
    }
  }

  /** Appends one event with a scalar per entry of `values` (non-finite values are skipped). */
  scalars(step: number, values: Record<string, number>, now = Date.now()): void {
    const summary = new ProtoWriter();
    for (const [tag, v] of Object.entries(values)) {
      if (!Number.isFinite(v)) continue;
      summary.bytes(1, new ProtoWriter().string(1, tag).float(2, v).finish());
    }
    const event = new ProtoWriter().double(1, now / 1000).int(2, step).bytes(5, summary.finish()).finish();
    // Appending one framed record per call keeps the file readable up to the last epoch
    // even when the process is killed.
    try {
      appendFileSync(this.path, frame(event));
    } catch (e) {
      throw namedFsError(e, this.path, 'write');
    }
  }
}

export interface ScalarEvent { step: number; wallTime: number; tag: string; value: number }

/** Reads an event file back, verifying both CRCs of every record; throws on corruption. */
export function readScalarEvents(path: string): { fileVersion: string | null; scalars: ScalarEvent[] } {
  const buf = readFileSync(path);
  let off = 0;
  let fileVersion: string | null = null;
  const scalars: ScalarEvent[] = [];
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error(`${path}: truncated record header at byte ${off}`);
    const lenBytes = buf.subarray(off, off + 8);
    if (buf.readUInt32LE(off + 8) !== maskedCrc32c(lenBytes)) throw new Error(`${path}: bad length CRC at byte ${off}`);
    const len = Number(buf.readBigUInt64LE(off));
    const start = off + 12;
    if (start + len + 4 > buf.length) throw new Error(`${path}: truncated record at byte ${off}`);
    const payload = buf.subarray(start, start + len);
    if (buf.readUInt32LE(start + len) !== maskedCrc32c(payload)) throw new Error(`${path}: bad payload CRC at byte ${off}`);
    const ev = decodeEvent(payload);
    if (ev.fileVersion) fileVersion = ev.fileVersion;
    for (const [tag, value] of ev.values) scalars.push({ step: ev.step, wallTime: ev.wallTime, tag, value });
    off = start + len + 4;
  }
  return { fileVersion, scalars };
}

function decodeEvent(b: Uint8Array) {
  const out = { wallTime: 0, step: 0, fileVersion: '', values: [] as [string, number][] };
  walk(b, (field, wire, r) => {
    if (field === 1 && wire === 1) out.wallTime = r.double();
    else if (field === 2 && wire === 0) out.step = r.varint();
    else if (field === 3 && wire === 2) out.fileVersion = Buffer.from(r.bytes()).toString('utf8');
    else if (field === 5 && wire === 2) {
      walk(r.bytes(), (f2, w2, r2) => {
        if (f2 !== 1 || w2 !== 2) return r2.skip(w2);
        let tag = '';
        let value = NaN;
        walk(r2.bytes(), (f3, w3, r3) => {
          if (f3 === 1 && w3 === 2) tag = Buffer.from(r3.bytes()).toString('utf8');
          else if (f3 === 2 && w3 === 5) value = r3.float();
          else r3.skip(w3);
        });
        out.values.push([tag, value]);
      });
    } else r.skip(wire);
  });
  return out;
}

interface Reader { varint(): number; double(): number; float(): number; bytes(): Uint8Array; skip(wire: number): void }

function walk(b: Uint8Array, onField: (field: number, wire: number, r: Reader) => void): void {
  let p = 0;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const r: Reader = {
    varint() {
      let v = 0n; let shift = 0n;
      for (;;) { const x = b[p++]; v |= BigInt(x & 0x7f) << shift; if (!(x & 0x80)) break; shift += 7n; }
      return Number(v);
    },
    double() { const v = view.getFloat64(p, true); p += 8; return v; },
    float() { const v = view.getFloat32(p, true); p += 4; return v; },
    bytes() { const n = r.varint(); const s = b.subarray(p, p + n); p += n; return s; },
    skip(wire) {
      if (wire === 0) r.varint(); else if (wire === 1) p += 8; else if (wire === 5) p += 4;
      else if (wire === 2) r.bytes(); else throw new Error(`unsupported protobuf wire type ${wire}`);
    },
  };
  while (p < b.length) {
    const key = r.varint();
    onField(key >>> 3, key & 7, r);
  }
}
