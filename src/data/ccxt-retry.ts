/**
 * Retries of exchange calls for `fetchCandles`: transient failures (network errors, HTTP 429,
 * 5xx, timeouts, damaged bodies) are retried with exponential backoff and jitter; anything else
 * (a bad symbol, a bad argument) fails at once, since asking again cannot change the answer.
 */
import ccxt from 'ccxt';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 = try once. */
  maxRetries: number;
  /** Delay before the first retry; each later retry doubles it. */
  baseDelayMs: number;
}

export interface RetryNotice {
  what: string;
  attempt: number; // the retry about to happen, 1-based
  delayMs: number;
  error: Error;
}

/**
 * ccxt's NetworkError covers RequestTimeout, ExchangeNotAvailable (5xx), DDoSProtection and
 * RateLimitExceeded (429/418). BadResponse is what we raise for a body cut off mid-JSON, which
 * is transport damage rather than the exchange's answer.
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof ccxt.NetworkError || err instanceof ccxt.BadResponse;
}

/** Backoff before retry `attempt` (1-based): base * 2^(attempt-1), the upper half jittered. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const full = policy.baseDelayMs * 2 ** (attempt - 1);
  // "Equal jitter": at least half the backoff, so waits still grow, spread so that clients
  // throttled together do not retry in lockstep.
  return full / 2 + random() * (full / 2);
}

/** A Retry-After header (seconds or an HTTP date) in ms, or undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Runs `call`, retrying retryable failures up to `policy.maxRetries` times. `retryAfterMs` gives
 * the server's requested wait for the failure just seen, if any; the wait is the longer of that
 * and the backoff. Errors name `what` and the underlying ccxt class, and keep it as `cause`.
 */
export async function withRetry<T>(
  what: string,
  policy: RetryPolicy,
  call: () => Promise<T>,
  hooks: { retryAfterMs?: (err: Error) => number | undefined; onRetry?: (n: RetryNotice) => void } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const detail = `${error.constructor.name}: ${error.message}`;
      if (!isRetryable(error)) {
        throw new Error(`${what} failed (not retried, ${error.constructor.name} is not a transient error): ${detail}`, { cause: error });
      }
      if (attempt >= policy.maxRetries) {
        throw new Error(`${what} failed after ${attempt + 1} attempts (maxRetries=${policy.maxRetries}): ${detail}`, { cause: error });
      }
      const delayMs = Math.max(backoffDelayMs(policy, attempt + 1), hooks.retryAfterMs?.(error) ?? 0);
      hooks.onRetry?.({ what, attempt: attempt + 1, delayMs, error });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
