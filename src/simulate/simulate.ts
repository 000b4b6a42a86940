import { round6 } from '../plan/assemble.js';
import type { Plan, PlanLatency } from '../plan/plan.js';
import type { Catalog, ServiceSpec } from '../spec/types.js';
import { runEngine } from './engine.js';
import type { RequestOutcome, SimPool, SimRoute } from './engine.js';
import { groupOutcome } from './outcomes.js';
import type { GroupOutcome } from './outcomes.js';
import { sliceFinder, syntheticArrivals } from './requests.js';
import type { Arrival } from './requests.js';
import { createRng } from './rng.js';
import { instanceTiming } from './timing.js';

/** Version of the simulation JSON; a breaking change bumps it. */
export const SIMULATION_VERSION = 1;

/** How to run a simulation. */
export interface SimulationOptions {
  /** Simulated seconds of arrivals (a replayed trace may end sooner). */
  durationSeconds: number;
  seed: number;
  /** Arrivals before this are not measured (default: a tenth of the run, at most a minute). */
  warmupSeconds?: number;
  /** Recorded arrivals to replay, in time order (a trace); default: drawn from the spec. */
  replay?: { arrivals: Iterable<Arrival>; name: string };
}

/** What a simulation of a plan measured (the JSON of `planner simulate`). */
export interface SimulationReport {
  version: typeof SIMULATION_VERSION;
  plan: { name: string | null; model: string; costPerHourUsd: number; instances: number };
  arrivals: { source: 'poisson' | 'bursty' | 'trace'; cv: number | null; trace: string | null; requests: number; ratePerSecond: number };
  seed: number;
  durationSeconds: number;
  warmupSeconds: number;
  overall: GroupOutcome;
  classes: Array<GroupOutcome & { name: string }>;
  slices: Array<GroupOutcome & { id: string; class: string; ratePerSecond: number; predicted: PlanLatency }>;
  pools: Array<{ id: string; gpu: string; role: string; count: number; utilization: number; meanQueue: number; maxQueue: number }>;
  /** Every class meets every SLO at its percentile. */
  holds: boolean;
  notes: string[];
}

/** Why a plan cannot be simulated against a spec and catalog (empty: it can). */
export function planMismatches(plan: Plan, spec: ServiceSpec, catalog: Catalog): string[] {
  const problems: string[] = [];
  if (plan.model !== spec.model.id) problems.push(`the plan is for model ${plan.model}, the spec names ${spec.model.id}`);
  if (plan.precision.weights !== spec.precision.weights || plan.precision.kvCache !== spec.precision.kvCache) {
    problems.push(`the plan uses ${plan.precision.weights} weights and a ${plan.precision.kvCache} KV cache, the spec ${spec.precision.weights} and ${spec.precision.kvCache}`);
  }
  if (!catalog.engines[plan.engine]) problems.push(`the plan's engine ${plan.engine} is not in the catalog`);
  for (const gpu of new Set(plan.pools.map((p) => p.gpu))) if (!catalog.gpus[gpu]) problems.push(`the plan's GPU ${gpu} is not in the catalog`);
  const planned = new Set(plan.workload.slices.map((s) => s.class));
  const specified = new Set(spec.classes.map((c) => c.name));
  for (const name of specified) if (!planned.has(name)) problems.push(`the spec's class ${name} is not in the plan`);
  for (const name of planned) if (!specified.has(name)) problems.push(`the plan's class ${name} is not in the spec`);
  const sliceIds = new Set(plan.workload.slices.map((s) => s.id));
  for (const pool of plan.pools) {
    for (const s of pool.slices) if (!sliceIds.has(s.slice)) problems.push(`pool ${pool.id} serves slice ${s.slice}, which the plan does not list`);
  }
  // Every slice needs somewhere to prefill, and a decode pool for what prefill-only pools take.
  for (const slice of plan.workload.slices) {
    const shares = (roles: string[]) => plan.pools.filter((p) => roles.includes(p.role)).reduce((sum, p) => sum + (p.slices.find((s) => s.slice === slice.id)?.share ?? 0), 0);
    if (!(shares(['colocated', 'prefill']) > 0)) problems.push(`no pool of the plan takes the prompts of slice ${slice.id}`);
    if (shares(['prefill']) > 0 && !(shares(['decode']) > 0)) problems.push(`slice ${slice.id} has prefill-only pools but no decode pool`);
  }
  return problems;
}

/** The simulator's pools: one per plan pool, timed by the performance model for the slices it serves. */
function simPools(plan: Plan, spec: ServiceSpec, catalog: Catalog): SimPool[] {
  const engine = catalog.engines[plan.engine];
  const slices = new Map(plan.workload.slices.map((s) => [s.id, s]));
  return plan.pools.map((p) => {
    const served = p.slices.map((s) => slices.get(s.slice)!);
    const deployment = { model: spec.model, gpu: catalog.gpus[p.gpu], tp: p.tp, pp: p.pp, ep: 1, weights: spec.precision.weights, kvCache: spec.precision.kvCache };
    const contexts = served.map((s) => s.inputTokens + s.outputTokens / 2);
    const longestPrompt = Math.max(1, ...served.map((s) => s.inputRange[1]));
    return { id: p.id, role: p.role, instances: p.count, timing: instanceTiming(deployment, engine, contexts, longestPrompt) };
  });
}

/** Per slice: the pools that take its prompts and its decoding, with the plan's shares. */
function simRoutes(plan: Plan): SimRoute[] {
  const index = new Map(plan.workload.slices.map((s, i) => [s.id, i]));
  const routes: SimRoute[] = plan.workload.slices.map(() => ({ prefillSide: [], decodeOnly: [] }));
  plan.pools.forEach((pool, p) => {
    for (const s of pool.slices) {
      if (s.share <= 0) continue;
      const route = routes[index.get(s.slice)!];
      (pool.role === 'decode' ? route.decodeOnly : route.prefillSide).push({ pool: p, share: s.share });
    }
  });
  return routes;
}

/** Wraps arrivals to count them and note the last one's time. */
function counted(arrivals: Iterable<Arrival>): { iterator: Iterator<Arrival>; seen: { count: number; last: number } } {
  const seen = { count: 0, last: 0 };
  const source = arrivals[Symbol.iterator]();
  return {
    seen,
    iterator: {
      next() {
        const step = source.next();
        if (!step.done) {
          seen.count++;
          seen.last = step.value.arrival;
        }
        return step;
      },
    },
  };
}

/**
 * Replays a spec's arrivals — drawn (Poisson, or bursty gamma gaps of the spec's cv) or a
 * recorded trace — through a plan's pools with the discrete-event engine, and reports per slice,
 * per class and overall latency percentiles, SLO attainment, and each pool's utilisation and
 * queues. The same plan, spec, options and seed give the same report.
 */
export function simulatePlan(plan: Plan, spec: ServiceSpec, catalog: Catalog, options: SimulationOptions): SimulationReport {
  const duration = options.durationSeconds;
  const warmup = options.warmupSeconds ?? Math.min(60, duration / 10);
  const pools = simPools(plan, spec, catalog);
  const routes = simRoutes(plan);
  const routed = plan.workload.slices.map((s, i) => ({ s, i })).filter((x) => routes[x.i].prefillSide.length > 0);
  const bounds = routed.map(({ s }) => ({ className: s.class, inputTokens: s.inputTokens, outputTokens: s.outputTokens, inputRange: s.inputRange, outputRange: s.outputRange }));
  const find = sliceFinder(bounds, spec.classes);
  const arrivalRng = createRng(options.seed);
  const routingRng = createRng(options.seed ^ 0x5bd1e995);
  const { iterator, seen } = counted(options.replay?.arrivals ?? syntheticArrivals(spec, arrivalRng, duration));
  const result = runEngine(pools, routes, iterator, (a) => routed[find(a)].i, routingRng, { durationSeconds: duration, warmupSeconds: warmup });

  const bySlice = routes.map((): RequestOutcome[] => []);
  for (const o of result.outcomes) bySlice[o.slice].push(o);
  const classOf = new Map(spec.classes.map((c) => [c.name, c]));
  const slices = plan.workload.slices.map((s, i) => ({
    id: s.id,
    class: s.class,
    ratePerSecond: s.ratePerSecond,
    predicted: s.predicted,
    ...groupOutcome(bySlice[i], result.unfinished[i], classOf.get(s.class)?.slo),
  }));
  const classes = spec.classes.map((c) => {
    const members = plan.workload.slices.flatMap((s, i) => (s.class === c.name ? [i] : []));
    return {
      name: c.name,
      ...groupOutcome(
        members.flatMap((i) => bySlice[i]),
        members.reduce((sum, i) => sum + result.unfinished[i], 0),
        c.slo,
      ),
    };
  });
  const unfinished = result.unfinished.reduce((a, b) => a + b, 0);
  const span = options.replay ? Math.min(duration, seen.last) : duration;
  const notes: string[] = [];
  const measured = plan.pools.filter((p) => p.binding === 'measured').map((p) => p.id);
  if (measured.length > 0) notes.push(`capacities of ${measured.join(', ')} came from measurements; the simulation times them with the performance model`);
  if (unfinished > 0) notes.push(`${unfinished} measured requests were still unfinished when the run stopped draining; they count as SLO misses`);
  return {
    version: SIMULATION_VERSION,
    plan: { name: plan.name, model: plan.model, costPerHourUsd: plan.totals.costPerHour, instances: plan.totals.instances },
    arrivals: {
      source: options.replay ? 'trace' : spec.arrivalCv === 1 ? 'poisson' : 'bursty',
      cv: options.replay ? null : round6(spec.arrivalCv),
      trace: options.replay?.name ?? null,
      requests: seen.count,
      ratePerSecond: round6(span > 0 ? seen.count / span : 0),
    },
    seed: options.seed,
    durationSeconds: round6(span),
    warmupSeconds: round6(warmup),
    overall: groupOutcome(result.outcomes, unfinished, spec.classes.length === 1 ? spec.classes[0].slo : undefined),
    classes,
    slices,
    pools: plan.pools.map((p, i) => ({
      id: p.id,
      gpu: p.gpu,
      role: p.role,
      count: p.count,
      utilization: round6(result.pools[i].utilization),
      meanQueue: round6(result.pools[i].meanQueue),
      maxQueue: result.pools[i].maxQueue,
    })),
    holds: classes.every((c) => c.slos.every((s) => s.holds)),
    notes,
  };
}
