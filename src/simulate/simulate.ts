import { round6 } from '../plan/round.js';
import type { Plan, PlanLatency } from '../plan/plan.js';
import type { Catalog, GpuSpec, ServiceSpec, SloTargets } from '../input/types.js';
import { runEngine } from './engine.js';
import type { RequestOutcome, SimPool, SimRoute } from './engine.js';
import { groupOutcome, measure, measuredGroup } from './outcomes.js';
import type { GroupOutcome, LatencyPercentiles, MeasuredGroup, SloOutcome } from './outcomes.js';
import { routeFinder, sliceFinder, syntheticArrivals } from './requests.js';
import type { Arrival } from './requests.js';
import { createRng } from './rng.js';
import { withReuseDraws } from './prefix-draws.js';
import { instanceTiming } from './timing.js';
import { minimumMeasured, requestsForPercentile, warmupFor } from './duration.js';
import { instancesExcess, requestsExcess } from './limits.js';
import { InputError } from '../input/issues.js';
import { isNodeLocal, kvTransferSeconds } from '../perf/transfer.js';
import { instanceGpus, shapeProblems } from '../perf/deployment.js';
import type { Deployment } from '../perf/deployment.js';
import { memoryPlan } from '../perf/memory.js';
import { asLaunched } from '../perf/cuda-graphs.js';
import { speculativeMismatch } from './speculative-mismatch.js';

/** Version of the simulation JSON; a breaking change bumps it. */
export const SIMULATION_VERSION = 2;

/** How to run a simulation. */
export interface SimulationOptions {
  /** Simulated seconds of arrivals (a replayed trace may end sooner). */
  durationSeconds: number;
  seed: number;
  /** Arrivals before this are not measured (default: a tenth of the run, at most a minute). */
  warmupSeconds?: number;
  /** Recorded arrivals to replay, in time order (a trace); default: drawn from the spec. */
  replay?: { arrivals: Iterable<Arrival>; name: string };
  /** Instances taken out of service for the run, by pool id (what `--down POOL=N` checks). */
  down?: ReadonlyMap<string, number>;
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
  pools: Array<{
    id: string;
    gpu: string;
    role: string;
    count: number;
    /** Instances taken out of service for the run. */
    down: number;
    utilization: number;
    meanQueue: number;
    maxQueue: number;
    /** Sequences evicted for KV room and recomputed, and requests refused as longer than the pool's max model length. */
    preemptions: number;
    rejected: number;
    /** TTFT of the requests it prefilled and TPOT of those it decoded (null for the side it does not run). */
    ttftMs: LatencyPercentiles | null;
    tpotMs: LatencyPercentiles | null;
    /** Per class it serves, the SLOs its side of the work decides (TTFT where it prefills, TPOT where it decodes, E2E on both), on its requests alone. */
    classes: PoolClassOutcome[];
  }>;
  /** Every class meets every SLO at its percentile. */
  holds: boolean;
  notes: string[];
}

/** How one class's requests fared in one pool, on the SLOs the pool's role decides. */
export interface PoolClassOutcome {
  name: string;
  requests: number;
  slos: SloOutcome[];
}

/** The SLO metrics a pool of this role decides: what it prefills sets TTFT, what it decodes TPOT, and both the E2E. */
function poolMetrics(role: string): ReadonlyArray<SloOutcome['metric']> {
  if (role === 'prefill') return ['ttft', 'e2e'];
  if (role === 'decode') return ['tpot', 'e2e'];
  return ['ttft', 'tpot', 'e2e'];
}

/** Per class, the attainment of the requests a pool prefilled or decoded (unfinished requests have no pool and are left to the class's own figures). */
function poolClassOutcomes(role: string, groups: MeasuredGroup[], classes: ServiceSpec['classes']): PoolClassOutcome[] {
  const metrics = poolMetrics(role);
  return classes.flatMap((c, k) => {
    if (groups[k].requests === 0) return [];
    const outcome = groupOutcome(groups[k], 0);
    return [{ name: c.name, requests: groups[k].requests, slos: outcome.slos.filter((x) => metrics.includes(x.metric)) }];
  });
}

/**
 * The groups a simulation reports on, and which a request belongs to: its slice, its class, all
 * requests, the pool that prefilled it and the one that decoded it, and its class on each pool —
 * with the SLO targets each group's attainment is counted against.
 */
function reportGroups(plan: Plan, spec: ServiceSpec) {
  const S = plan.workload.slices.length;
  const C = spec.classes.length;
  const P = plan.pools.length;
  const classIndex = new Map(spec.classes.map((c, k) => [c.name, k]));
  const classOfSlice = plan.workload.slices.map((s) => classIndex.get(s.class) ?? 0);
  const at = {
    slice: (s: number) => s,
    class: (k: number) => S + k,
    overall: S + C,
    prefilledBy: (i: number) => S + C + 1 + i,
    decodedBy: (i: number) => S + C + 1 + P + i,
    poolClass: (i: number, k: number) => S + C + 1 + 2 * P + i * C + k,
  };
  const of = (o: RequestOutcome) => {
    const k = classOfSlice[o.slice];
    const groups = [at.slice(o.slice), at.class(k), at.overall, at.prefilledBy(o.pool), at.decodedBy(o.decodePool), at.poolClass(o.pool, k)];
    if (o.decodePool !== o.pool) groups.push(at.poolClass(o.decodePool, k));
    return groups;
  };
  const slos: Array<SloTargets | undefined> = [
    ...plan.workload.slices.map((s) => spec.classes.find((c) => c.name === s.class)?.slo),
    ...spec.classes.map((c) => c.slo),
    C === 1 ? spec.classes[0].slo : undefined,
    ...new Array<undefined>(2 * P).fill(undefined),
    ...plan.pools.flatMap(() => spec.classes.map((c) => c.slo)),
  ];
  return { count: S + C + 1 + 2 * P + P * C, at, of, slos };
}

/** A plan pool's instance as the performance model sees it: the spec's model, precision and drafting on the pool's GPUs and shape. */
function poolDeployment(spec: ServiceSpec, gpu: GpuSpec, pool: Plan['pools'][number]): Deployment {
  return { model: spec.model, gpu, tp: pool.tp, pp: pool.pp, ep: pool.ep ?? 1, ...((pool.dp ?? 1) > 1 ? { dp: pool.dp } : {}), weights: spec.precision.weights, kvCache: spec.precision.kvCache, ...(spec.speculative ? { speculative: spec.speculative } : {}) };
}

/** Why a plan cannot be simulated against a spec and catalog (empty: it can). */
export function planMismatches(plan: Plan, spec: ServiceSpec, catalog: Catalog): string[] {
  const problems: string[] = [];
  if (plan.model !== spec.model.id) problems.push(`the plan is for model ${plan.model}, the spec names ${spec.model.id}`);
  if (plan.precision.weights !== spec.precision.weights || plan.precision.kvCache !== spec.precision.kvCache) {
    problems.push(`the plan uses ${plan.precision.weights} weights and a ${plan.precision.kvCache} KV cache, the spec ${spec.precision.weights} and ${spec.precision.kvCache}`);
  }
  const speculative = speculativeMismatch(plan.speculative, spec.speculative);
  if (speculative) problems.push(speculative);
  if (!catalog.engines[plan.engine]) problems.push(`the plan's engine ${plan.engine} is not in the catalog`);
  for (const gpu of new Set(plan.pools.map((p) => p.gpu))) if (!catalog.gpus[gpu]) problems.push(`the plan's GPU ${gpu} is not in the catalog`);
  // Shapes the planner's own candidates could never have: a hand-edited (or tampered) plan.
  plan.pools.forEach((pool, i) => {
    const gpu = catalog.gpus[pool.gpu];
    if (!gpu) return;
    const deployment = poolDeployment(spec, gpu, pool);
    const shape = shapeProblems(deployment);
    const where = `pools[${i}] (pool ${pool.id}): tp ${pool.tp}, pp ${pool.pp}${(pool.dp ?? 1) > 1 ? `, dp ${pool.dp}` : ''}`;
    for (const problem of shape) problems.push(`${where}: ${problem}`);
    if (shape.length === 0 && pool.binding !== 'measured' && !memoryPlan(deployment, 1).fits) problems.push(`${where}: ${spec.model.id} does not fit in the memory of ${instanceGpus(deployment)} ${gpu.id}`);
  });
  const planned = new Set(plan.workload.slices.map((s) => s.class));
  const specified = new Set(spec.classes.map((c) => c.name));
  for (const name of specified) if (!planned.has(name)) problems.push(`the spec's class ${name} is not in the plan`);
  for (const name of planned) if (!specified.has(name)) problems.push(`the plan's class ${name} is not in the spec`);
  const sliceIds = new Set(plan.workload.slices.map((s) => s.id));
  for (const pool of plan.pools) {
    for (const s of pool.slices) if (!sliceIds.has(s.slice)) problems.push(`pool ${pool.id} serves slice ${s.slice}, which the plan does not list`);
  }
  // Every route needs pools the plan has, somewhere to prefill, and a decode pool for what prefill-only pools take.
  const roleOf = new Map(plan.pools.map((p) => [p.id, p.role]));
  const routeIds = new Set(plan.routes.map((r) => r.id));
  for (const slice of plan.workload.slices) if (!routeIds.has(slice.route)) problems.push(`slice ${slice.id} travels by route ${slice.route}, which the plan does not list`);
  for (const name of specified) if (!plan.routes.some((r) => r.class === name)) problems.push(`the plan routes no requests of class ${name}`);
  for (const route of plan.routes) {
    for (const s of route.shares) if (!roleOf.has(s.pool)) problems.push(`route ${route.id} sends requests to pool ${s.pool}, which the plan does not list`);
    const shares = (roles: string[]) => route.shares.filter((s) => roles.includes(roleOf.get(s.pool) ?? '')).reduce((sum, s) => sum + s.share, 0);
    if (!(shares(['colocated', 'prefill']) > 0)) problems.push(`no pool of the plan takes the prompts of route ${route.id}`);
    if (shares(['prefill']) > 0 && !(shares(['decode']) > 0)) problems.push(`route ${route.id} has prefill-only pools but no decode pool`);
    // Every prefilled request needs a decode pool of its pairing class.
    const classOf = new Map(plan.pools.map((p) => [p.id, p.pairClass]));
    const byClass = new Map<string, number>();
    for (const s of route.shares) {
      const role = roleOf.get(s.pool);
      if (role === 'colocated' || role === undefined) continue;
      const cls = classOf.get(s.pool) ?? '';
      byClass.set(cls, (byClass.get(cls) ?? 0) + (role === 'prefill' ? s.share : -s.share));
    }
    for (const [cls, gap] of byClass) {
      if (Math.abs(gap) > 1e-3) problems.push(`route ${route.id}: its prefill and decode pools of pairing class ${cls || '(none)'} take different shares (${gap > 0 ? 'prefilled requests would find no decode pool' : 'decode pools would wait for prefills that never come'})`);
    }
  }
  return problems;
}

/** The tightest percentile of a class's SLOs (50 when it has none). */
function tightestPercentile(slos: ReadonlyArray<{ percentile: number }>): number {
  return Math.max(50, ...slos.map((x) => x.percentile));
}

/**
 * Why a simulation certifies nothing — the classes with fewer requests past warm-up than
 * {@link minimumMeasured} for their tightest percentile, with the counts — or undefined.
 */
export function measurementShortfall(report: Pick<SimulationReport, 'classes'>): string | undefined {
  const short = report.classes.flatMap((c) => {
    const percentile = tightestPercentile(c.slos);
    const measured = c.requests + c.unfinished;
    const needed = minimumMeasured(percentile);
    return measured < needed ? [`class ${c.name} has ${measured} ${measured === 1 ? 'request' : 'requests'} past the warm-up, fewer than the ${needed} its p${percentile} target needs to be measured at all`] : [];
  });
  if (short.length === 0) return undefined;
  return `${short.join('; ')} (a longer --duration, a shorter --warmup, a higher rate, or a trace in time order)`;
}

/** The simulator's pools: one per plan pool (less the instances taken down; one engine per attention rank), timed by the performance model for the slices it serves. */
function simPools(plan: Plan, spec: ServiceSpec, catalog: Catalog, down: ReadonlyMap<string, number>): SimPool[] {
  // The plan's pools as planner deploy launches them (CUDA graphs up to their most running sequences).
  const engine = asLaunched(catalog.engines[plan.engine]);
  const slices = new Map(plan.workload.slices.map((s) => [s.id, s]));
  const deployments = plan.pools.map((p) => poolDeployment(spec, catalog.gpus[p.gpu], p));
  return plan.pools.map((p, i) => {
    const served = p.slices.map((s) => slices.get(s.slice)!);
    const contexts = served.map((s) => s.inputTokens + s.outputTokens / 2);
    const longestPrompt = Math.max(1, ...plan.routes.filter((r) => r.shares.some((x) => x.pool === p.id)).map((r) => r.inputTokens[1]));
    // A prefill pool's KV goes to the decode pool it picked: inside the node, or over the network.
    const link = isNodeLocal(p.pairClass ?? undefined) ? 'node' : 'network';
    return {
      id: p.id,
      role: p.role,
      // DP attention: each instance is dp schedulers with their own batch and KV cache, simulated
      // as dp engines that step together, each iteration as long as the slowest rank's step (a
      // rank's step timed as if every rank carried its load). Where the engine balances them, a
      // rank's prompts wait for the other ranks' (engine.ts).
      instances: Math.max(0, p.count - (down.get(p.id) ?? 0)) * (p.dp ?? 1),
      ...((p.dp ?? 1) > 1 ? { attentionRanks: p.dp } : {}),
      ...((p.dp ?? 1) > 1 && engine.attentionDpBalance ? { attentionDpBalance: engine.attentionDpBalance } : {}),
      timing: instanceTiming(deployments[i], engine, contexts, longestPrompt),
      maxModelLen: p.launch.maxModelLen,
      pairClass: p.pairClass ?? undefined,
      ...(p.role === 'colocated' && spec.planning.prefixCache && spec.planning.sharedPrefixAttention ? { sharedPrefixAttention: true } : {}),
      ...(p.role === 'prefill' ? { transferSeconds: (decodePool: number, inputTokens: number) => kvTransferSeconds(deployments[i], deployments[decodePool], inputTokens, link, engine) } : {}),
    };
  });
}

/** Per route: the pools that take its prompts and its decoding, with the plan's shares. */
function simRoutes(plan: Plan): SimRoute[] {
  const index = new Map(plan.pools.map((p, i) => [p.id, i]));
  return plan.routes.map((route) => {
    const sim: SimRoute = { prefillSide: [], decodeOnly: [] };
    for (const { pool, share } of route.shares) {
      const p = index.get(pool)!;
      (plan.pools[p].role === 'decode' ? sim.decodeOnly : sim.prefillSide).push({ pool: p, share });
    }
    return sim;
  });
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
  const warmup = options.warmupSeconds ?? warmupFor(duration);
  // Refused before anything is allocated: instances are state, and every arrival is time to simulate.
  const excess = instancesExcess(plan, options.down) ?? (options.replay ? undefined : requestsExcess(spec.totalRatePerSecond, duration));
  if (excess) throw new InputError([{ file: 'simulation', message: excess }]);
  const pools = simPools(plan, spec, catalog, options.down ?? new Map());
  const routes = simRoutes(plan);
  const routeOf = routeFinder(plan.routes, spec.classes);
  const sliceOf = sliceFinder(plan.workload.slices, plan.routes);
  const arrivalRng = createRng(options.seed);
  const routingRng = createRng(options.seed ^ 0x5bd1e995);
  const drawn = options.replay?.arrivals ?? syntheticArrivals(spec, arrivalRng, duration);
  // What each prompt repeats comes from a generator of its own: the same arrivals with reuse or without.
  const arrivals = spec.classes.some((c) => c.reuse) ? withReuseDraws(drawn, spec.classes, createRng(options.seed ^ 0x2545f491)) : drawn;
  const { iterator, seen } = counted(arrivals);
  // Each measured request is counted in its groups as it finishes, and not kept.
  const layout = reportGroups(plan, spec);
  const groups = layout.slos.map(measuredGroup);
  const result = runEngine(pools, routes, iterator, routeOf, sliceOf, routingRng, {
    durationSeconds: duration,
    warmupSeconds: warmup,
    slices: plan.workload.slices.length,
    record: (o) => {
      for (const g of layout.of(o)) measure(groups[g], o);
    },
    prefixRouting: spec.planning.prefixRouting,
  });

  const slices = plan.workload.slices.map((s, i) => ({
    id: s.id,
    class: s.class,
    ratePerSecond: s.ratePerSecond,
    predicted: s.predicted,
    ...groupOutcome(groups[layout.at.slice(i)], result.unfinished[i]),
  }));
  const classes = spec.classes.map((c, k) => {
    const members = plan.workload.slices.flatMap((s, i) => (s.class === c.name ? [i] : []));
    const outcome = groupOutcome(
      groups[layout.at.class(k)],
      members.reduce((sum, i) => sum + result.unfinished[i], 0),
    );
    // A class measured too little to place its percentile holds nothing.
    const short = outcome.requests + outcome.unfinished < minimumMeasured(tightestPercentile(outcome.slos));
    return { name: c.name, ...outcome, slos: short ? outcome.slos.map((x) => ({ ...x, holds: false })) : outcome.slos };
  });
  const unfinished = result.unfinished.reduce((a, b) => a + b, 0);
  const span = options.replay ? Math.min(duration, seen.last) : duration;
  const notes: string[] = [];
  const measured = plan.pools.filter((p) => p.binding === 'measured').map((p) => p.id);
  if (measured.length > 0) notes.push(`capacities of ${measured.join(', ')} came from measurements; the simulation times them with the performance model`);
  const down = plan.pools.filter((p) => (options.down?.get(p.id) ?? 0) > 0).map((p) => `${options.down!.get(p.id)} of ${p.count} ${p.id}`);
  if (down.length > 0) notes.push(`out of service for the run: ${down.join(', ')}`);
  const preempted = result.pools.reduce((sum, p) => sum + p.preemptions, 0);
  if (preempted > 0) notes.push(`${preempted} running sequences were preempted for KV room and recomputed`);
  const rejected = result.pools.reduce((sum, p) => sum + p.rejected, 0);
  if (rejected > 0) notes.push(`${rejected} requests were refused (longer than a pool's max model length, or sent to a pool with no instance left); they count as SLO misses`);
  const shortfall = measurementShortfall({ classes });
  if (shortfall) notes.push(`not verified: ${shortfall}`);
  for (const c of classes) {
    const percentile = Math.max(50, ...c.slos.map((x) => x.percentile));
    const needed = requestsForPercentile(percentile);
    const measuredRequests = c.requests + c.unfinished;
    if (measuredRequests >= minimumMeasured(tightestPercentile(c.slos)) && measuredRequests < needed) notes.push(`class ${c.name}: ${measuredRequests} requests measured, fewer than the ${needed} its p${percentile} target needs for a steady figure (--duration)`);
  }
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
    overall: groupOutcome(groups[layout.at.overall], unfinished),
    classes,
    slices,
    pools: plan.pools.map((p, i) => ({
      id: p.id,
      gpu: p.gpu,
      role: p.role,
      count: p.count,
      down: options.down?.get(p.id) ?? 0,
      utilization: round6(result.pools[i].utilization),
      meanQueue: round6(result.pools[i].meanQueue),
      maxQueue: result.pools[i].maxQueue,
      preemptions: result.pools[i].preemptions,
      rejected: result.pools[i].rejected,
      ttftMs: p.role === 'decode' ? null : groupOutcome(groups[layout.at.prefilledBy(i)], 0).ttftMs,
      tpotMs: p.role === 'prefill' ? null : groupOutcome(groups[layout.at.decodedBy(i)], 0).tpotMs,
      classes: poolClassOutcomes(p.role, spec.classes.map((_, k) => groups[layout.at.poolClass(i, k)]), spec.classes),
    })),
    holds: shortfall === undefined && classes.every((c) => c.slos.every((s) => s.holds)),
    notes,
  };
}
