import { countVar, gpuTypesOf, groupsOf, machineVar, needsOpenVars, openVar, packingProgram, shareVar, typeVar } from './formulation.js';
import { cheapestMachines, machineShapes } from './machines.js';
import type { PackingProblem } from './formulation.js';
import { objectiveValue, valueOf, violations } from './lp.js';
import type { LinearProgram } from './lp.js';
import type { LpSolver } from './solver.js';

/** A verified fleet: whole instance counts and the share of every slice each candidate serves. */
export interface Fleet {
  counts: number[];
  /** shares[s][i]: fraction of slice s that candidate i serves (prefill and decode sides alike). */
  shares: number[][];
  /** For GPU types rented by the machine: how many of each machine size (machineShapes order) the fleet rents. */
  machines: Record<string, number[]>;
  costPerHour: number;
  /**
   * optimal: proven by the MILP (to MIP_RELATIVE_GAP, the gap left reported); work-limit: the
   * best verified plan within the solver's node limit (the same on any machine); time-limit: the
   * best found before the wall-clock guard.
   */
  status: 'optimal' | 'work-limit' | 'time-limit';
  /** A lower bound on the cost (the MILP's proven bound, else the LP relaxation's), and the relative gap to it. */
  lowerBound: number;
  gap: number;
}

/** No fleet: the program is infeasible, or the solver found nothing it could verify. */
export interface NoFleet {
  status: 'infeasible' | 'failed';
  reason: string;
}

/**
 * Solves the packing MILP under a time limit and verifies the answer before returning it: the
 * counts must be whole and every constraint of the program must hold (when the solver's own
 * shares fail that check, the traffic is re-routed by an LP over the rounded counts and checked
 * again). When the MILP gives nothing usable in time, the LP relaxation rounded up is the
 * fallback, reported with its gap to the relaxation's lower bound.
 */
export async function solveFleet(problem: PackingProblem, solver: LpSolver, timeLimitSeconds: number): Promise<Fleet | NoFleet> {
  const lp = packingProgram(problem);
  const milp = await solver.solve(lp, { timeLimitSeconds });
  if (milp.status === 'infeasible') {
    return { status: 'infeasible', reason: 'the constraints (availability, budget, power cap) leave no way to serve every slice' };
  }
  // What stopped the search short of a proof: the deterministic node limit unless the wall clock did.
  const limit = milp.status === 'time-limit' ? 'time-limit' : 'work-limit';
  if (milp.status === 'optimal' || (milp.status !== 'failed' && Object.keys(milp.values).length > 0)) {
    const counts = problem.candidates.map((_, i) => Math.round(valueOf(milp.values, countVar(i))));
    const fleet = verified(problem, lp, counts, milp.values) ?? (await routeAndVerify(problem, lp, counts, solver, timeLimitSeconds));
    if (fleet && milp.status === 'optimal') return provenWithin(fleet, milp.bound);
    if (fleet) return withBound(fleet, await solver.solve(lp, { timeLimitSeconds, relax: true }), limit);
  }
  const relaxed = await solver.solve(lp, { timeLimitSeconds, relax: true });
  if (relaxed.status === 'infeasible') {
    return { status: 'infeasible', reason: 'the constraints (availability, budget, power cap) leave no way to serve every slice' };
  }
  if (relaxed.status !== 'optimal') return { status: 'failed', reason: `the solver gave no plan within ${timeLimitSeconds} s (planning.solver_time_limit)` };
  const counts = problem.candidates.map((_, i) => Math.ceil(valueOf(relaxed.values, countVar(i)) - 1e-9));
  const fleet = await routeAndVerify(problem, lp, counts, solver, timeLimitSeconds);
  if (!fleet) return { status: 'failed', reason: `the solver gave no plan that passes verification within ${timeLimitSeconds} s (planning.solver_time_limit)` };
  return withBound(fleet, relaxed, limit);
}

/** An optimal fleet (within MIP_RELATIVE_GAP) with the bound the search proved, and the gap to it. */
function provenWithin(fleet: Pick<Fleet, 'counts' | 'shares' | 'machines' | 'costPerHour'>, bound: number | undefined): Fleet {
  const lowerBound = bound === undefined ? fleet.costPerHour : Math.min(bound, fleet.costPerHour);
  const gap = fleet.costPerHour > 0 ? (fleet.costPerHour - lowerBound) / fleet.costPerHour : 0;
  return { ...fleet, status: 'optimal', lowerBound, gap };
}

/** A best-found (unproven) fleet with the LP relaxation's bound and the gap to it. */
function withBound(fleet: Pick<Fleet, 'counts' | 'shares' | 'machines' | 'costPerHour'>, relaxed: { status: string; objective: number }, status: 'work-limit' | 'time-limit'): Fleet {
  const lowerBound = relaxed.status === 'optimal' ? Math.min(relaxed.objective, fleet.costPerHour) : 0;
  const gap = fleet.costPerHour > 0 ? (fleet.costPerHour - lowerBound) / fleet.costPerHour : 0;
  return { ...fleet, status, lowerBound, gap };
}

/** The fleet the values describe, if they satisfy every constraint with the counts rounded. */
function verified(
  problem: PackingProblem,
  lp: LinearProgram,
  counts: number[],
  solverValues: Record<string, number>,
): Pick<Fleet, 'counts' | 'shares' | 'machines' | 'costPerHour'> | undefined {
  // The solver's shares with the rounded counts, and the 0/1 pool and type variables and the
  // cheapest machines they imply.
  const values: Record<string, number> = {};
  const types = gpuTypesOf(problem);
  for (const [name, value] of Object.entries(solverValues)) if (name.startsWith('x')) values[name] = value;
  counts.forEach((n, i) => {
    if (n === 0) return;
    values[countVar(i)] = n;
    if (needsOpenVars(problem)) {
      values[openVar(i)] = 1;
      if (problem.maxGpuTypes !== undefined) values[typeVar(types.indexOf(problem.candidates[i].gpu.id))] = 1;
    }
  });
  const machines: Record<string, number[]> = {};
  types.forEach((gpu, t) => {
    const indexes = problem.candidates.map((c, i) => (c.gpu.id === gpu ? i : -1)).filter((i) => i >= 0);
    const shapes = machineShapes(problem.candidates[indexes[0]].gpu);
    if (!shapes) return;
    const sizes = indexes.flatMap((i) => Array.from({ length: counts[i] }, () => problem.candidates[i].gpus));
    machines[gpu] = cheapestMachines(shapes, sizes, problem.availability[gpu]);
    machines[gpu].forEach((m, k) => {
      if (m > 0) values[machineVar(t, k)] = m;
    });
  });
  if (violations(lp, values).length > 0) return undefined;
  const groupOfSlice = new Map<number, number>();
  groupsOf(problem).forEach((group, g) => group.members.forEach((s) => groupOfSlice.set(s, g)));
  const shares = problem.slices.map((_, s) => problem.candidates.map((__, i) => valueOf(values, shareVar(groupOfSlice.get(s)!, i))));
  // Traffic on a candidate with no instance is a plan that serves nothing there, however small.
  if (shares.some((row) => row.some((x, i) => x > 1e-9 && counts[i] === 0))) return undefined;
  return { counts, shares, machines, costPerHour: objectiveValue(lp, values) };
}

/** Routes the traffic over fixed counts and checks the result against every constraint. */
async function routeAndVerify(
  problem: PackingProblem,
  lp: LinearProgram,
  counts: number[],
  solver: LpSolver,
  timeLimitSeconds: number,
): Promise<Pick<Fleet, 'counts' | 'shares' | 'machines' | 'costPerHour'> | undefined> {
  const routing = await solver.solve(packingProgram(problem, counts), { timeLimitSeconds, relax: true });
  return routing.status === 'optimal' ? verified(problem, lp, counts, routing.values) : undefined;
}
