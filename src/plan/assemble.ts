import { loadPoint } from '../perf/open-loop.js';
import type { LoadPoint } from '../perf/open-loop.js';
import type { GpuEvidence, ServiceSpec } from '../input/types.js';
import { planSpeculative } from './plan-speculative.js';
import { largestRequestTokens, routesOf } from '../workload/slices.js';
import type { Slice } from '../workload/slices.js';
import type { PackingProblem } from '../optimize/formulation.js';
import { usableRate } from '../optimize/formulation.js';
import type { Fleet } from '../optimize/solve-fleet.js';
import { HOURS_PER_MONTH, PLAN_VERSION } from './plan.js';
import { round6 } from './round.js';
import type { Plan, PlanBaseline, PlanLatency, PlanMachine, PlanPool, PlanRoute, PlanSimplicity, PlanSlice } from './plan.js';
import { machineShapes } from '../optimize/machines.js';
import { planPrefixCache } from './prefix-summary.js';


const ms = (seconds: number | undefined) => (seconds === undefined || !Number.isFinite(seconds) ? null : round6(seconds * 1000));

interface PoolDraft {
  pool: PlanPool;
  points: Map<string, LoadPoint>;
}

/** Turns a verified fleet into the Plan: pools with their slices, predictions, totals, baselines. */
export function assemblePlan(
  spec: ServiceSpec,
  problem: PackingProblem,
  fleet: Fleet,
  baselines: PlanBaseline[],
  counts: { candidates: number; afterPruning: number },
  simplicity: PlanSimplicity,
): Plan {
  const { slices, candidates } = problem;
  const drafts: PoolDraft[] = [];
  const servedBy: Array<{ candidate: (typeof candidates)[number]; served: Array<{ slice: Slice; share: number }> }> = [];
  const rented = rentedMachines(problem, fleet);
  // What the factors of each GPU type the model sizes pools on rest on (measured pools rest on their measurements).
  const gpuEvidence = new Map<string, GpuEvidence>();
  candidates.forEach((c, i) => {
    const n = fleet.counts[i];
    if (n <= 0) return;
    const served = slices
      .map((slice, s) => ({ slice, s, share: fleet.shares[s][i] }))
      .filter((x) => x.share > 1e-9);
    // Fraction of the pool's raw SLO capacity the routed traffic takes (≤ the load factor).
    const utilization = served.reduce((sum, x) => sum + (x.slice.ratePerSecond * x.share) / (usableRate(problem, x.s, i) / problem.loadFactor), 0) / n;
    // Predictions come from the performance model; a measured pool has none.
    const points = new Map<string, LoadPoint>();
    for (const x of served) {
      const model = c.models.get(x.slice.id);
      if (model) points.set(x.slice.id, loadPoint(model, utilization * c.capacity.get(x.slice.id)!.ratePerSecond, x.slice.slo, spec.arrivalCv));
    }
    const worst = (key: 'ttftSeconds' | 'tpotSeconds' | 'e2eSeconds') =>
      points.size === 0 ? undefined : Math.max(0, ...[...points.values()].map((p) => p[key]));
    const bindings = served.map((x) => c.capacity.get(x.slice.id)!.binding);
    servedBy.push({ candidate: c, served });
    if (bindings.some((b) => b !== 'measured')) gpuEvidence.set(c.gpu.id, c.gpu.evidence);
    drafts.push({
      points,
      pool: {
        id: c.id,
        gpu: c.gpu.id,
        role: c.role,
        count: n,
        tp: c.tp,
        pp: c.pp,
        ep: c.ep,
        dp: c.dp,
        gpusPerInstance: c.gpus,
        gpus: n * c.gpus,
        // Machines rented whole are paid by the pools on them, in proportion to their GPUs.
        costPerHour: round6(rented.perGpu.has(c.gpu.id) ? n * c.gpus * rented.perGpu.get(c.gpu.id)! : n * c.costPerHour),
        powerKw: round6((n * c.powerWatts) / 1000),
        slices: served.map((x) => ({ slice: x.slice.id, share: round6(x.share), ratePerSecond: round6(x.share * x.slice.ratePerSecond) })),
        launch: {
          // The longest request its routes send: a prefill pool holds the prompt and the first token.
          maxModelLen: Math.max(1, ...served.map((x) => (c.role === 'prefill' ? x.slice.routeRange[1] + 1 : largestRequestTokens(x.slice)))),
          kvCacheTokens: c.launch.kvCacheTokens,
          maxNumSeqs: c.launch.maxNumSeqs,
          maxNumBatchedTokens: c.launch.maxNumBatchedTokens,
          gpuMemoryUtilization: c.launch.gpuMemoryUtilization,
          weights: spec.precision.weights,
          kvCacheDtype: spec.precision.kvCache,
        },
        utilization: round6(utilization),
        binding: mostCommon(bindings),
        pairClass: c.role === 'colocated' ? null : c.pairClass ?? null,
        predicted: {
          ttftMs: c.role === 'decode' ? null : ms(worst('ttftSeconds')),
          tpotMs: c.role === 'prefill' ? null : ms(worst('tpotSeconds')),
          e2eMs: c.role === 'prefill' ? null : ms(worst('e2eSeconds')),
        },
      },
    });
  });
  const planSlices = slices.map((slice) => planSlice(slice, drafts));
  const pools = drafts.map((d) => d.pool).sort((a, b) => b.costPerHour - a.costPerHour || a.id.localeCompare(b.id));
  const cost = round6(fleet.costPerHour);
  const tokensPerHour = slices.reduce((sum, s) => sum + s.ratePerSecond * (s.inputTokens + s.outputTokens), 0) * 3600;
  const outputPerHour = slices.reduce((sum, s) => sum + s.ratePerSecond * s.outputTokens, 0) * 3600;
  const worstOf = (key: keyof PlanLatency) => {
    const values = planSlices.map((s) => s.predicted[key]).filter((v): v is number => v !== null);
    return values.length > 0 ? Math.max(...values) : null;
  };
  const costliest = pools[0];
  const prefixCache = planPrefixCache(spec, slices, servedBy);
  return {
    version: PLAN_VERSION,
    name: spec.name ?? null,
    model: spec.model.id,
    checkpoint: spec.checkpoint ?? null,
    ...(spec.model.linearAttention ? { hybrid: true as const } : {}),
    precision: { weights: spec.precision.weights, kvCache: spec.precision.kvCache },
    ...(spec.speculative ? { speculative: planSpeculative(spec.speculative) } : {}),
    engine: spec.planning.engine,
    loadFactor: problem.loadFactor,
    redundancy: problem.redundancy ?? 0,
    workload: { ratePerSecond: round6(spec.totalRatePerSecond), slices: planSlices, ...(prefixCache ? { prefixCache } : {}) },
    pools,
    machines: rented.machines,
    routes: planRoutes(slices, pools),
    totalCostPerHour: cost,
    totals: {
      costPerHour: cost,
      costPerMonth: round6(cost * HOURS_PER_MONTH),
      costPerMillionTokens: round6(tokensPerHour > 0 ? (cost / tokensPerHour) * 1e6 : 0),
      costPerMillionOutputTokens: round6(outputPerHour > 0 ? (cost / outputPerHour) * 1e6 : 0),
      gpus: pools.reduce((sum, p) => sum + p.gpus, 0),
      instances: pools.reduce((sum, p) => sum + p.count, 0),
      powerKw: round6(pools.reduce((sum, p) => sum + p.powerKw, 0)),
    },
    predicted: {
      ttftMs: worstOf('ttftMs'),
      tpotMs: worstOf('tpotMs'),
      e2eMs: worstOf('e2eMs'),
      percentile: Math.max(...slices.flatMap((s) => [s.slo.ttft, s.slo.tpot, s.slo.e2e].filter(Boolean).map((t) => t!.percentile))),
    },
    gpuEvidence: Object.fromEntries([...gpuEvidence].sort(([a], [b]) => a.localeCompare(b))),
    baselines,
    simplicity,
    binding: costliest
      ? { constraint: costliest.binding, detail: `${costliest.binding.toUpperCase()} limits the ${costliest.gpu} tp${costliest.tp} ${costliest.role} pool, the largest cost` }
      : { constraint: 'none', detail: 'no traffic' },
    solver: {
      status: fleet.status,
      gapPercent: round6(fleet.gap * 100),
      lowerBoundCostPerHour: round6(fleet.lowerBound),
      candidates: counts.candidates,
      candidatesAfterPruning: counts.afterPruning,
    },
  };
}

/** The machines the fleet rents (offerings rented by the machine), and what each used GPU of them costs. */
function rentedMachines(problem: PackingProblem, fleet: Fleet): { machines: PlanMachine[]; perGpu: Map<string, number> } {
  const machines: PlanMachine[] = [];
  const perGpu = new Map<string, number>();
  for (const [gpu, counts] of Object.entries(fleet.machines).sort((a, b) => a[0].localeCompare(b[0]))) {
    const spec = problem.candidates.find((c) => c.gpu.id === gpu)!.gpu;
    const shapes = machineShapes(spec)!;
    const used = problem.candidates.reduce((sum, c, i) => sum + (c.gpu.id === gpu ? fleet.counts[i] * c.gpus : 0), 0);
    let cost = 0;
    shapes.forEach((m, k) => {
      if (counts[k] === 0) return;
      machines.push({ gpu, gpusPerMachine: m.gpus, count: counts[k], name: m.name ?? null, costPerHour: round6(counts[k] * m.usdPerHour) });
      cost += counts[k] * m.usdPerHour;
    });
    if (used > 0) perGpu.set(gpu, cost / used);
  }
  return { machines, perGpu };
}

/** The route table: per class and prompt range, the pools its requests go to and their shares. */
function planRoutes(slices: Slice[], pools: PlanPool[]): PlanRoute[] {
  const rateOf = new Map(slices.map((s) => [s.id, s.ratePerSecond]));
  return routesOf(slices).map((route) => {
    // Every slice of a route has the same shares (the MILP routes a route whole): read its first.
    const first = route.slices[0];
    const shares = pools
      .map((p) => ({ pool: p.id, share: p.slices.find((x) => x.slice === first)?.share ?? 0 }))
      .filter((x) => x.share > 0);
    return {
      id: route.id,
      class: route.className,
      inputTokens: route.inputRange,
      maxOutputTokens: route.maxOutputTokens,
      ratePerSecond: round6(route.slices.reduce((sum, id) => sum + rateOf.get(id)!, 0)),
      slices: route.slices,
      shares,
    };
  });
}

function planSlice(slice: Slice, drafts: PoolDraft[]): PlanSlice {
  const serving = drafts.filter((d) => d.points.has(slice.id));
  const worst = (key: 'ttftSeconds' | 'tpotSeconds', roles: string[]) => {
    const values = serving.filter((d) => roles.includes(d.pool.role)).map((d) => d.points.get(slice.id)![key]);
    return values.length > 0 ? Math.max(...values) : undefined;
  };
  const ttft = worst('ttftSeconds', ['colocated', 'prefill']);
  const tpot = worst('tpotSeconds', ['colocated', 'decode']);
  const target = (t: typeof slice.slo.ttft) => (t ? round6(t.maxSeconds * 1000) : null);
  const percentiles = [slice.slo.ttft, slice.slo.tpot, slice.slo.e2e].filter(Boolean).map((t) => t!.percentile);
  return {
    id: slice.id,
    class: slice.className,
    inputTokens: slice.inputTokens,
    outputTokens: slice.outputTokens,
    inputRange: slice.inputRange,
    outputRange: slice.outputRange,
    route: slice.route,
    ratePerSecond: round6(slice.ratePerSecond),
    slo: { ttftMs: target(slice.slo.ttft), tpotMs: target(slice.slo.tpot), e2eMs: target(slice.slo.e2e), percentile: Math.max(...percentiles) },
    predicted: {
      ttftMs: ms(ttft),
      tpotMs: ms(tpot),
      e2eMs: ttft !== undefined && tpot !== undefined ? ms(ttft + Math.max(0, slice.outputTokens - 1) * tpot) : null,
    },
  };
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'none';
}
