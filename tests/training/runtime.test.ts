import test from 'ava';

import { resolveConfig } from '../../src/config/index.js';
import { nativeAddon } from '../../src/native/addon.js';
import { prepareRuntime } from '../../src/training/runtime.js';

test('runtime.threads sizes the native pool without touching the environment', async (t) => {
  delete process.env.NTP_THREADS;  // this worker process only: the config must decide
  const addon = nativeAddon();
  const fallback = addon.setThreads(0);
  await prepareRuntime(resolveConfig({ values: { runtime: { threads: 3 } } }));
  t.is(addon.deviceInfo().threads, 3);
  t.is(process.env.NTP_THREADS, undefined);
  t.is(addon.setThreads(1), 1);
  t.is(addon.deviceInfo().threads, 1);
  t.is(addon.setThreads(0), fallback);
  t.throws(() => addon.setThreads(-1), { instanceOf: RangeError, message: /threads must be an integer in \[0, 1024\]/ });
  t.throws(() => addon.setThreads(1.5), { instanceOf: RangeError });
});
