import type { Slice } from '../workload/slices.js';
import type { Candidate } from './candidates.js';
import type { SliceGroup } from './group-routes.js';
import type { LinearConstraint, LinearProgram } from './lp.js';

/** The packing problem: slices of traffic, instance candidates, and the limits on the fleet. */
export interface PackingProblem {
  slices: Slice[];
  candidates: Candidate[];
  /** Fraction of an instance's SLO capacity the plan may use. */
  loadFactor: number;
  /** Most GPUs per type. */
  availability: Record<string, number>;
  maxCostPerHour?: number;
  powerCapWatts?: number;
  /** Slices routed as one (default: every slice on its own). */
  groups?: SliceGroup[];
}

/** The groups of a problem: its own, or one per route (one per slice where slices have no route). */
export function groupsOf(problem: PackingProblem): SliceGroup[] {
  if (problem.groups) return problem.groups;
  const byRoute = new Map<string, number[]>();
  problem.slices.forEach((slice, s) => {
    const key = slice.route ?? slice.id;
    byRoute.set(key, [...(byRoute.get(key) ?? []), s]);
  });
  return [...byRoute.values()].map((members) => ({ members }));
}

/** Group loads below this many instances get an explicit share ≤ count row (see packingProgram). */
const LINK_BELOW_INSTANCES = 1e-3;

/** Name of the instance-count variable of candidate i. */
export const countVar = (i: number) => `n${i}`;
/** Name of the variable for the share of slice group g that candidate i serves. */
export const shareVar = (g: number, i: number) => `x${g}_${i}`;

/** Requests/s one instance of candidate i may carry for slice s (0: cannot serve it). */
export function usableRate(problem: PackingProblem, s: number, i: number): number {
  return (problem.candidates[i].capacity.get(problem.slices[s].id)?.ratePerSecond ?? 0) * problem.loadFactor;
}

/**
 * The MILP: integer instance counts n_i, continuous shares x_gi of each slice group, minimising
 * Σ cost_i · n_i subject to
 *  - every slice fully served on the prefill side (colocated + prefill-only shares = 1) and on the
 *    decode side (colocated + decode-only shares = 1);
 *  - Σ_s rate_s · x_si / capacity_si ≤ n_i for every candidate (and x_si ≤ n_i where that load
 *    is a trickle, so no traffic rides on zero instances within the solver's tolerance);
 *  - GPUs per type within availability, total cost within budget, total TDP within the power cap;
 *  - n_i ≤ ⌈Σ_g load_gi⌉, the instances candidate i needs to serve every group it can alone: never
 *    binding at an optimum (all limits are ≤ rows with non-negative terms), but it narrows the
 *    solver's search (HiGHS solves the examples' programs 1.2–2.4× faster with it).
 * With `fixedCounts`, n is given and the program only routes traffic (the objective then prefers
 * the candidate that serves a slice most cheaply).
 */
export function packingProgram(problem: PackingProblem, fixedCounts?: number[]): LinearProgram {
  const { slices, candidates } = problem;
  const objective: Record<string, number> = {};
  const constraints: LinearConstraint[] = [];
  const load: Array<Record<string, number>> = candidates.map(() => ({}));
  groupsOf(problem).forEach((group, g) => {
    const prefillSide: Record<string, number> = {};
    const decodeSide: Record<string, number> = {};
    candidates.forEach((c, i) => {
      // Instances of candidate i the whole group would need: Σ rate_s / capacity_si.
      let instances = 0;
      for (const s of group.members) {
        const rate = usableRate(problem, s, i);
        if (rate <= 0) return;
        instances += slices[s].ratePerSecond / rate;
      }
      // Routing over fixed counts: a candidate with no instance takes no traffic.
      if (fixedCounts && fixedCounts[i] === 0) return;
      const name = shareVar(g, i);
      if (c.role !== 'decode') prefillSide[name] = 1;
      if (c.role !== 'prefill') decodeSide[name] = 1;
      load[i][name] = instances;
      if (fixedCounts) objective[name] = instances * c.costPerHour;
      // A share needs an instance. Where the group's load is too small for the capacity row to
      // force one within the solver's tolerance (a trickle of traffic), say so: x ≤ n.
      if (!fixedCounts && instances < LINK_BELOW_INSTANCES) constraints.push({ name: `link_${g}_${i}`, terms: { [name]: 1, [countVar(i)]: -1 }, max: 0 });
    });
    constraints.push({ name: `pre_${g}`, terms: prefillSide, equal: 1 }, { name: `dec_${g}`, terms: decodeSide, equal: 1 });
  });
  candidates.forEach((c, i) => {
    if (fixedCounts) {
      constraints.push({ name: `cap_${i}`, terms: load[i], max: fixedCounts[i] });
    } else {
      objective[countVar(i)] = c.costPerHour;
      constraints.push({ name: `cap_${i}`, terms: { ...load[i], [countVar(i)]: -1 }, max: 0 });
    }
  });
  if (!fixedCounts) {
    const byType = new Map<string, number[]>();
    candidates.forEach((c, i) => byType.set(c.gpu.id, [...(byType.get(c.gpu.id) ?? []), i]));
    for (const [gpu, indexes] of byType) {
      const limit = problem.availability[gpu];
      if (limit === undefined) continue;
      constraints.push({ name: `avail_${gpu}`, terms: Object.fromEntries(indexes.map((i) => [countVar(i), candidates[i].gpus])), max: limit });
    }
    if (problem.maxCostPerHour !== undefined) {
      constraints.push({ name: 'budget', terms: Object.fromEntries(candidates.map((c, i) => [countVar(i), c.costPerHour])), max: problem.maxCostPerHour });
    }
    if (problem.powerCapWatts !== undefined) {
      constraints.push({ name: 'power', terms: Object.fromEntries(candidates.map((c, i) => [countVar(i), c.powerWatts])), max: problem.powerCapWatts });
    }
  }
  if (fixedCounts) return { objective, constraints, integers: [] };
  const upper = Object.fromEntries(candidates.map((_, i) => [countVar(i), Math.ceil(Object.values(load[i]).reduce((sum, x) => sum + x, 0))]));
  return { objective, constraints, integers: candidates.map((_, i) => countVar(i)), upper };
}
