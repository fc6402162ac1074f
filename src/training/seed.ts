/**
 * Reproducibility (SPEC §7.3: same seed + same backend = same weights). Every unseeded random
 * op in tfjs (initialisers, dropout, shuffles) draws its seed from Math.random, so running a
 * phase under a seeded Math.random makes it deterministic. Each phase (model build, epoch e)
 * gets its own derived seed, which is what lets a resumed run replay epoch e exactly.
 */

/** mulberry32: small, fast, good enough to seed tfjs's own alea generators. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for phase `phase` (e.g. 'build', 'epoch:3') of a run seeded with `seed`. */
export function deriveSeed(seed: number, phase: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < phase.length; i++) h = Math.imul(h ^ phase.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Runs fn with Math.random replaced by a generator seeded from (seed, phase); restores it after. */
export async function withSeededRandom<T>(seed: number, phase: string, fn: () => Promise<T> | T): Promise<T> {
  const original = Math.random;
  Math.random = mulberry32(deriveSeed(seed, phase));
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}
