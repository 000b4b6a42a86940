import type { ServiceSpec } from '../input/types.js';

/** Requests past warm-up a class needs so its tightest percentile is measured: 200 / (1 − p), about 200 misses allowed. */
export function requestsForPercentile(percentile: number): number {
  return Math.ceil(200 / (1 - percentile / 100));
}

/**
 * Fewest requests past warm-up that measure a class at its tightest percentile p at all: 100 /
 * (100 − p), so that at least one request lies at or beyond the percentile (10 for p90, 100 for
 * p99). A simulation with fewer certifies nothing: it is not verified.
 */
export function minimumMeasured(percentile: number): number {
  return Math.max(1, Math.ceil(100 / (100 - percentile) - 1e-9));
}

/** The shortest run planner simulates (below it queues have not settled), and the longest. */
export const MIN_SIMULATED_SECONDS = 600;
export const MAX_SIMULATED_SECONDS = 86_400;
/** Most requests a sized run draws (a high rate shortens the run rather than simulating millions). */
export const MAX_SIMULATED_REQUESTS = 1_000_000;

/** Arrivals before this are not measured: a tenth of the run, at most a minute. */
export function warmupFor(durationSeconds: number): number {
  return Math.min(60, durationSeconds / 10);
}

/**
 * How long to simulate a spec: at least 600 s, and long enough that every class has
 * {@link requestsForPercentile} requests past the warm-up for its tightest SLO percentile (a
 * p99 target at 0.5 req/s needs hours, not ten minutes), within a day and a million
 * requests — `short` names the classes those limits leave short.
 */
export function sizedDuration(spec: ServiceSpec): { seconds: number; short: string[] } {
  const need = spec.classes.map((c) => {
    const percentiles = [c.slo.ttft, c.slo.tpot, c.slo.e2e].filter((t) => t !== undefined).map((t) => t!.percentile);
    const requests = requestsForPercentile(Math.max(50, ...percentiles));
    return { name: c.name, requests, seconds: requests / c.ratePerSecond };
  });
  const measured = Math.max(...need.map((n) => n.seconds));
  // Past a minute of warm-up (the warm-up is a tenth of runs under ten minutes).
  const wanted = Math.max(MIN_SIMULATED_SECONDS, measured + 60);
  const cap = Math.min(MAX_SIMULATED_SECONDS, MAX_SIMULATED_REQUESTS / spec.totalRatePerSecond);
  const seconds = Math.max(1, Math.min(wanted, cap));
  const past = seconds - warmupFor(seconds);
  return { seconds, short: need.filter((n) => n.seconds > past * (1 + 1e-9)).map((n) => n.name) };
}
