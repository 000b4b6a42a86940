import { isNodeLocal } from '../perf/transfer.js';
import { machineShapes, packedSize } from './machines.js';
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
  /** Slices routed as one (default: one group per route). */
  groups?: SliceGroup[];
  /** Instances every pool can lose and still carry its load (spares bought per pool). */
  redundancy?: number;
  /** Most pools (candidates with instances) and GPU types the fleet may have. */
  maxPools?: number;
  maxGpuTypes?: number;
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

/**
 * The routing rows of one slice group, gathered share by share: its shares sum to 1 on the side
 * that prefills and on the side that decodes, and within each pairing class what prefill pools
 * take, decode pools take too. Rows are named pre_g, dec_g and pair_g_class, plus `suffix`.
 */
export function groupRouting(): {
  add(c: Pick<Candidate, 'role' | 'pairClass'>, name: string): void;
  rows(g: number, suffix?: string): LinearConstraint[];
} {
  const prefillSide: Record<string, number> = {};
  const decodeSide: Record<string, number> = {};
  const pairs = new Map<string, Record<string, number>>();
  return {
    add(c, name) {
      if (c.role !== 'decode') prefillSide[name] = 1;
      if (c.role !== 'prefill') decodeSide[name] = 1;
      if (c.role !== 'colocated' && c.pairClass !== undefined) {
        const row = pairs.get(c.pairClass) ?? {};
        row[name] = c.role === 'prefill' ? 1 : -1;
        pairs.set(c.pairClass, row);
      }
    },
    rows(g, suffix = '') {
      return [
        { name: `pre_${g}${suffix}`, terms: prefillSide, equal: 1 },
        { name: `dec_${g}${suffix}`, terms: decodeSide, equal: 1 },
        ...[...pairs].sort((a, b) => a[0].localeCompare(b[0])).map(([cls, terms]) => ({ name: `pair_${g}_${cls}${suffix}`, terms, equal: 0 })),
      ];
    },
  };
}

/** Group loads below this many instances get an explicit share ≤ count row (see packingProgram). */
const LINK_BELOW_INSTANCES = 1e-3;

/** Name of the instance-count variable of candidate i. */
export const countVar = (i: number) => `n${i}`;
/** Name of the variable for the share of slice group g that candidate i serves. */
export const shareVar = (g: number, i: number) => `x${g}_${i}`;
/** Name of the 0/1 variable saying candidate i is a pool of the plan (has instances). */
export const openVar = (i: number) => `y${i}`;
/** Name of the 0/1 variable saying the plan uses the t-th GPU type of {@link gpuTypesOf} (ids may hold "-", an LP operator). */
export const typeVar = (t: number) => `z${t}`;

/** The GPU types of a problem's candidates, sorted (the order of the type variables). */
export function gpuTypesOf(problem: PackingProblem): string[] {
  return [...new Set(problem.candidates.map((c) => c.gpu.id))].sort();
}

/** Name of the variable counting machines of the k-th size (machineShapes order) of the t-th GPU type. */
export const machineVar = (t: number, k: number) => `m${t}_${k}`;

/** Whether the program needs the 0/1 pool variables (redundancy or a bound on pools or types). */
export function needsOpenVars(problem: PackingProblem): boolean {
  return (problem.redundancy ?? 0) > 0 || problem.maxPools !== undefined || problem.maxGpuTypes !== undefined;
}

/** Instances of candidate i a slice group would need alone: Σ rate_s / usable capacity_si (undefined: it cannot serve a member). */
export function groupInstances(problem: PackingProblem, members: number[], i: number): number | undefined {
  let instances = 0;
  for (const s of members) {
    const rate = usableRate(problem, s, i);
    if (rate <= 0) return undefined;
    instances += problem.slices[s].ratePerSecond / rate;
  }
  return instances;
}

/** Requests/s one instance of candidate i may carry for slice s (0: cannot serve it). */
export function usableRate(problem: PackingProblem, s: number, i: number): number {
  return (problem.candidates[i].capacity.get(problem.slices[s].id)?.ratePerSecond ?? 0) * problem.loadFactor;
}

/**
 * The MILP: integer instance counts n_i, continuous shares x_gi of each slice group, minimising
 * Σ cost_i · n_i subject to
 *  - every group fully served on the prefill side (colocated + prefill-only shares = 1) and on the
 *    decode side (colocated + decode-only shares = 1);
 *  - prefill → decode hand-overs only within a pairing class: per group and class, the prefill
 *    pools' shares equal the decode pools' (so a router can send each prefilled request to a
 *    decode pool of its class in proportion to their shares);
 *  - Σ_g load_gi · x_gi + r · y_i ≤ n_i for every candidate, r the redundancy (y_i = 1 when it is
 *    a pool: y_i ≤ n_i ≤ U_i · y_i; traffic forces n_i > 0, so y_i = 1), so a pool that loses r
 *    instances still carries its load (and x_gi ≤ n_i where that load is a trickle, so no
 *    traffic rides on zero instances within the solver's tolerance);
 *  - node-local prefill and decode pools (one pairing class) fit one node: Σ gpus_i · n_i ≤ its GPUs;
 *  - Σ_i y_i ≤ the most pools, y_i ≤ z_type(i) and Σ_t z_t ≤ the most GPU types, where bounded;
 *  - for offerings rented by the machine, whole machines m_tk (their cost replaces the
 *    instances'): for every instance size g, Σ gpus_i · n_i over instances of ≥ g GPUs ≤
 *    Σ GPUs of the machines of ≥ g GPUs (instances pack whole into one machine);
 *  - GPUs per type within availability (rented GPUs for machines), total cost within budget,
 *    total TDP within the power cap;
 *  - n_i ≤ U_i = ⌈Σ_g load_gi⌉ + r, the instances candidate i needs to serve every group it can
 *    alone: never binding at an optimum (all limits are ≤ rows with non-negative terms), but it
 *    narrows the solver's search (HiGHS solves the examples' programs 1.2–2.4× faster with it).
 * With `fixedCounts`, n is given and the program only routes traffic (the objective then prefers
 * the candidate that serves a slice most cheaply).
 */
export function packingProgram(problem: PackingProblem, fixedCounts?: number[]): LinearProgram {
  const { candidates } = problem;
  const redundancy = problem.redundancy ?? 0;
  const open = !fixedCounts && needsOpenVars(problem);
  const objective: Record<string, number> = {};
  const constraints: LinearConstraint[] = [];
  const load: Array<Record<string, number>> = candidates.map(() => ({}));
  groupsOf(problem).forEach((group, g) => {
    const routing = groupRouting();
    candidates.forEach((c, i) => {
      const instances = groupInstances(problem, group.members, i);
      if (instances === undefined) return;
      // Routing over fixed counts: a candidate with no instance takes no traffic.
      if (fixedCounts && fixedCounts[i] === 0) return;
      const name = shareVar(g, i);
      routing.add(c, name);
      load[i][name] = instances;
      if (fixedCounts) objective[name] = instances * c.costPerHour;
      if (!fixedCounts && instances < LINK_BELOW_INSTANCES) {
        // A share needs an instance. Where the group's load is too small for the capacity row to
        // force one within the solver's tolerance (a trickle of traffic), say so: x ≤ n. (A share
        // with a real load forces n > 0 through the capacity row, and n > 0 forces y = 1.)
        constraints.push({ name: `link_${g}_${i}`, terms: { [name]: 1, [countVar(i)]: -1 }, max: 0 });
      }
    });
    constraints.push(...routing.rows(g));
  });
  const upper: Record<string, number> = {};
  candidates.forEach((c, i) => {
    if (fixedCounts) {
      constraints.push({ name: `cap_${i}`, terms: load[i], max: fixedCounts[i] - (fixedCounts[i] > 0 ? redundancy : 0) });
      return;
    }
    // Offerings rented by the machine pay for their machines, not per instance.
    objective[countVar(i)] = machineShapes(c.gpu) ? 0 : c.costPerHour;
    upper[countVar(i)] = Math.ceil(Object.values(load[i]).reduce((sum, x) => sum + x, 0)) + redundancy;
    const spares = open && redundancy > 0 ? { [openVar(i)]: redundancy } : {};
    constraints.push({ name: `cap_${i}`, terms: { ...load[i], ...spares, [countVar(i)]: -1 }, max: 0 });
    if (open) {
      // A pool has instances exactly when it is open: y ≤ n ≤ U · y.
      upper[openVar(i)] = 1;
      constraints.push({ name: `count_${i}`, terms: { [countVar(i)]: 1, [openVar(i)]: -upper[countVar(i)] }, max: 0 });
      constraints.push({ name: `some_${i}`, terms: { [countVar(i)]: 1, [openVar(i)]: -1 }, min: 0 });
    }
  });
  if (fixedCounts) return { objective, constraints, integers: [] };
  const types = gpuTypesOf(problem);
  const byType = new Map<string, number[]>(types.map((gpu) => [gpu, []]));
  candidates.forEach((c, i) => byType.get(c.gpu.id)!.push(i));
  for (const [gpu, indexes] of byType) {
    const t = types.indexOf(gpu);
    const machines = machineShapes(candidates[indexes[0]].gpu);
    const limit = problem.availability[gpu];
    if (machines) {
      // Whole machines: the instances of at least g GPUs fit on the machines of at least g GPUs,
      // for every instance size g (enough for sizes that divide each other, as powers of two do).
      const gpusBound = indexes.reduce((sum, i) => sum + upper[countVar(i)] * candidates[i].gpus, 0);
      machines.forEach((m, k) => {
        objective[machineVar(t, k)] = m.usdPerHour;
        upper[machineVar(t, k)] = Math.ceil(gpusBound / m.gpus);
      });
      const sizes = [...new Set(indexes.map((i) => packedSize(machines, candidates[i].gpus)))].sort((a, b) => a - b);
      for (const g of sizes) {
        const terms: Record<string, number> = {};
        for (const i of indexes) if (packedSize(machines, candidates[i].gpus) >= g) terms[countVar(i)] = candidates[i].gpus;
        machines.forEach((m, k) => {
          if (m.gpus >= g) terms[machineVar(t, k)] = -m.gpus;
        });
        constraints.push({ name: `machines_${gpu}_${g}`, terms, max: 0 });
      }
      if (limit !== undefined) constraints.push({ name: `avail_${gpu}`, terms: Object.fromEntries(machines.map((m, k) => [machineVar(t, k), m.gpus])), max: limit });
    } else if (limit !== undefined) {
      constraints.push({ name: `avail_${gpu}`, terms: Object.fromEntries(indexes.map((i) => [countVar(i), candidates[i].gpus])), max: limit });
    }
    if (problem.maxGpuTypes !== undefined) {
      const z = typeVar(types.indexOf(gpu));
      upper[z] = 1;
      for (const i of indexes) constraints.push({ name: `type_${i}`, terms: { [openVar(i)]: 1, [z]: -1 }, max: 0 });
    }
  }
  // Node-local prefill and decode pools share one node: their GPUs fit it.
  const nodeClasses = new Map<string, number[]>();
  candidates.forEach((c, i) => {
    if (isNodeLocal(c.pairClass)) nodeClasses.set(c.pairClass!, [...(nodeClasses.get(c.pairClass!) ?? []), i]);
  });
  for (const [cls, indexes] of [...nodeClasses].sort((a, b) => a[0].localeCompare(b[0]))) {
    const node = candidates[indexes[0]].gpu.gpusPerNode;
    constraints.push({ name: `node_${cls}`, terms: Object.fromEntries(indexes.map((i) => [countVar(i), candidates[i].gpus])), max: node });
  }
  if (problem.maxPools !== undefined) {
    constraints.push({ name: 'pools', terms: Object.fromEntries(candidates.map((_, i) => [openVar(i), 1])), max: problem.maxPools });
  }
  if (problem.maxGpuTypes !== undefined) {
    constraints.push({ name: 'types', terms: Object.fromEntries(types.map((_, t) => [typeVar(t), 1])), max: problem.maxGpuTypes });
  }
  if (problem.maxCostPerHour !== undefined) {
    constraints.push({ name: 'budget', terms: Object.fromEntries(Object.entries(objective).filter(([, c]) => c !== 0)), max: problem.maxCostPerHour });
  }
  if (problem.powerCapWatts !== undefined) {
    constraints.push({ name: 'power', terms: Object.fromEntries(candidates.map((c, i) => [countVar(i), c.powerWatts])), max: problem.powerCapWatts });
  }
  const integers = [
    ...candidates.map((_, i) => countVar(i)),
    ...(open ? candidates.map((_, i) => openVar(i)) : []),
    ...(problem.maxGpuTypes !== undefined ? types.map((_, t) => typeVar(t)) : []),
    ...Object.keys(objective).filter((name) => name.startsWith('m')),
  ];
  return { objective, constraints, integers, upper };
}
