import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { SOLVERS, createSolver } from '../../optimize/solver.js';
import type { SolverName } from '../../optimize/solver.js';
import { planFleet } from '../../optimize/planner.js';
import { PLAN_FORMATS, renderPlan } from '../../report/plan-formats.js';
import type { PlanFormat } from '../../report/plan-formats.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadInputs, loadSpecFile } from '../inputs.js';

interface PlanOptions {
  catalog: string[];
  format?: PlanFormat;
  out?: string;
  solver?: SolverName;
}

/** `planner plan spec.yaml`: the cheapest fleet that meets the SLOs. */
export const registerPlan: Register = (program, action) => {
  program
    .command('plan')
    .description('find the cheapest set of GPUs (types, parallelism, prefill/decode pools) that serves the spec within its SLOs')
    .argument('<spec>', 'service spec YAML file')
    .option('--catalog <file>', 'catalog overlay: your prices, GPUs, engines (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...PLAN_FORMATS]))
    .option('--out <file>', 'also write the plan as JSON to this file')
    .addOption(new Option('--solver <name>', 'MILP solver (default: the spec\'s planning.solver, else highs)').choices([...SOLVERS]))
    .action(
      action(async ({ io, out }, specPath: string, options: PlanOptions) => {
        const inputs = loadInputs(options.catalog, io.cwd);
        const spec = loadSpecFile(specPath, inputs, io.cwd);
        const solver = createSolver(options.solver ?? spec.planning.solver);
        solver.warmUp();
        try {
          const result = await planFleet(spec, inputs.catalog, solver);
          if ('infeasible' in result) {
            out.error(`${specPath}: no plan meets the SLOs:`);
            for (const reason of result.infeasible) out.error(`  - ${reason}`);
            return EXIT.failed;
          }
          const format = options.format ?? (io.stdout.isTTY ? 'table' : 'json');
          if (options.out) writeFileSync(options.out, `${renderPlan(result.plan, 'json')}\n`);
          out.data(renderPlan(result.plan, format, out.paint.bold));
          return EXIT.ok;
        } finally {
          await solver.close();
        }
      }),
    );
};
