import { parentPort } from 'node:worker_threads';
import solverModule from 'javascript-lp-solver';
import type { SolverAPI } from 'javascript-lp-solver';
import type { LinearProgram } from './lp.js';

// The package's types describe CommonJS interop (the solver under .default); its ESM build
// exports the solver itself as the default export.
const solver: SolverAPI = (solverModule as unknown as { default?: SolverAPI }).default ?? (solverModule as unknown as SolverAPI);

/** Runs javascript-lp-solver on programs sent by the parent thread (which can kill it at a time limit). */
parentPort?.on('message', (message: { lp: LinearProgram; relax: boolean; softLimitMs: number }) => {
  const { lp, relax, softLimitMs } = message;
  const constraints: Record<string, { max?: number; min?: number; equal?: number }> = {};
  const variables: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(lp.objective)) variables[name] = { objective: lp.objective[name] };
  for (const c of lp.constraints) {
    constraints[c.name] = { ...(c.max !== undefined ? { max: c.max } : {}), ...(c.min !== undefined ? { min: c.min } : {}), ...(c.equal !== undefined ? { equal: c.equal } : {}) };
    for (const [name, coefficient] of Object.entries(c.terms)) (variables[name] ??= { objective: 0 })[c.name] = coefficient;
  }
  // javascript-lp-solver has no variable bounds: each is a row of its own.
  for (const [name, bound] of Object.entries(lp.upper ?? {})) {
    constraints[`upper_${name}`] = { max: bound };
    (variables[name] ??= { objective: 0 })[`upper_${name}`] = 1;
  }
  const ints = relax ? {} : Object.fromEntries(lp.integers.map((name) => [name, 1 as const]));
  const started = performance.now();
  try {
    const result = solver.Solve({ optimize: 'objective', opType: 'min', constraints, variables, ints, options: { timeout: softLimitMs, tolerance: 0 } }) as Record<string, unknown>;
    const seconds = (performance.now() - started) / 1000;
    const values: Record<string, number> = {};
    for (const name of Object.keys(variables)) {
      const value = result[name];
      if (typeof value === 'number' && value !== 0) values[name] = value;
    }
    const status = !result.feasible ? 'infeasible' : seconds * 1000 >= softLimitMs * 0.98 && !relax ? 'time-limit' : 'optimal';
    parentPort!.postMessage({ status, values, objective: Number(result.result), seconds });
  } catch (err) {
    parentPort!.postMessage({ status: 'failed', values: {}, objective: Number.NaN, seconds: (performance.now() - started) / 1000, error: String(err) });
  }
});
