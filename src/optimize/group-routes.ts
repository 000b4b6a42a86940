import type { Candidate } from './candidates.js';
import type { Slice } from '../workload/slices.js';

/** Slices the MILP routes as one: every candidate takes the same share of each of them. */
export interface SliceGroup {
  /** Indexes into the slice list. */
  members: number[];
}

/** Largest spread of log load ratios between two routes merged into one group (≈ 5%). */
const MERGE_SPREAD = 0.05;

/**
 * Groups the slices the MILP routes together. The unit is a route (a class and a prompt-length
 * range: what a router sees), so the slices of one route — its answer lengths — always share
 * their pools. Routes whose loads are (nearly) proportional across the candidates that can serve
 * them want the same mix of instances, so routing them together costs (almost) nothing and the
 * MILP gets smaller. A group is served only by candidates that serve all its members, and
 * routing a group as one is always feasible (never optimistic).
 */
export function groupRoutes(slices: Slice[], candidates: Candidate[], maxSpread = MERGE_SPREAD): SliceGroup[] {
  const byRoute = new Map<string, number[]>();
  slices.forEach((s, i) => byRoute.set(s.route, [...(byRoute.get(s.route) ?? []), i]));
  // Per route and candidate: instances it needs to serve the whole route (0: it cannot serve it all).
  const groups = [...byRoute.values()].map((members) => {
    const profile = candidates.map((c) => {
      let load = 0;
      for (const s of members) {
        const rate = c.capacity.get(slices[s].id)?.ratePerSecond ?? 0;
        if (rate <= 0) return 0;
        load += slices[s].ratePerSecond / rate;
      }
      return load;
    });
    return { members, profile, servers: profile.map((r) => (r > 0 ? '1' : '0')).join('') };
  });
  const spread = (a: number[], b: number[]) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      if (a[i] === 0) continue;
      const d = Math.log(a[i] / b[i]);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    return hi - lo;
  };
  const merged = groups.map((g) => ({ members: g.members, profiles: [g.profile], servers: g.servers }));
  const groupSpread = (g: number[][], h: number[][]) => Math.max(...g.flatMap((a) => h.map((b) => spread(a, b))));
  for (;;) {
    let best: { i: number; j: number; d: number } | undefined;
    for (let i = 0; i < merged.length; i++) {
      for (let j = i + 1; j < merged.length; j++) {
        if (merged[i].servers !== merged[j].servers || !merged[i].servers.includes('1')) continue;
        const d = groupSpread(merged[i].profiles, merged[j].profiles);
        if (d <= maxSpread && (!best || d < best.d)) best = { i, j, d };
      }
    }
    if (!best) break;
    merged[best.i].members.push(...merged[best.j].members);
    merged[best.i].profiles.push(...merged[best.j].profiles);
    merged.splice(best.j, 1);
  }
  return merged.map((g) => ({ members: [...g.members].sort((a, b) => a - b) }));
}
