import { Option } from 'commander';
import { PLAN_FORMATS, renderPlan } from '../../report/plan-formats.js';
import type { PlanFormat } from '../../report/plan-formats.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { writeFileAtomic } from '../write-file.js';
import { scheduleSvg } from '../../report/schedule-report.js';
import { InputError } from '../../input/issues.js';
import { planningOptions, planSpec, reportInfeasible, startPlanning, verifyOptions } from '../run-plan.js';
import { warnTo } from '../inputs.js';
import type { PlanningFlags } from '../run-plan.js';
import type { SimulationFlags } from '../run-simulation.js';

interface PlanOptions extends PlanningFlags, SimulationFlags {
  format?: PlanFormat;
  out?: string;
  chart?: string;
  verify?: boolean;
}

/** `planner plan spec.yaml`: the cheapest fleet that meets the SLOs, checked by simulation. */
export const registerPlan: Register = (program, action) => {
  verifyOptions(
    planningOptions(
      program
        .command('plan')
        .description('find the cheapest set of GPUs (types, parallelism, prefill/decode pools) that serves the spec within its SLOs, checked by simulation')
        .argument('<spec>', 'service spec YAML file'),
    ),
  )
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...PLAN_FORMATS]))
    .option('--out <file>', 'also write the plan as JSON to this file')
    .option('--chart <file>', 'with workload.profile: write an SVG chart of the fleet and its cost over the day (or week)')
    .action(
      action(async ({ io, out }, specPath: string, options: PlanOptions) => {
        const run = startPlanning(specPath, options, io.cwd, warnTo(out), io.env);
        if (options.chart && !run.spec.profile) throw new InputError([{ file: '--chart', message: 'charts the schedule of a plan over a load profile; the spec has no workload.profile' }]);
        const result = await planSpec(run, { verify: options, cwd: io.cwd });
        if ('infeasible' in result) {
          reportInfeasible(out, specPath, result.infeasible);
          return EXIT.failed;
        }
        const format = options.format ?? (io.stdout.isTTY ? 'table' : 'json');
        if (options.out) writeFileAtomic(options.out, `${renderPlan(result.plan, 'json')}\n`, io.cwd);
        if (options.chart) writeFileAtomic(options.chart, scheduleSvg(result.plan), io.cwd);
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
