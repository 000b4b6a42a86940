/** Edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known names closest to `input` (case-insensitive), best first; empty when none is close. */
export function closestNames(input: string, known: Iterable<string>, max = 3): string[] {
  const needle = input.toLowerCase();
  const scored = [...new Set(known)]
    .map((name) => {
      const hay = name.toLowerCase();
      const contains = hay.includes(needle) || needle.includes(hay);
      return { name, score: contains ? Math.min(editDistance(needle, hay), 2) : editDistance(needle, hay) };
    })
    .filter((entry) => entry.score <= Math.max(2, Math.floor(Math.max(needle.length, entry.name.length) / 3)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((entry) => entry.name);
}

/**
 * A " (did you mean x?)" suffix for an unknown name, or "" when nothing is close. `known` maps
 * every accepted name (ids and aliases) to the id to suggest, so aliases of one thing suggest it once.
 */
export function didYouMean(input: string, known: Iterable<string> | Map<string, string>): string {
  const ids = known instanceof Map ? known : new Map([...known].map((name) => [name, name]));
  const suggested = [...new Set(closestNames(input, ids.keys(), 10).map((name) => ids.get(name)!))].slice(0, 3);
  return suggested.length === 0 ? '' : ` (did you mean ${suggested.map((n) => `"${n}"`).join(' or ')}?)`;
}
