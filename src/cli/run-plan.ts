import { Option } from 'commander';
import type { Command } from 'commander';
import { planFleet } from '../planning/plan-fleet.js';
import type { PlanResult } from '../planning/plan-fleet.js';
import { createSolver, SOLVERS } from '../optimize/solver.js';
import type { LpSolver, SolverName } from '../optimize/solver.js';
import type { SchemaChecker } from '../spec/schema-check.js';
import type { Catalog, ServiceSpec } from '../spec/types.js';
import { loadInputs, loadSpecFile } from './inputs.js';
import { collect } from './command-types.js';
import type { Output } from './output.js';

/** Options the planning commands share (plan, check, sweep). */
export interface PlanningFlags {
  catalog: string[];
  set: string[];
  solver?: SolverName;
}

/** The loaded spec and catalog of a planning command, with a started solver (close it when done). */
export interface PlanningRun {
  spec: ServiceSpec;
  catalog: Catalog;
  solver: LpSolver;
  check: SchemaChecker;
}

/** Loads catalog and spec (with --set overrides) and starts the solver, which loads while the caller prepares. */
export function startPlanning(specPath: string, flags: PlanningFlags, cwd: string): PlanningRun {
  const inputs = loadInputs(flags.catalog, cwd);
  const spec = loadSpecFile(specPath, inputs, cwd, flags.set);
  const solver = createSolver(flags.solver ?? spec.planning.solver);
  solver.warmUp();
  return { spec, catalog: inputs.catalog, solver, check: inputs.check };
}

/** Plans a spec, always releasing the solver. */
export async function planSpec(run: PlanningRun, spec: ServiceSpec = run.spec): Promise<PlanResult> {
  try {
    return await planFleet(spec, run.catalog, run.solver);
  } finally {
    await run.solver.close();
  }
}

/** Prints why no plan meets the SLOs (stderr). */
export function reportInfeasible(out: Output, specPath: string, reasons: string[]): void {
  out.error(`${specPath}: no plan meets the SLOs:`);
  for (const reason of reasons) out.error(`  - ${reason}`);
}

/** Adds the options every planning command takes: --catalog, --set, --solver. */
export function planningOptions(command: Command): Command {
  return command
    .option('--catalog <file>', 'catalog overlay: your prices, GPUs, engines (repeatable)', collect, [])
    .option('--set <path=value>', 'override a spec field, e.g. --set workload.rate=40/s (repeatable)', collect, [])
    .addOption(new Option('--solver <name>', "MILP solver (default: the spec's planning.solver, else highs)").choices([...SOLVERS]));
}
