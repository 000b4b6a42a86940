import { round6 } from '../plan/round.js';
import type { SloTargets } from '../spec/types.js';
import { percentileOfSorted } from '../workload/percentile.js';
import type { RequestOutcome } from './engine.js';

/** Simulated latency percentiles in milliseconds (null: no request measured). */
export interface LatencyPercentiles {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

/** The percentile column of a latency summary nearest to p (p50, p90, p95 or p99). */
export function atPercentile(latency: LatencyPercentiles, p: number): number | null {
  const keys = [50, 90, 95, 99] as const;
  const nearest = keys.reduce((best, k) => (Math.abs(k - p) < Math.abs(best - p) ? k : best));
  return latency[`p${nearest}`];
}

/** How a simulated group of requests fared against one SLO. */
export interface SloOutcome {
  metric: 'ttft' | 'tpot' | 'e2e';
  targetMs: number;
  percentile: number;
  /** Share of the requests within the target, in percent (unfinished ones count as misses; null: none measured). */
  attainmentPercent: number | null;
  /** The simulated latency at the SLO's percentile (null: none measured, or it falls among unfinished requests). */
  atPercentileMs: number | null;
  holds: boolean;
}

/** What a group of simulated requests (a slice, a class, all) measured. */
export interface GroupOutcome {
  requests: number;
  unfinished: number;
  ttftMs: LatencyPercentiles;
  tpotMs: LatencyPercentiles;
  e2eMs: LatencyPercentiles;
  slos: SloOutcome[];
}

const METRICS = ['ttft', 'tpot', 'e2e'] as const;

function sortedMetric(outcomes: RequestOutcome[], metric: (typeof METRICS)[number]): Float64Array {
  const values = outcomes.map((o) => o[metric]).filter((v): v is number => v !== undefined);
  return Float64Array.from(values).sort();
}

function percentiles(sorted: Float64Array): LatencyPercentiles {
  const at = (p: number) => (sorted.length === 0 ? null : round6(percentileOfSorted(sorted, p) * 1000));
  return { p50: at(50), p90: at(90), p95: at(95), p99: at(99) };
}

/** Attainment of one target: finished requests within it over all measured ones (unfinished count as misses). */
function sloOutcome(sorted: Float64Array, unfinished: number, metric: SloOutcome['metric'], target: { maxSeconds: number; percentile: number }): SloOutcome {
  const total = sorted.length + unfinished;
  let met = 0;
  while (met < sorted.length && sorted[met] <= target.maxSeconds) met++;
  // The latency at the percentile, with the unfinished requests as the slowest.
  const rank = Math.ceil((target.percentile / 100) * total) - 1;
  const atPercentile = total === 0 || rank >= sorted.length ? null : round6(sorted[Math.max(0, rank)] * 1000);
  const attainment = total === 0 ? null : (met / total) * 100;
  return {
    metric,
    targetMs: round6(target.maxSeconds * 1000),
    percentile: target.percentile,
    attainmentPercent: attainment === null ? null : round6(attainment),
    atPercentileMs: atPercentile,
    holds: attainment === null || attainment >= target.percentile - 1e-9,
  };
}

/** A group of requests with its latencies sorted per metric. */
export interface SortedGroup {
  requests: number;
  sorted: Record<(typeof METRICS)[number], Float64Array>;
}

/**
 * Sorts the latencies of `groupCount` groups of requests (`groupsOf` names the groups a request
 * belongs to) in one pass over the requests: each group's values are copied into a typed array of
 * their own and sorted natively, instead of each group mapping, filtering and copying the list.
 */
export function sortedGroups(outcomes: RequestOutcome[], groupCount: number, groupsOf: (o: RequestOutcome) => number[]): SortedGroup[] {
  const members = outcomes.map(groupsOf);
  const groups: SortedGroup[] = Array.from({ length: groupCount }, () => ({ requests: 0, sorted: {} as SortedGroup['sorted'] }));
  for (const m of members) for (const g of m) groups[g].requests++;
  for (const metric of METRICS) {
    const counts = new Array<number>(groupCount).fill(0);
    outcomes.forEach((o, i) => {
      if (o[metric] !== undefined) for (const g of members[i]) counts[g]++;
    });
    const arrays = counts.map((n) => new Float64Array(n));
    const filled = new Array<number>(groupCount).fill(0);
    outcomes.forEach((o, i) => {
      const v = o[metric];
      if (v !== undefined) for (const g of members[i]) arrays[g][filled[g]++] = v;
    });
    arrays.forEach((a, g) => (groups[g].sorted[metric] = a.sort()));
  }
  return groups;
}

/** Percentiles and SLO attainment of a sorted group of requests (SLOs only where `slo` is given). */
export function sortedGroupOutcome(group: SortedGroup, unfinished: number, slo: SloTargets | undefined): GroupOutcome {
  const slos: SloOutcome[] = [];
  for (const metric of METRICS) {
    const target = slo?.[metric];
    if (target) slos.push(sloOutcome(group.sorted[metric], unfinished, metric, target));
  }
  return {
    requests: group.requests,
    unfinished,
    ttftMs: percentiles(group.sorted.ttft),
    tpotMs: percentiles(group.sorted.tpot),
    e2eMs: percentiles(group.sorted.e2e),
    slos,
  };
}

/** Percentiles and SLO attainment of a group of requests (SLOs only where `slo` is given). */
export function groupOutcome(outcomes: RequestOutcome[], unfinished: number, slo: SloTargets | undefined): GroupOutcome {
  const sorted = Object.fromEntries(METRICS.map((m) => [m, sortedMetric(outcomes, m)])) as SortedGroup['sorted'];
  return sortedGroupOutcome({ requests: outcomes.length, sorted }, unfinished, slo);
}
