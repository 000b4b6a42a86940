import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import { SOLVERS } from '../../optimize/solver.js';
import { PLAN_FORMATS, renderPlan } from '../../report/plan-formats.js';
import type { PlanFormat } from '../../report/plan-formats.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { planSpec, reportInfeasible, startPlanning } from '../run-plan.js';
import type { PlanningFlags } from '../run-plan.js';

/** Adds the options every planning command takes: --catalog, --set, --solver. */
export function planningOptions(command: Command): Command {
  return command
    .option('--catalog <file>', 'catalog overlay: your prices, GPUs, engines (repeatable)', collect, [])
    .option('--set <path=value>', 'override a spec field, e.g. --set workload.rate=40/s (repeatable)', collect, [])
    .addOption(new Option('--solver <name>', "MILP solver (default: the spec's planning.solver, else highs)").choices([...SOLVERS]));
}

interface PlanOptions extends PlanningFlags {
  format?: PlanFormat;
  out?: string;
}

/** `planner plan spec.yaml`: the cheapest fleet that meets the SLOs. */
export const registerPlan: Register = (program, action) => {
  planningOptions(
    program
      .command('plan')
      .description('find the cheapest set of GPUs (types, parallelism, prefill/decode pools) that serves the spec within its SLOs')
      .argument('<spec>', 'service spec YAML file'),
  )
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...PLAN_FORMATS]))
    .option('--out <file>', 'also write the plan as JSON to this file')
    .action(
      action(async ({ io, out }, specPath: string, options: PlanOptions) => {
        const result = await planSpec(startPlanning(specPath, options, io.cwd));
        if ('infeasible' in result) {
          reportInfeasible(out, specPath, result.infeasible);
          return EXIT.failed;
        }
        const format = options.format ?? (io.stdout.isTTY ? 'table' : 'json');
        if (options.out) writeFileSync(options.out, `${renderPlan(result.plan, 'json')}\n`);
        out.data(renderPlan(result.plan, format, out.paint.bold));
        return EXIT.ok;
      }),
    );
};
