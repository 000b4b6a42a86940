/** A linear program in plain data: minimise the objective subject to the constraints, x ≥ 0. */
export interface LinearProgram {
  objective: Record<string, number>;
  constraints: LinearConstraint[];
  /** Variables that must take whole values. */
  integers: string[];
  /** Upper bounds of variables (none where absent). */
  upper?: Record<string, number>;
}

/** Σ terms ≤ max, ≥ min, or = equal. */
export interface LinearConstraint {
  name: string;
  terms: Record<string, number>;
  max?: number;
  min?: number;
  equal?: number;
}

/**
 * Branch-and-bound nodes a MILP may explore: the solver's deterministic work limit, so that the
 * same program gives the same answer on a quiet and on a loaded machine. The programs planner
 * builds prove their optimum within a few hundred nodes (examples, the large bench spec, chat
 * at 1,000 req/s: at most 126, multi-tenant's main program, without MIP restarts, 2026-12-04);
 * the wall-clock limit is only a guard behind it.
 */
export const MIP_NODE_LIMIT = 5000;

/**
 * The relative gap at which a MILP counts as solved: the incumbent is within 0.1% of the best
 * bound (HiGHS's default is 0.01%). Far below the simplicity rule's tolerance (min_saving, 5%), and
 * what the hard programs need: chat at 1,000 req/s proves its optimum in 98 branch-and-bound nodes
 * instead of 1,532 (0.61 s instead of 1.19 s, warm), the same fleet; every example and the large
 * bench spec plan the same fleets (2026-12-03). The plan reports the gap that remains.
 */
export const MIP_RELATIVE_GAP = 1e-3;

/**
 * What a solver returned: values of the variables it set (others are 0). work-limit: the best
 * solution found within MIP_NODE_LIMIT nodes (deterministic); time-limit: the wall-clock guard
 * stopped it (the answer depends on the machine's speed and load).
 */
export interface LpSolution {
  status: 'optimal' | 'work-limit' | 'time-limit' | 'infeasible' | 'failed';
  values: Record<string, number>;
  objective: number;
  /** Of a MILP solved to optimality within MIP_RELATIVE_GAP: the best bound the search proved (≤ the objective). */
  bound?: number;
  seconds: number;
}

const TOLERANCE = 1e-6;

/** The value of a variable in a solution (absent means 0). */
export function valueOf(values: Record<string, number>, name: string): number {
  return values[name] ?? 0;
}

/** Σ coefficient × value of a constraint's terms. */
export function lhs(constraint: LinearConstraint, values: Record<string, number>): number {
  return Object.entries(constraint.terms).reduce((sum, [name, coefficient]) => sum + coefficient * valueOf(values, name), 0);
}

/**
 * Every way a solution breaks the program: a negative or non-finite value, a fractional integer,
 * a violated constraint (beyond a tolerance relative to the constraint's scale). Empty: valid.
 */
export function violations(lp: LinearProgram, values: Record<string, number>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value) || value < -TOLERANCE) problems.push(`${name} = ${value}`);
  }
  for (const [name, bound] of Object.entries(lp.upper ?? {})) {
    if (valueOf(values, name) > bound + TOLERANCE * Math.max(1, Math.abs(bound))) problems.push(`${name} = ${valueOf(values, name)} > ${bound}`);
  }
  for (const name of lp.integers) {
    const value = valueOf(values, name);
    if (Math.abs(value - Math.round(value)) > TOLERANCE) problems.push(`${name} = ${value} is not whole`);
  }
  for (const c of lp.constraints) {
    const value = lhs(c, values);
    const scale = Math.max(1, ...Object.values(c.terms).map(Math.abs), Math.abs(c.max ?? c.min ?? c.equal ?? 0));
    const tol = TOLERANCE * scale;
    if (c.max !== undefined && value > c.max + tol) problems.push(`${c.name}: ${value} > ${c.max}`);
    if (c.min !== undefined && value < c.min - tol) problems.push(`${c.name}: ${value} < ${c.min}`);
    if (c.equal !== undefined && Math.abs(value - c.equal) > tol) problems.push(`${c.name}: ${value} ≠ ${c.equal}`);
  }
  return problems;
}

/** Σ objective × value. */
export function objectiveValue(lp: LinearProgram, values: Record<string, number>): number {
  return Object.entries(lp.objective).reduce((sum, [name, cost]) => sum + cost * valueOf(values, name), 0);
}
