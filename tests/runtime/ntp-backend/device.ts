/**
 * The device the ntp backend tests run on: the host (every machine, CI), or the GPU when
 * NTP_TEST_DEVICE=cuda (bench/gpu/run.sh), where a machine without one fails the tests.
 */
import type { NtpDevice } from '../../../src/runtime/ntp-backend/index.js';

export function testDevice(): NtpDevice {
  const d = process.env.NTP_TEST_DEVICE ?? 'host';
  if (d !== 'host' && d !== 'cuda') throw new Error(`NTP_TEST_DEVICE must be host or cuda (got ${d})`);
  return d;
}
