import { assemblePlan } from '../plan/assemble.js';
import { round6 } from '../plan/round.js';
import type { Plan, PlanBaseline } from '../plan/plan.js';
import type { Catalog, ServiceSpec } from '../spec/types.js';
import { sliceWorkload } from '../workload/slices.js';
import type { Slice } from '../workload/slices.js';
import { buildCandidates } from '../optimize/candidates.js';
import type { Candidate } from '../optimize/candidates.js';
import { explainFleetTooLarge, explainNothingFits, explainUncovered, MAX_FLEET_GPUS } from '../optimize/explain.js';
import type { PackingProblem } from '../optimize/formulation.js';
import { groupRoutes } from '../optimize/group-routes.js';
import { pruneDominated } from '../optimize/prune.js';
import { solveFleet } from '../optimize/solve-fleet.js';
import type { Fleet, NoFleet } from '../optimize/solve-fleet.js';
import type { LpSolver } from '../optimize/solver.js';

/** The outcome of planning: a plan, or the reasons no fleet meets the spec. */
export type PlanResult = { plan: Plan } | { infeasible: string[] };

/** Everything the planner computed before it chose, for reports and tests. */
export interface PlanningState {
  slices: Slice[];
  candidates: Candidate[];
  pruned: Candidate[];
}

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
  const engine = catalog.engines[spec.planning.engine];
  const slices = sliceWorkload(spec.classes, spec.planning.maxSlices);
  const gpus = spec.planning.gpus.map((id) => catalog.gpus[id]);
  const candidates = buildCandidates(spec, gpus, engine, slices);
  for (const c of candidates) {
    for (const [slice, capacity] of c.capacity) {
      const factor = capacityScale?.get(capacityKey(c.id, slice));
      if (factor !== undefined) c.capacity.set(slice, { ...capacity, ratePerSecond: capacity.ratePerSecond * factor });
    }
  }
  return { slices, candidates, pruned: pruneFor(spec, slices, candidates) };
}

/** The candidates no other one in the set dominates, under the spec's limits. */
function pruneFor(spec: ServiceSpec, slices: Slice[], candidates: Candidate[]): Candidate[] {
  return pruneDominated(
    candidates,
    slices.map((s) => s.id),
    {
      limitedTypes: new Set(Object.keys(spec.planning.availability)),
      powerCapped: spec.planning.powerCapWatts !== undefined,
      loadFactor: spec.planning.loadFactor,
    },
  );
}

function problemFor(spec: ServiceSpec, slices: Slice[], candidates: Candidate[], limits = true): PackingProblem {
  return {
    slices,
    candidates,
    groups: groupRoutes(slices, candidates),
    loadFactor: spec.planning.loadFactor,
    availability: limits ? spec.planning.availability : {},
    maxCostPerHour: limits ? spec.budget.maxCostPerHourUsd : undefined,
    powerCapWatts: limits ? spec.planning.powerCapWatts : undefined,
  };
}

/** Solves on the pruned candidates, falling back to all of them when the pruned set fails. */
async function solveWithFallback(
  spec: ServiceSpec,
  state: Pick<PlanningState, 'slices'>,
  pruned: Candidate[],
  all: Candidate[],
  solver: LpSolver,
): Promise<{ problem: PackingProblem; fleet: Fleet | NoFleet }> {
  const limit = spec.planning.solverTimeLimitSeconds;
  const problem = problemFor(spec, state.slices, pruned);
  const fleet = await solveFleet(problem, solver, limit);
  if ('counts' in fleet || pruned.length === all.length) return { problem, fleet };
  const full = problemFor(spec, state.slices, all);
  return { problem: full, fleet: await solveFleet(full, solver, limit) };
}

/**
 * Finds the cheapest fleet that serves the spec within its SLOs and limits, and the baselines
 * (the best plan on each single GPU type, the best colocated-only plan), or explains why none
 * exists: which SLO no candidate meets for which slice and by how much, or which limit binds.
 */
export async function planFleet(
  spec: ServiceSpec,
  catalog: Catalog,
  solver: LpSolver,
  options: { baselines?: boolean; capacityScale?: ReadonlyMap<string, number> } = {},
): Promise<PlanResult> {
  const state = preparePlanning(spec, catalog, options.capacityScale);
  if (state.candidates.length === 0) return { infeasible: [explainNothingFits(spec, spec.planning.gpus.map((id) => catalog.gpus[id]))] };
  const uncovered = explainUncovered(state.slices, state.candidates, spec.classes.length);
  if (uncovered.length > 0) return { infeasible: uncovered };
  const tooLarge = explainFleetTooLarge(state.slices, state.candidates, spec.planning.loadFactor);
  if (tooLarge) return { infeasible: [tooLarge] };
  // The baselines solve beside the main plan; their savings are computed once both are known.
  const [{ problem, fleet }, baselineFleets] = await Promise.all([
    solveWithFallback(spec, state, state.pruned, state.candidates, solver),
    options.baselines === false ? Promise.resolve([]) : computeBaselines(spec, state, solver),
  ]);
  if (!('counts' in fleet)) return { infeasible: await explainLimits(spec, state, solver, fleet) };
  const gpus = fleet.counts.reduce((sum, n, i) => sum + n * problem.candidates[i].gpus, 0);
  if (gpus > MAX_FLEET_GPUS) {
    return { infeasible: [`the cheapest plan needs ${gpus.toLocaleString('en-US')} GPUs; planner plans fleets of up to ${MAX_FLEET_GPUS.toLocaleString('en-US')} GPUs`] };
  }
  const baselines = baselineFleets.map((b) => ({
    ...b,
    savingPercent: b.costPerHour === null ? null : savingPercent(b.costPerHour, fleet.costPerHour),
  }));
  const plan = assemblePlan(spec, problem, fleet, baselines, { candidates: state.candidates.length, afterPruning: state.pruned.length });
  return { plan };
}

/** What the chosen plan saves against a baseline, in percent (two decimals; never −0). */
function savingPercent(baseline: number, chosen: number): number {
  const saving = baseline > 0 ? Math.round(((baseline - chosen) / baseline) * 10_000) / 100 : 0;
  return saving === 0 ? 0 : saving;
}

/** Which limit (availability, budget, power cap) makes an otherwise feasible spec infeasible. */
async function explainLimits(spec: ServiceSpec, state: PlanningState, solver: LpSolver, failure: NoFleet): Promise<string[]> {
  if (failure.status === 'failed') return [failure.reason];
  const unlimited = await solveFleet(problemFor(spec, state.slices, state.pruned, false), solver, spec.planning.solverTimeLimitSeconds);
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
async function computeBaselines(spec: ServiceSpec, state: PlanningState, solver: LpSolver): Promise<PlanBaseline[]> {
  const variants: Array<Omit<PlanBaseline, 'feasible' | 'costPerHour' | 'savingPercent' | 'pools' | 'reason'> & { keep: (c: Candidate) => boolean }> = [];
  const types = [...new Set(state.candidates.map((c) => c.gpu.id))].sort();
  if (types.length > 1) {
    for (const gpu of types) variants.push({ name: `${gpu} only`, kind: 'single-gpu-type', gpu, keep: (c) => c.gpu.id === gpu });
  }
  if (state.candidates.some((c) => c.role !== 'colocated') && state.candidates.some((c) => c.role === 'colocated')) {
    variants.push({ name: 'colocated only', kind: 'colocated-only', gpu: null, keep: (c) => c.role === 'colocated' });
  }
  return Promise.all(
    variants.map(async ({ keep, ...variant }): Promise<PlanBaseline> => {
      const all = state.candidates.filter(keep);
      const uncovered = explainUncovered(state.slices, all, spec.classes.length);
      const none = { ...variant, feasible: false, costPerHour: null, savingPercent: null, pools: [] };
      if (uncovered.length > 0) return { ...none, reason: uncovered[0] };
      const { problem, fleet } = await solveWithFallback(spec, state, pruneFor(spec, state.slices, all), all, solver);
      if (!('counts' in fleet)) return { ...none, reason: fleet.reason };
      return {
        ...variant,
        feasible: true,
        costPerHour: round6(fleet.costPerHour),
        savingPercent: null,
        pools: problem.candidates
          .map((c, i) => ({ gpu: c.gpu.id, role: c.role, count: fleet.counts[i], tp: c.tp, pp: c.pp }))
          .filter((p) => p.count > 0),
        reason: null,
      };
    }),
  );
}
