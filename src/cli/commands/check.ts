import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { checkPlan } from '../../plan/check.js';
import type { Thresholds } from '../../plan/check.js';
import { renderPlan } from '../../report/plan-formats.js';
import { checkMarkdown, checkText } from '../../report/check-report.js';
import { InputError } from '../../spec/issues.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { flagQuantity } from '../flags.js';
import { loadPlanFile, warnTo } from '../inputs.js';
import { planSpec, planningOptions, reportInfeasible, startPlanning, verifyOptions } from '../run-plan.js';
import type { PlanningFlags } from '../run-plan.js';
import type { SimulationFlags } from '../run-simulation.js';

interface CheckOptions extends PlanningFlags, SimulationFlags {
  verify?: boolean;
  baseline?: string;
  maxCostPerHour?: string;
  maxIncrease?: string;
  format: 'text' | 'json' | 'markdown';
  out?: string;
}

/** `planner check spec.yaml`: plans and holds the cost to thresholds; exit 1 when one fails. */
export const registerCheck: Register = (program, action) => {
  verifyOptions(
    planningOptions(
      program
        .command('check')
        .description('plan the spec (checked by simulation) and check its cost against thresholds (flags or the spec\'s budget:); exit 1 when one fails')
        .argument('<spec>', 'service spec YAML file'),
    ),
  )
    .option('--baseline <plan.json>', 'a saved plan (planner plan --out) to compare with')
    .option('--max-cost-per-hour <price>', 'fail above this cost, e.g. 120 or $120/h or $80000/month')
    .option('--max-increase <percent>', 'with --baseline: fail when the cost rises more than this, e.g. 10%')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('--out <file>', 'also write the new plan as JSON (the next baseline)')
    .action(
      action(async ({ io, out }, specPath: string, options: CheckOptions) => {
        const maxCostPerHour = flagQuantity('--max-cost-per-hour', 'price', options.maxCostPerHour);
        const maxIncreasePercent = flagQuantity('--max-increase', 'percent', options.maxIncrease);
        const run = startPlanning(specPath, options, io.cwd, warnTo(out));
        const baseline = options.baseline ? loadPlanFile(options.baseline, run, io.cwd) : undefined;
        const thresholds: Thresholds = {
          maxCostPerHour: maxCostPerHour ?? run.spec.budget.maxCostPerHourUsd,
          maxIncreasePercent: maxIncreasePercent ?? run.spec.budget.maxIncreasePercent,
        };
        if (thresholds.maxIncreasePercent !== undefined && !baseline) {
          throw new InputError([{ file: '--max-increase', message: 'needs --baseline (the plan to compare with)' }]);
        }
        // The budget is a threshold to report against here, not a limit on the search.
        const result = await planSpec(run, { spec: { ...run.spec, budget: {} }, verify: options, cwd: io.cwd });
        if ('infeasible' in result) {
          reportInfeasible(out, specPath, result.infeasible);
          return EXIT.failed;
        }
        if (options.out) writeFileSync(options.out, `${renderPlan(result.plan, 'json')}\n`);
        const check = checkPlan(result.plan, thresholds, baseline);
        out.data(options.format === 'json' ? JSON.stringify(check, null, 2) : options.format === 'markdown' ? checkMarkdown(check) : checkText(check));
        return check.passed ? EXIT.ok : EXIT.failed;
      }),
    );
};
