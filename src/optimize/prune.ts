import type { Candidate } from './candidates.js';
import { machineShapes } from './machines.js';

/** What pruning must respect besides cost: limits that make a cheaper type unavailable. */
export interface PruneContext {
  /** GPU types whose count is limited (their candidates may run out). */
  limitedTypes: Set<string>;
  /** A power cap makes watts per request a second cost. */
  powerCapped: boolean;
  loadFactor: number;
}

/** Capacity of a candidate for a slice (0 when it cannot serve it). */
function rate(c: Candidate, sliceId: string): number {
  return c.capacity.get(sliceId)?.ratePerSecond ?? 0;
}

/**
 * Whether `a` is at least as good as `b` for every slice: same role and pairing class, no more GPUs per instance
 * (so rounding up never favours b), no higher cost — and power, when capped — per unit of
 * capacity on any slice b serves. Across GPU types only when a's type is not limited.
 */
function dominates(a: Candidate, b: Candidate, sliceIds: string[], context: PruneContext): boolean {
  if (a.role !== b.role || a.pairClass !== b.pairClass || a.gpus > b.gpus || a.costPerHour > b.costPerHour) return false;
  if (a.gpu.id !== b.gpu.id && context.limitedTypes.has(a.gpu.id)) return false;
  // An offering rented by the machine costs its share of a machine only when the machine is full:
  // against another type's instance its real price may be a whole machine.
  if (a.gpu.id !== b.gpu.id && machineShapes(a.gpu)) return false;
  if (context.powerCapped && a.powerWatts > b.powerWatts) return false;
  for (const s of sliceIds) {
    const rb = rate(b, s);
    if (rb === 0) continue;
    const ra = rate(a, s);
    if (ra === 0 || a.costPerHour / ra > b.costPerHour / rb) return false;
    if (context.powerCapped && a.powerWatts / ra > b.powerWatts / rb) return false;
  }
  return true;
}

/**
 * Drops candidates another one dominates (and those that serve no slice). Ties keep the one
 * that sorts first by id, so the result is deterministic.
 */
export function pruneDominated(candidates: Candidate[], sliceIds: string[], context: PruneContext): Candidate[] {
  const useful = candidates.filter((c) => c.capacity.size > 0).sort((x, y) => x.id.localeCompare(y.id));
  return useful.filter(
    (b, j) => !useful.some((a, i) => i !== j && dominates(a, b, sliceIds, context) && (!dominates(b, a, sliceIds, context) || i < j)),
  );
}
