import test from 'ava';
import ccxt from 'ccxt';
import { backoffDelayMs, isRetryable, parseRetryAfterMs, withRetry } from '../../src/data/ccxt-retry.js';

test('backoff doubles per retry and jitters within the upper half', (t) => {
  const policy = { maxRetries: 5, baseDelayMs: 100 };
  t.deepEqual([1, 2, 3, 4].map((a) => backoffDelayMs(policy, a, () => 0)), [50, 100, 200, 400]);
  t.deepEqual([1, 2, 3, 4].map((a) => backoffDelayMs(policy, a, () => 1)), [100, 200, 400, 800]);
  t.is(backoffDelayMs(policy, 2, () => 0.5), 150);
});

test('Retry-After is read as seconds or as an HTTP date', (t) => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  t.is(parseRetryAfterMs('3', now), 3000);
  t.is(parseRetryAfterMs('0.5', now), 500);
  t.is(parseRetryAfterMs(new Date(now + 7000).toUTCString(), now), 7000);
  t.is(parseRetryAfterMs(new Date(now - 7000).toUTCString(), now), 0);
  t.is(parseRetryAfterMs(undefined, now), undefined);
  t.is(parseRetryAfterMs('soon', now), undefined);
});

test('transient ccxt errors are retryable, others are not', (t) => {
  for (const E of [ccxt.NetworkError, ccxt.RequestTimeout, ccxt.ExchangeNotAvailable, ccxt.DDoSProtection, ccxt.RateLimitExceeded, ccxt.BadResponse]) {
    t.true(isRetryable(new E('x')), E.name);
  }
  for (const E of [ccxt.BadSymbol, ccxt.ExchangeError, ccxt.AuthenticationError, Error]) t.false(isRetryable(new E('x')), E.name);
});

test('withRetry retries transient failures, then succeeds', async (t) => {
  let calls = 0;
  const notices: number[] = [];
  const got = await withRetry('op', { maxRetries: 3, baseDelayMs: 1 }, async () => {
    if (++calls < 3) throw new ccxt.ExchangeNotAvailable('busy');
    return 'ok';
  }, { onRetry: (n) => notices.push(n.attempt) });
  t.is(got, 'ok');
  t.is(calls, 3);
  t.deepEqual(notices, [1, 2]);
});

test('withRetry waits the longer of the backoff and the server request', async (t) => {
  const delays: number[] = [];
  let calls = 0;
  await withRetry('op', { maxRetries: 1, baseDelayMs: 1 }, async () => {
    if (++calls === 1) throw new ccxt.RateLimitExceeded('slow down');
  }, { retryAfterMs: () => 30, onRetry: (n) => delays.push(n.delayMs) });
  t.deepEqual(delays, [30]);
});

test('withRetry gives up after maxRetries, naming the operation, the count and the cause', async (t) => {
  let calls = 0;
  const cause = new ccxt.RequestTimeout('timed out');
  const err = await t.throwsAsync(withRetry('load X', { maxRetries: 2, baseDelayMs: 1 }, async () => {
    calls++;
    throw cause;
  }));
  t.is(calls, 3);
  t.is(err.message, 'load X failed after 3 attempts (maxRetries=2): RequestTimeout: timed out');
  t.is(err.cause, cause);
});

test('withRetry does not retry a non-transient error', async (t) => {
  let calls = 0;
  const err = await t.throwsAsync(withRetry('load X', { maxRetries: 5, baseDelayMs: 1 }, async () => {
    calls++;
    throw new ccxt.BadSymbol('no such market');
  }));
  t.is(calls, 1);
  t.is(err.message, 'load X failed (not retried, BadSymbol is not a transient error): BadSymbol: no such market');
});
