import type { Candidate } from '../optimize/candidates.js';
import { explainUncovered } from '../optimize/explain.js';
import type { PackingProblem } from '../optimize/formulation.js';
import { groupRoutes } from '../optimize/group-routes.js';
import { pruneDominated } from '../optimize/prune.js';
import { solveFleet } from '../optimize/solve-fleet.js';
import type { Fleet, NoFleet } from '../optimize/solve-fleet.js';
import type { LpSolver } from '../optimize/solver.js';
import type { ServiceSpec } from '../input/types.js';
import type { Slice } from '../workload/slices.js';

/** A restriction of the fleets a plan may have: roles, vendor, GPU types, and how many types and pools. */
export interface Structure {
  colocatedOnly?: boolean;
  vendor?: string;
  /** GPU types allowed (all where absent). */
  gpus?: string[];
  maxGpuTypes?: number;
  maxPools?: number;
}

/** A fleet solved under a structure, or why none exists (a route nothing in it can serve, or the solver's reason). */
export type Solved = { problem: PackingProblem; fleet: Fleet } | { reason: string; limits: boolean };

/** What a fleet is made of: how many pools, GPU types and vendors, and whether it disaggregates. */
export interface FleetShape {
  pools: number;
  gpuTypes: string[];
  vendors: string[];
  disaggregated: boolean;
}

/** The shape of a solved fleet. */
export function fleetShape(problem: PackingProblem, fleet: Fleet): FleetShape {
  const used = problem.candidates.filter((_, i) => fleet.counts[i] > 0);
  return {
    pools: used.length,
    gpuTypes: [...new Set(used.map((c) => c.gpu.id))].sort(),
    vendors: [...new Set(used.map((c) => c.gpu.vendor))].sort(),
    disaggregated: used.some((c) => c.role !== 'colocated'),
  };
}

/** What the planner knows before solving: the slices, every candidate, and those left after pruning. */
export interface Prepared {
  slices: Slice[];
  candidates: Candidate[];
  pruned: Candidate[];
}

/** The candidates no other one in the set dominates, under the spec's limits. */
export function pruneFor(spec: ServiceSpec, slices: Slice[], candidates: Candidate[]): Candidate[] {
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

/** The packing problem of a candidate set under the spec's limits (or without availability, budget and power cap). */
export function problemFor(spec: ServiceSpec, slices: Slice[], candidates: Candidate[], structure: Structure = {}, limits = true): PackingProblem {
  const cap = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  return {
    slices,
    candidates,
    groups: groupRoutes(slices, candidates),
    loadFactor: spec.planning.loadFactor,
    availability: limits ? spec.planning.availability : {},
    maxCostPerHour: limits ? spec.budget.maxCostPerHourUsd : undefined,
    powerCapWatts: limits ? spec.planning.powerCapWatts : undefined,
    redundancy: spec.planning.redundancy,
    maxPools: cap(spec.planning.maxPools, structure.maxPools),
    maxGpuTypes: cap(spec.planning.maxGpuTypes, structure.maxGpuTypes),
  };
}

function keeps(structure: Structure): (c: Candidate) => boolean {
  return (c) =>
    (!structure.colocatedOnly || c.role === 'colocated') &&
    (structure.vendor === undefined || c.gpu.vendor === structure.vendor) &&
    (structure.gpus === undefined || structure.gpus.includes(c.gpu.id));
}

/**
 * A solver of the packing MILP under structures, remembering what it solved (the baselines and
 * the simplification ladder ask for some of the same). Each solve prunes its own candidate set,
 * and falls back to every candidate of the set when the pruned one has no fleet.
 */
export function structureSolver(spec: ServiceSpec, prepared: Prepared, solver: LpSolver): (structure: Structure) => Promise<Solved> {
  const memo = new Map<string, Promise<Solved>>();
  const limit = spec.planning.solverTimeLimitSeconds;
  const solve = async (structure: Structure): Promise<Solved> => {
    const restricted = Object.keys(structure).some((k) => k === 'colocatedOnly' || k === 'vendor' || k === 'gpus');
    const all = restricted ? prepared.candidates.filter(keeps(structure)) : prepared.candidates;
    const uncovered = explainUncovered(prepared.slices, all, spec.classes.length);
    if (uncovered.length > 0) return { reason: uncovered[0], limits: false };
    const pruned = restricted ? pruneFor(spec, prepared.slices, all) : prepared.pruned;
    const first = problemFor(spec, prepared.slices, pruned, structure);
    let fleet: Fleet | NoFleet = await solveFleet(first, solver, limit);
    let problem = first;
    if (!('counts' in fleet) && pruned.length < all.length) {
      problem = problemFor(spec, prepared.slices, all, structure);
      fleet = await solveFleet(problem, solver, limit);
    }
    return 'counts' in fleet ? { problem, fleet } : { reason: fleet.reason, limits: fleet.status === 'infeasible' };
  };
  return (structure) => {
    const key = JSON.stringify(structure, Object.keys(structure).sort());
    if (!memo.has(key)) memo.set(key, solve(structure));
    return memo.get(key)!;
  };
}
