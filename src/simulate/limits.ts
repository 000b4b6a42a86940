import type { Plan } from '../plan/plan.js';
import { MAX_SIMULATED_REQUESTS } from './duration.js';
import { grouped } from '../text/digits.js';

/**
 * Most instances one simulation runs, over all pools (each is state the engine keeps and scans
 * when it routes a request): ten thousand instances are a fleet of 10,000–640,000 GPUs.
 */
export const MAX_SIMULATED_INSTANCES = 10_000;

/** Why a plan is too large to simulate (its instances in service past {@link MAX_SIMULATED_INSTANCES}), or undefined. */
export function instancesExcess(plan: Pick<Plan, 'pools'>, down: ReadonlyMap<string, number> = new Map()): string | undefined {
  // A DP-attention instance runs one scheduler per rank: each is simulated as an engine.
  const instances = plan.pools.reduce((sum, p) => sum + Math.max(0, p.count - (down.get(p.id) ?? 0)) * (p.dp ?? 1), 0);
  if (instances <= MAX_SIMULATED_INSTANCES) return undefined;
  return `the plan has ${grouped(instances)} instances to simulate, over the limit of ${grouped(MAX_SIMULATED_INSTANCES)} instances in a simulation (plan and check fleets this large with --no-verify)`;
}

/**
 * Why a run of `seconds` at `ratePerSecond` draws too many arrivals (past
 * {@link MAX_SIMULATED_REQUESTS}: each is simulated time, though none is kept), with the longest run that fits —
 * or undefined.
 */
export function requestsExcess(ratePerSecond: number, seconds: number): string | undefined {
  const arrivals = ratePerSecond * seconds;
  if (!(arrivals > MAX_SIMULATED_REQUESTS * (1 + 1e-9))) return undefined;
  const longest = Math.floor(MAX_SIMULATED_REQUESTS / ratePerSecond);
  return `${seconds} s at ${Number(ratePerSecond.toPrecision(4))} requests/s is about ${grouped(Math.round(arrivals))} arrivals, over the limit of ${grouped(MAX_SIMULATED_REQUESTS)} simulated requests; give at most ${grouped(longest)} s`;
}
