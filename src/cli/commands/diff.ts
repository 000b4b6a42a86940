import { Option } from 'commander';
import { diffPlans } from '../../plan/diff.js';
import { diffMarkdown, diffText } from '../../report/diff-report.js';
import { PLAN_FORMATS, renderPlan } from '../../report/plan-formats.js';
import type { PlanFormat } from '../../report/plan-formats.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadPlanFile, loadSchemaChecker } from '../inputs.js';

/** `planner diff` and `planner render`: work on saved plans without recomputing them. */
export const registerPlanFileCommands: Register = (program, action) => {
  program
    .command('diff')
    .description('compare two saved plans: cost delta, pools added/removed/resized, predictions that moved')
    .argument('<base>', 'plan JSON (planner plan --out) of the base')
    .argument('<head>', 'plan JSON of the change')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
    .action(
      action(({ io, out }, basePath: string, headPath: string, options: { format: string }) => {
        const check = loadSchemaChecker();
        const diff = diffPlans(loadPlanFile(basePath, { check }, io.cwd), loadPlanFile(headPath, { check }, io.cwd));
        out.data(options.format === 'json' ? JSON.stringify(diff, null, 2) : options.format === 'markdown' ? diffMarkdown(diff) : diffText(diff, out.paint.bold));
        return EXIT.ok;
      }),
    );
  program
    .command('render')
    .description('print a saved plan in another format, without recomputing it')
    .argument('<plan>', 'plan JSON (planner plan --out)')
    .addOption(new Option('--format <format>', 'output format').choices([...PLAN_FORMATS]).default('table'))
    .action(
      action(({ io, out }, planPath: string, options: { format: PlanFormat }) => {
        const plan = loadPlanFile(planPath, { check: loadSchemaChecker() }, io.cwd);
        out.data(renderPlan(plan, options.format, out.paint.bold));
        return EXIT.ok;
      }),
    );
};
