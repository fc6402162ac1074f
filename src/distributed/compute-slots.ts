/**
 * A worker's compute slots (`ntp worker --concurrency`): `run(work)` waits for one of `slots` to
 * be free, first come first served. Jobs hold their inputs while they wait (worker.ts).
 */
export function computeSlots(slots: number): <T>(work: () => Promise<T>) => Promise<T> {
  if (!(Number.isInteger(slots) && slots >= 1)) throw new RangeError(`computeSlots: slots must be an integer >= 1 (got ${slots})`);
  let free = slots;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so a later caller cannot jump the queue.
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}
