/** Linear-interpolated percentile (0–100) of values already sorted ascending (NaN when empty). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** Linear-interpolated percentile (0–100) of a list. */
export function percentile(values: number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}
