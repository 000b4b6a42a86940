import { Option } from 'commander';
import { checkPlan } from '../../plan/check.js';
import type { Thresholds } from '../../plan/check.js';
import { renderPlan } from '../../report/plan-formats.js';
import { checkMarkdown, checkText } from '../../report/check-report.js';
import { InputError, formatIssue, sortIssues } from '../../input/issues.js';
import { checkFailureMarkdown, unverifiedLine } from '../../report/check-failure.js';
import type { CommandRun, Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import type { ExitCode } from '../exit-codes.js';
import { writeFileAtomic } from '../write-file.js';
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
      action(async (run, specPath: string, options: CheckOptions) => {
        if (options.format !== 'markdown') return runCheck(run, specPath, options);
        // A pull-request comment is posted whatever happens: a failure writes its reason too.
        try {
          return await runCheck(run, specPath, options);
        } catch (err) {
          const reasons = err instanceof InputError ? sortIssues(err.issues).map(formatIssue) : [`internal error: ${err instanceof Error ? err.message : String(err)}`];
          run.out.data(checkFailureMarkdown(err instanceof InputError ? 'the inputs have problems' : 'planner failed', reasons));
          throw err;
        }
      }),
    );
};

/** The body of `planner check`: plan, check the thresholds, report; the exit code. */
async function runCheck({ io, out }: CommandRun, specPath: string, options: CheckOptions): Promise<ExitCode> {
  const maxCostPerHour = flagQuantity('--max-cost-per-hour', 'price', options.maxCostPerHour);
  const maxIncreasePercent = flagQuantity('--max-increase', 'percent', options.maxIncrease);
  const run = startPlanning(specPath, options, io.cwd, warnTo(out), io.env);
  let baseline;
  let thresholds: Thresholds;
  try {
    baseline = options.baseline ? loadPlanFile(options.baseline, run, io.cwd) : undefined;
    thresholds = {
      maxCostPerHour: maxCostPerHour ?? run.spec.budget.maxCostPerHourUsd,
      maxIncreasePercent: maxIncreasePercent ?? run.spec.budget.maxIncreasePercent,
    };
    if (thresholds.maxIncreasePercent !== undefined && !baseline) {
      throw new InputError([{ file: '--max-increase', message: 'needs --baseline (the plan to compare with)' }]);
    }
  } catch (err) {
    // The solver started with the spec: stop it before reporting the baseline's problem.
    await run.solver.close();
    throw err;
  }
  // The budget is a threshold to report against here, not a limit on the search.
  const result = await planSpec(run, { spec: { ...run.spec, budget: {} }, verify: options, cwd: io.cwd });
  if ('infeasible' in result) {
    if (options.format === 'markdown') out.data(checkFailureMarkdown('no plan meets the SLOs', result.infeasible));
    reportInfeasible(out, specPath, result.infeasible);
    return EXIT.failed;
  }
  if (options.out) writeFileAtomic(options.out, `${renderPlan(result.plan, 'json')}\n`, io.cwd);
  const verification = result.plan.verification;
  // A plan the simulation does not hold (or could not measure) fails the check, as `plan` does.
  const unverified = verification && !verification.holds ? (verification.reason ?? 'an SLO misses its percentile') : undefined;
  const costs = checkPlan(result.plan, thresholds, baseline);
  const check = { ...costs, passed: costs.passed && unverified === undefined };
  if (options.format === 'json') out.data(JSON.stringify(check, null, 2));
  else {
    const report = options.format === 'markdown' ? checkMarkdown(check) : checkText(check);
    const body = report.replace(/\n*$/, '');
    // In markdown, the line joins the list of checks, or starts one after the heading.
    const gap = options.format === 'markdown' && !/\n- [^\n]*$/.test(body) ? '\n\n' : '\n';
    out.data(unverified === undefined ? report : `${body}${gap}${unverifiedLine(unverified, options.format)}\n`);
  }
  if (unverified !== undefined) out.error(`${specPath}: the plan does not hold in simulation: ${unverified}`);
  return check.passed ? EXIT.ok : EXIT.failed;
}
