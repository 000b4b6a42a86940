import type { Candidate } from './candidates.js';
import type { Slice } from '../workload/slices.js';

/** Slices the MILP routes as one: every candidate takes the same share of each of them. */
export interface SliceGroup {
  /** Indexes into the slice list. */
  members: number[];
}

/** Largest spread of log capacity ratios between two slices merged into one group (≈ 5%). */
const MERGE_SPREAD = 0.05;

/**
 * Groups slices whose capacities are (nearly) proportional across the candidates that can serve
 * them: such slices want the same mix of instances, so routing them together costs (almost)
 * nothing and the MILP gets smaller. A group is served only by candidates that serve all its
 * members, and routing a group as one is always feasible (never optimistic).
 */
export function groupSlices(slices: Slice[], candidates: Candidate[], maxSpread = MERGE_SPREAD): SliceGroup[] {
  const profile = slices.map((slice) => candidates.map((c) => c.capacity.get(slice.id)?.ratePerSecond ?? 0));
  const groups: Array<{ members: number[]; servers: string }> = slices.map((_, s) => ({
    members: [s],
    servers: profile[s].map((r) => (r > 0 ? '1' : '0')).join(''),
  }));
  const spread = (a: number, b: number) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      if (profile[a][i] === 0) continue;
      const d = Math.log(profile[a][i] / profile[b][i]);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    return hi - lo;
  };
  const groupSpread = (g: number[], h: number[]) => Math.max(...g.flatMap((a) => h.map((b) => spread(a, b))));
  for (;;) {
    let best: { i: number; j: number; d: number } | undefined;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (groups[i].servers !== groups[j].servers || groups[i].members[0] === undefined) continue;
        const d = groupSpread(groups[i].members, groups[j].members);
        if (d <= maxSpread && (!best || d < best.d)) best = { i, j, d };
      }
    }
    if (!best) break;
    groups[best.i].members.push(...groups[best.j].members);
    groups.splice(best.j, 1);
  }
  return groups.map((g) => ({ members: [...g.members].sort((a, b) => a - b) }));
}
