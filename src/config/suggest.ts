/** "Did you mean" for unknown names: the closest candidate by edit distance, if it is close. */

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `name` (case-insensitive), or null when none is within about a
 * third of the name's length: beyond that a suggestion is more confusing than helpful.
 */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  const needle = name.toLowerCase();
  let best: string | null = null;
  let bestDist = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(needle, c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** " (did you mean x?)" or "". */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closestName(name, candidates);
  return best === null ? '' : ` (did you mean ${best}?)`;
}
