import { assemblePlan } from '../plan/assemble.js';
import { moeShape } from '../plan/moe-shape.js';
import { round6 } from '../plan/round.js';
import type { Plan, PlanBaseline } from '../plan/plan.js';
import type { Catalog, ServiceSpec } from '../input/types.js';
import { sliceWorkload } from '../workload/slices.js';
import { withCacheHits } from '../workload/prefix-reuse.js';
import type { Slice } from '../workload/slices.js';
import type { Candidate } from '../optimize/candidates.js';
import { buildCandidates } from '../optimize/candidates.js';
import { explainFleetTooLarge, explainNothingFits, explainUncovered, MAX_FLEET_GPUS } from '../optimize/explain.js';
import { solveFleet } from '../optimize/solve-fleet.js';
import type { LpSolver } from '../optimize/solver.js';
import { anticipateColocatedSteps, simplestPlan } from './simplest.js';
import { planSchedule } from './plan-schedule.js';
import { problemFor, pruneFor, structureSolver } from './structures.js';
import type { Prepared, Solved, Structure } from './structures.js';
import { grouped } from '../text/digits.js';
import { asLaunched } from '../perf/cuda-graphs.js';

/** The outcome of planning: a plan, or the reasons no fleet meets the spec. */
export type PlanResult = { plan: Plan } | { infeasible: string[] };

/** Everything the planner computed before it chose, for reports and tests. */
export type PlanningState = Prepared;

/** Key of a candidate's capacity for one slice in a capacity scale. */
export function capacityKey(candidateId: string, sliceId: string): string {
  return `${candidateId} ${sliceId}`;
}

/**
 * Builds the slices and candidates of a spec (the expensive part: every capacity), with each
 * capacity named in `capacityScale` (by capacityKey) multiplied by its factor — how `--verify`
 * lowers the capacity for slices the simulation finds short.
 */
export function preparePlanning(spec: ServiceSpec, catalog: Catalog, capacityScale?: ReadonlyMap<string, number>): PlanningState {
  // Planned pools launch with CUDA graphs up to their most running sequences (planner deploy sets it).
  const engine = asLaunched(catalog.engines[spec.planning.engine]);
  const slices = planningSlices(spec);
  const gpus = spec.planning.gpus.map((id) => catalog.gpus[id]);
  return scaled(spec, slices, buildCandidates(spec, gpus, engine, slices), capacityScale);
}

/** The spec's slices as planning sees them: sized, routed, with what they find in the prefix cache. */
function planningSlices(spec: ServiceSpec): Slice[] {
  return withCacheHits(sliceWorkload(spec.classes, spec.planning.maxSlices), spec.classes, spec.planning.prefixRouting, spec.planning.sharedPrefixAttention);
}

/** The candidates with their capacities scaled (new capacity maps; the rest shared), pruned. */
function scaled(spec: ServiceSpec, slices: Slice[], base: Candidate[], capacityScale?: ReadonlyMap<string, number>): PlanningState {
  const candidates = !capacityScale || capacityScale.size === 0
    ? base
    : base.map((c) => ({
        ...c,
        capacity: new Map(
          [...c.capacity].map(([slice, capacity]) => {
            const factor = capacityScale.get(capacityKey(c.id, slice));
            return [slice, factor === undefined ? capacity : { ...capacity, ratePerSecond: capacity.ratePerSecond * factor }];
          }),
        ),
      }));
  return { slices, candidates, pruned: pruneFor(spec, slices, candidates) };
}

/**
 * The planning state of `spec` built from `base`, a state prepared for the same workload at
 * another rate: an instance's capacity for a slice does not depend on how much traffic there is,
 * so when the spec slices into the same sizes (only the rates differ) the candidates are reused
 * and only the slices (with their rates) and the pruning are new. Undefined when the slices differ.
 */
export function atAnotherRate(spec: ServiceSpec, base: PlanningState): PlanningState | undefined {
  const slices = planningSlices(spec);
  const shape = ({ ratePerSecond: _rate, ...sizes }: Slice) => JSON.stringify(sizes);
  if (slices.length !== base.slices.length || slices.some((s, i) => shape(s) !== shape(base.slices[i]))) return undefined;
  return { slices, candidates: base.candidates, pruned: pruneFor(spec, slices, base.candidates) };
}

/** Plans a spec from a prepared state (see atAnotherRate), without baselines unless asked. */
export async function planFromState(spec: ServiceSpec, catalog: Catalog, solver: LpSolver, state: PlanningState, baselines = false): Promise<PlanResult> {
  return planWith(spec, catalog, solver, state, structureSolver(spec, state, solver), baselines);
}

/** Options of one planning run. */
export interface PlanOptions {
  /** Compute the single-GPU-type and colocated-only baselines (default true). */
  baselines?: boolean;
  /** With a load profile, size the pools per block of hours and buy them (default true; verification's draft plans skip it). */
  schedule?: boolean;
  /** Capacities lowered (by capacityKey) so the simulation holds. */
  capacityScale?: ReadonlyMap<string, number>;
}

/** One spec planned as often as asked (see specPlanner). */
export interface SpecPlanner {
  /** Plans the spec under the options' capacity scale. */
  plan(options?: PlanOptions): Promise<PlanResult>;
  /** The ids of every candidate the spec has (before pruning), in candidate order. */
  candidateIds(): string[];
}

/**
 * Plans one spec as often as asked: the candidates and their capacities are computed once, and
 * every MILP solved under a capacity scale is remembered, so planning again under the same scale
 * (say, with baselines, once a simulation holds) solves only what it has not solved yet.
 */
export function specPlanner(spec: ServiceSpec, catalog: Catalog, solver: LpSolver): SpecPlanner {
  let base: PlanningState | undefined;
  const prepared = () => (base ??= preparePlanning(spec, catalog));
  const runs = new Map<string, { state: PlanningState; solve: (s: Structure) => Promise<Solved> }>();
  return {
    async plan(options = {}) {
      const b = prepared();
      const key = JSON.stringify([...(options.capacityScale ?? new Map())].sort((x, y) => x[0].localeCompare(y[0])));
      if (!runs.has(key)) {
        const state = key === '[]' ? b : scaled(spec, b.slices, b.candidates, options.capacityScale);
        runs.set(key, { state, solve: structureSolver(spec, state, solver) });
      }
      const { state, solve } = runs.get(key)!;
      return planWith(spec, catalog, solver, state, solve, options.baselines !== false, options.schedule !== false);
    },
    candidateIds: () => prepared().candidates.map((c) => c.id),
  };
}

/**
 * Finds the fleet that serves the spec within its SLOs and limits — the cheapest, or a simpler
 * one within `planning.min_saving` of it — and the baselines (the best plan on each single GPU
 * type, the best colocated-only plan), or explains why none exists: which SLO no candidate meets
 * for which route and by how much, or which limit binds.
 */
export async function planFleet(spec: ServiceSpec, catalog: Catalog, solver: LpSolver, options: PlanOptions = {}): Promise<PlanResult> {
  return specPlanner(spec, catalog, solver).plan(options);
}

async function planWith(
  spec: ServiceSpec,
  catalog: Catalog,
  solver: LpSolver,
  state: PlanningState,
  solve: (s: Structure) => Promise<Solved>,
  withBaselines: boolean,
  withSchedule = true,
): Promise<PlanResult> {
  if (state.candidates.length === 0) return { infeasible: [explainNothingFits(spec, spec.planning.gpus.map((id) => catalog.gpus[id]))] };
  const uncovered = explainUncovered(state.slices, state.candidates, spec.classes.length);
  if (uncovered.length > 0) return { infeasible: uncovered };
  const tooLarge = explainFleetTooLarge(state.slices, state.candidates, spec.planning.loadFactor);
  if (tooLarge) return { infeasible: [tooLarge] };
  // The baselines, and the simplicity ladder's likely first steps, solve beside the main plan;
  // the baselines' savings are computed once both are known.
  const main = solve({});
  anticipateColocatedSteps(state.candidates, solve, main);
  const [cheapest, baselineFleets] = await Promise.all([main, withBaselines ? computeBaselines(state, solve) : Promise.resolve([])]);
  if (!('fleet' in cheapest)) return { infeasible: await explainLimits(spec, state, solver, cheapest) };
  const { found, simplicity } = await simplestPlan(spec, cheapest, solve);
  const { problem, fleet } = found;
  const gpus = fleet.counts.reduce((sum, n, i) => sum + n * problem.candidates[i].gpus, 0);
  if (gpus > MAX_FLEET_GPUS) {
    return { infeasible: [`the cheapest plan needs ${grouped(gpus)} GPUs; planner plans fleets of up to ${grouped(MAX_FLEET_GPUS)} GPUs`] };
  }
  const baselines = baselineFleets.map((b) => ({
    ...b,
    savingPercent: b.costPerHour === null ? null : savingPercent(b.costPerHour, fleet.costPerHour),
  }));
  const plan = assemblePlan(spec, problem, fleet, baselines, { candidates: state.candidates.length, afterPruning: state.pruned.length }, simplicity);
  if (!spec.profile || !withSchedule) return { plan };
  // Over a load profile: the peak plan's pools, sized and bought per block of hours.
  const scheduled = await planSchedule(spec, problem, fleet, plan, solver);
  if ('infeasible' in scheduled) return { infeasible: [scheduled.infeasible] };
  return { plan: { ...plan, totals: { ...plan.totals, costPerMonth: scheduled.purchase.costPerMonth }, schedule: scheduled.schedule, purchase: scheduled.purchase } };
}

/** What the chosen plan saves against a baseline, in percent (two decimals; never −0). */
function savingPercent(baseline: number, chosen: number): number {
  const saving = baseline > 0 ? Math.round(((baseline - chosen) / baseline) * 10_000) / 100 : 0;
  return saving === 0 ? 0 : saving;
}

/** Which limit (availability, budget, power cap) makes an otherwise feasible spec infeasible. */
async function explainLimits(spec: ServiceSpec, state: PlanningState, solver: LpSolver, failure: { reason: string; limits: boolean }): Promise<string[]> {
  if (!failure.limits) return [failure.reason];
  const unlimited = await solveFleet(problemFor(spec, state.slices, state.pruned, {}, false), solver, spec.planning.solverTimeLimitSeconds);
  if (!('counts' in unlimited)) return [failure.reason];
  const reasons: string[] = [];
  const cost = unlimited.costPerHour;
  if (spec.budget.maxCostPerHourUsd !== undefined && cost > spec.budget.maxCostPerHourUsd) {
    reasons.push(`the cheapest plan costs $${cost.toFixed(2)}/h, over the budget of $${spec.budget.maxCostPerHourUsd.toFixed(2)}/h`);
  }
  const gpusByType = new Map<string, number>();
  unlimited.counts.forEach((n, i) => {
    const c = state.pruned[i];
    gpusByType.set(c.gpu.id, (gpusByType.get(c.gpu.id) ?? 0) + n * c.gpus);
  });
  for (const [gpu, limit] of Object.entries(spec.planning.availability)) {
    const used = gpusByType.get(gpu) ?? 0;
    if (used > limit) reasons.push(`the cheapest plan uses ${used} ${gpu} GPUs, availability allows ${limit}; no mix within the limits serves the traffic`);
  }
  const watts = unlimited.counts.reduce((sum, n, i) => sum + n * state.pruned[i].powerWatts, 0);
  if (spec.planning.powerCapWatts !== undefined && watts > spec.planning.powerCapWatts) {
    reasons.push(`the cheapest plan draws ${(watts / 1000).toFixed(1)} kW, over the power cap of ${(spec.planning.powerCapWatts / 1000).toFixed(1)} kW`);
  }
  return reasons.length > 0 ? reasons : [failure.reason];
}

/** The best single-GPU-type plans and the best colocated-only plan, for comparison (savings filled in later). */
async function computeBaselines(state: PlanningState, solve: (s: Structure) => Promise<Solved>): Promise<PlanBaseline[]> {
  const variants: Array<Omit<PlanBaseline, 'feasible' | 'costPerHour' | 'savingPercent' | 'pools' | 'reason'> & { structure: Structure }> = [];
  const types = [...new Set(state.candidates.map((c) => c.gpu.id))].sort();
  if (types.length > 1) {
    for (const gpu of types) variants.push({ name: `${gpu} only`, kind: 'single-gpu-type', gpu, structure: { gpus: [gpu] } });
  }
  if (state.candidates.some((c) => c.role !== 'colocated') && state.candidates.some((c) => c.role === 'colocated')) {
    variants.push({ name: 'colocated only', kind: 'colocated-only', gpu: null, structure: { colocatedOnly: true } });
  }
  return Promise.all(
    variants.map(async ({ structure, ...variant }): Promise<PlanBaseline> => {
      const solved = await solve(structure);
      if (!('fleet' in solved)) return { ...variant, feasible: false, costPerHour: null, savingPercent: null, pools: [], reason: solved.reason };
      const { problem, fleet } = solved;
      return {
        ...variant,
        feasible: true,
        costPerHour: round6(fleet.costPerHour),
        savingPercent: null,
        pools: problem.candidates
          .map((c, i) => ({ gpu: c.gpu.id, role: c.role, count: fleet.counts[i], tp: c.tp, pp: c.pp, ...moeShape(c) }))
          .filter((p) => p.count > 0),
        reason: null,
      };
    }),
  );
}
