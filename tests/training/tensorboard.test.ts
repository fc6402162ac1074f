import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { crc32c, maskedCrc32c, readScalarEvents, TensorBoardWriter } from '../../src/training/tensorboard.js';

test('crc32c matches the published check value', (t) => {
  // CRC-32C("123456789") = 0xE3069283 (RFC 3720 test vector).
  t.is(crc32c(Buffer.from('123456789')), 0xe3069283);
  t.is(crc32c(new Uint8Array(32)), 0x8a9136aa);
  t.not(maskedCrc32c(Buffer.from('a')), crc32c(Buffer.from('a')));
});

test('scalar events round-trip with valid CRCs and the TensorBoard file name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-tb-'));
  const w = new TensorBoardWriter(dir, 1_700_000_000_000);
  w.scalars(0, { loss: 1.5, val_dir_mcc_h1: 0.125 }, 1_700_000_001_000);
  w.scalars(1, { loss: 1.25, skipped: Number.NaN }, 1_700_000_002_000);
  const files = readdirSync(dir);
  t.is(files.length, 1);
  t.regex(files[0], /^events\.out\.tfevents\.1700000000\./);
  const { fileVersion, scalars } = readScalarEvents(w.path);
  t.is(fileVersion, 'brain.Event:2');
  t.deepEqual(scalars.map((s) => [s.step, s.tag, s.value]), [[0, 'loss', 1.5], [0, 'val_dir_mcc_h1', 0.125], [1, 'loss', 1.25]]);
  t.is(scalars[2].wallTime, 1_700_000_002);
});

test('a corrupted byte is detected by the CRC check', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-tb-'));
  const w = new TensorBoardWriter(dir);
  w.scalars(3, { loss: 2 });
  const bytes = readFileSync(w.path);
  bytes[bytes.length - 6] ^= 0xff;
  writeFileSync(w.path, bytes);
  t.throws(() => readScalarEvents(w.path), { message: /CRC/ });
});
