import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { PLAN_FORMATS, renderPlan } from '../../report/plan-formats.js';
import type { PlanFormat } from '../../report/plan-formats.js';
import { planVerified } from '../../planning/verify.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { planningOptions, planSpec, reportInfeasible, startPlanning } from '../run-plan.js';
import type { PlanningFlags, PlanningRun } from '../run-plan.js';
import { simulationFlags, simulationSettings } from '../run-simulation.js';
import type { SimulationFlags } from '../run-simulation.js';

interface PlanOptions extends PlanningFlags, SimulationFlags {
  format?: PlanFormat;
  out?: string;
  verify?: boolean;
}

/** Plans with `--verify`: simulate, lower the capacity of failing pools, re-plan; always releases the solver. */
async function planAndVerify(run: PlanningRun, options: PlanOptions, cwd: string) {
  const settings = simulationSettings(options, run.spec, cwd);
  try {
    return (await planVerified(run.spec, run.catalog, run.solver, settings)).result;
  } finally {
    await run.solver.close();
  }
}

/** `planner plan spec.yaml`: the cheapest fleet that meets the SLOs. */
export const registerPlan: Register = (program, action) => {
  simulationFlags(
    planningOptions(
      program
        .command('plan')
        .description('find the cheapest set of GPUs (types, parallelism, prefill/decode pools) that serves the spec within its SLOs')
        .argument('<spec>', 'service spec YAML file'),
    ).option('--verify', 'check the plan by simulation (see planner simulate); raise the capacity of failing pools and re-plan until the SLOs hold'),
  )
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...PLAN_FORMATS]))
    .option('--out <file>', 'also write the plan as JSON to this file')
    .action(
      action(async ({ io, out }, specPath: string, options: PlanOptions) => {
        const run = startPlanning(specPath, options, io.cwd);
        const result = options.verify ? await planAndVerify(run, options, io.cwd) : await planSpec(run);
        if ('infeasible' in result) {
          reportInfeasible(out, specPath, result.infeasible);
          return EXIT.failed;
        }
        const format = options.format ?? (io.stdout.isTTY ? 'table' : 'json');
        if (options.out) writeFileSync(options.out, `${renderPlan(result.plan, 'json')}\n`);
        out.data(renderPlan(result.plan, format, out.paint.bold));
        const verification = result.plan.verification;
        if (verification && !verification.holds) {
          out.error(`${specPath}: the plan does not hold in simulation: ${verification.reason}`);
          return EXIT.failed;
        }
        return EXIT.ok;
      }),
    );
};
