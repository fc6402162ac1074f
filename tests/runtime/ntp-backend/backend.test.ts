/**
 * The `ntp` backend's data store on the test device (host; cuda under NTP_TEST_DEVICE=cuda): read/write of every dtype, reference counts
 * (Reshape/Identity share a buffer, disposal frees it once), the allocator's accounting and
 * reuse, moves between backends, and loud failures for what it does not do.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { nativeAddon } from '../../../src/native/addon.js';
import { activeNtpBackend, registerNtpBackend, useNtpBackend } from '../../../src/runtime/ntp-backend/index.js';
import { testDevice } from './device.js';

tf.env().set('PROD', true);
const device = testDevice();
const ntp = await useNtpBackend(device);
const memory = () => ntp.deviceMemory();

test.serial('write and read round-trip float32, int32 and bool, sync and async', async (t) => {
  const x = tf.tensor([1.5, -2, NaN, Infinity], [2, 2]);
  const n = tf.tensor([7, -3, 2 ** 30], [3], 'int32');
  const flags = tf.tensor([1, 0, 1], [3], 'bool');
  t.deepEqual(Array.from(x.dataSync()), [1.5, -2, NaN, Infinity]);
  t.true(x.dataSync() instanceof Float32Array);
  t.deepEqual(Array.from(await n.data()), [7, -3, 2 ** 30]);
  t.true(n.dataSync() instanceof Int32Array);
  const b = flags.dataSync();
  t.true(b instanceof Uint8Array);
  t.deepEqual(Array.from(b), [1, 0, 1]);
  tf.dispose([x, n, flags]);
});

test.serial('reshape and identity share one buffer; it is freed with the last tensor', (t) => {
  const before = { tensors: tf.memory().numTensors, ids: ntp.numDataIds(), bytes: memory().inUse };
  const x = tf.tensor(Array.from({ length: 600 }, (_, i) => i), [20, 30]);
  const afterWrite = memory().inUse;
  t.true(afterWrite >= before.bytes + 2400);
  const y = tf.reshape(x, [600]);
  const z = y.clone();
  t.is(ntp.numDataIds(), before.ids + 1, 'one buffer for three tensors');
  t.is(memory().inUse, afterWrite, 'no copy');
  t.is(ntp.refCount(x.dataId), 3);
  x.dispose();
  y.dispose();
  t.is(memory().inUse, afterWrite, 'still referenced by z');
  t.is(z.dataSync()[599], 599);
  z.dispose();
  t.is(memory().inUse, before.bytes);
  t.is(ntp.numDataIds(), before.ids);
  t.is(tf.memory().numTensors, before.tensors);
});

test.serial('the caching allocator reuses freed blocks: a repeated step allocates nothing new', (t) => {
  const step = () => tf.tidy(() => tf.sum(tf.matMul(tf.ones([64, 32]), tf.ones([32, 16]))).dataSync()[0]);
  t.is(step(), 64 * 16 * 32);
  const first = memory();
  for (let k = 0; k < 5; k++) step();
  const after = memory();
  t.is(after.deviceAllocs, first.deviceAllocs, 'served from the free lists');
  t.true(after.reuses > first.reuses);
  t.is(after.inUse, first.inUse);
  t.true(after.peak >= after.inUse && after.cached > 0);
  const report = tf.memory() as unknown as Record<string, unknown>;
  t.is(report.unreliable, false);
  t.is(report.deviceBytesInUse, after.inUse);
});

test.serial('empty tensors are valid buffers', (t) => {
  const e = tf.zeros([0, 5]);
  t.deepEqual(Array.from(e.dataSync()), []);
  t.deepEqual(tf.concat([e, tf.ones([1, 5])]).shape, [1, 5]);
  tf.dispose(e);
});

test.serial('tensors move between the cpu and ntp backends with their values', async (t) => {
  await tf.setBackend('cpu');
  const onCpu = tf.tensor([1, 2, 3]);
  await tf.setBackend('ntp');
  t.deepEqual(Array.from(tf.mul(onCpu, 2).dataSync()), [2, 4, 6]);
  const onNtp = tf.tensor([4, 5]);
  await tf.setBackend('cpu');
  t.deepEqual(Array.from(tf.add(onNtp, 1).dataSync()), [5, 6]);
  await tf.setBackend('ntp');
  tf.dispose([onCpu, onNtp]);
  t.is(activeNtpBackend(), ntp);
});

test.serial('a kernel the backend does not have fails naming it (no silent fallback)', (t) => {
  const x = tf.ones([1, 4, 4, 1]);
  const e = t.throws(() => tf.conv2d(x as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, 'valid'));
  t.regex(e!.message, /Conv2D.*ntp/);
  x.dispose();
});

test.serial('bad handles, dtypes and devices are refused with their name', (t) => {
  const addon = nativeAddon();
  t.throws(() => addon.tensorRead({ handle: 123456789, out: new Float32Array(1) }), { message: /handle.*not a live buffer/ });
  t.throws(() => tf.tensor(['a']), { message: /dtype string is not supported/ });
  const other = device === 'host' ? 'cuda' : 'host';
  t.throws(() => registerNtpBackend(other), { message: new RegExp(`already runs on the ${device} device; cannot switch to ${other}`) });
  t.throws(() => addon.tensorAlloc({ device: 'gpu' as never, size: 1 }), { message: /device must be "host" or "cuda"/ });
  const h = addon.tensorAlloc({ device, size: 4 });
  t.throws(() => addon.tensorUnary({ op: 0, dtype: 0, outDtype: 0, x: h, out: h, size: 5 }), { message: /holds 4 elements, the call needs 5/ });
  addon.tensorFree({ handle: h });
});
