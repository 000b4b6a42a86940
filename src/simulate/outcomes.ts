import { round6 } from '../plan/round.js';
import type { SloTargets } from '../input/types.js';
import type { RequestOutcome } from './engine.js';
import { LatencySummary } from './latency-summary.js';

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

function percentiles(summary: LatencySummary): LatencyPercentiles {
  const at = (p: number) => (summary.count === 0 ? null : round6(summary.percentile(p) * 1000));
  return { p50: at(50), p90: at(90), p95: at(95), p99: at(99) };
}

/** Attainment of one target: finished requests within it over all measured ones (unfinished count as misses). */
function sloOutcome(summary: LatencySummary, unfinished: number, metric: SloOutcome['metric'], target: { maxSeconds: number; percentile: number }): SloOutcome {
  const total = summary.count + unfinished;
  const met = summary.within;
  // The latency at the percentile, with the unfinished requests as the slowest.
  const rank = Math.ceil((target.percentile / 100) * total) - 1;
  const atPercentile = total === 0 || rank >= summary.count ? null : round6(summary.orderStatistic(Math.max(0, rank)) * 1000);
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

/** A group of requests measured as they finish: how many, and per metric a summary that counts those within the group's SLO target. */
export interface MeasuredGroup {
  requests: number;
  slo: SloTargets | undefined;
  latency: Record<(typeof METRICS)[number], LatencySummary>;
}

/** An empty group whose SLO targets (if any) are counted as requests are measured. */
export function measuredGroup(slo: SloTargets | undefined): MeasuredGroup {
  const summary = (metric: (typeof METRICS)[number]) => new LatencySummary(slo?.[metric]?.maxSeconds);
  return { requests: 0, slo, latency: { ttft: summary('ttft'), tpot: summary('tpot'), e2e: summary('e2e') } };
}

/** Counts one finished request in a group. */
export function measure(group: MeasuredGroup, outcome: RequestOutcome): void {
  group.requests++;
  group.latency.ttft.add(outcome.ttft);
  if (outcome.tpot !== undefined) group.latency.tpot.add(outcome.tpot);
  group.latency.e2e.add(outcome.e2e);
}

/** Percentiles and SLO attainment of a measured group of requests (SLOs only where the group has them). */
export function groupOutcome(group: MeasuredGroup, unfinished: number): GroupOutcome {
  const slos: SloOutcome[] = [];
  for (const metric of METRICS) {
    const target = group.slo?.[metric];
    if (target) slos.push(sloOutcome(group.latency[metric], unfinished, metric, target));
  }
  return {
    requests: group.requests,
    unfinished,
    ttftMs: percentiles(group.latency.ttft),
    tpotMs: percentiles(group.latency.tpot),
    e2eMs: percentiles(group.latency.e2e),
    slos,
  };
}
