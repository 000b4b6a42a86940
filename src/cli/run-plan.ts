import { Option } from 'commander';
import type { Command } from 'commander';
import { planFleet } from '../planning/plan-fleet.js';
import type { PlanResult } from '../planning/plan-fleet.js';
import { createSolver, SOLVERS } from '../optimize/solver.js';
import type { LpSolver, SolverName } from '../optimize/solver.js';
import type { SchemaChecker } from '../input/schema-check.js';
import type { Catalog, ServiceSpec } from '../input/types.js';
import { loadInputs, loadSpecFile } from './inputs.js';
import type { Warn } from './inputs.js';
import { collect } from './command-types.js';
import { allowPathOption, specAccess } from './spec-paths.js';
import type { Output } from './output.js';
import { planVerified } from '../planning/verify.js';
import { simulationFlags, simulationSettings } from './run-simulation.js';
import type { SimulationFlags } from './run-simulation.js';

/** Options the planning commands share (plan, check, sweep). */
export interface PlanningFlags {
  catalog: string[];
  set: string[];
  solver?: SolverName;
  /** Folders the spec may name files in besides its own (--allow-path). */
  allowPath?: string[];
}

/** The loaded spec and catalog of a planning command, with a started solver (close it when done). */
export interface PlanningRun {
  spec: ServiceSpec;
  catalog: Catalog;
  solver: LpSolver;
  check: SchemaChecker;
}

/**
 * Loads catalog and spec (with --set overrides; the files the spec names only inside its folder,
 * --allow-path folders and those of PLANNER_ALLOW_PATHS in `env`) and starts the solver, which
 * loads while the caller prepares.
 */
export function startPlanning(specPath: string, flags: PlanningFlags, cwd: string, warn?: Warn, env: Record<string, string | undefined> = {}): PlanningRun {
  const inputs = loadInputs(flags.catalog, cwd);
  const spec = loadSpecFile(specPath, inputs, cwd, flags.set, warn, specAccess(flags.allowPath, env));
  const solver = createSolver(flags.solver ?? spec.planning.solver);
  solver.warmUp();
  return { spec, catalog: inputs.catalog, solver, check: inputs.check };
}

/** Plans a spec — checked by simulation unless `verify` is off — always releasing the solver. */
export async function planSpec(run: PlanningRun, options: { spec?: ServiceSpec; verify?: SimulationFlags & { verify?: boolean }; cwd?: string } = {}): Promise<PlanResult> {
  const spec = options.spec ?? run.spec;
  try {
    if (!options.verify || options.verify.verify === false) return await planFleet(spec, run.catalog, run.solver);
    const settings = simulationSettings(options.verify, spec, options.cwd ?? process.cwd());
    return (await planVerified(spec, run.catalog, run.solver, settings)).result;
  } finally {
    await run.solver.close();
  }
}

/** Adds --verify / --no-verify: verification by simulation is on unless --no-verify. */
export function verifyFlag(command: Command): Command {
  return command
    .option('--verify', 'check the plan by simulation and re-plan until it holds (the default)')
    .option('--no-verify', "skip the check by simulation (the plan is then the analytic model's alone)");
}

/** Adds --verify / --no-verify and the simulation flags the verification runs with. */
export function verifyOptions(command: Command): Command {
  return simulationFlags(verifyFlag(command));
}

/** Prints why no plan meets the SLOs (stderr). */
export function reportInfeasible(out: Output, specPath: string, reasons: string[]): void {
  out.error(`${specPath}: no plan meets the SLOs:`);
  for (const reason of reasons) out.error(`  - ${reason}`);
}

/** Adds the options every planning command takes: --catalog, --set, --solver, --allow-path. */
export function planningOptions(command: Command): Command {
  return allowPathOption(command)
    .option('--catalog <file>', 'catalog overlay: your prices, GPUs, engines (repeatable)', collect, [])
    .option('--set <path=value>', 'override a spec field, e.g. --set workload.rate=40/s (repeatable)', collect, [])
    .addOption(new Option('--solver <name>', "MILP solver (default: the spec's planning.solver, else highs)").choices([...SOLVERS]));
}
