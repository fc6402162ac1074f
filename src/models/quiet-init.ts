/**
 * tfjs-layers' orthogonal initializer warns ("may be slow") for every recurrent kernel above
 * 2000 elements, i.e. on every build and load of the reference model's LSTM. The cost is a
 * one-time QR of a 64 x 256 matrix, so the warning is noise: it is dropped here, only it.
 */
export function withoutOrthogonalWarning<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer is being called')) return;
    warn(...args);
  };
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}
