/** Float comparisons for the loss and metric tests. */
import type { ExecutionContext } from 'ava';

/** Passes when |actual - expected| <= abs + rel |expected|, with a message showing both. */
export function close(t: ExecutionContext, actual: number, expected: number, { abs = 1e-6, rel = 1e-5 } = {}): void {
  const ok = Math.abs(actual - expected) <= abs + rel * Math.abs(expected);
  t.true(ok, `expected ${expected}, got ${actual}`);
}

export function closeAll(t: ExecutionContext, actual: ArrayLike<number>, expected: ArrayLike<number>, tol?: { abs?: number; rel?: number }): void {
  t.is(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) close(t, actual[i], expected[i], tol);
}
