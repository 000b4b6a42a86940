import { Option } from 'commander';
import { sweep, sweepValues } from '../../planning/sweep.js';
import type { SweepVariable } from '../../planning/sweep.js';
import { sweepCsv, sweepText } from '../../report/sweep-report.js';
import { InputError } from '../../input/issues.js';
import { parseQuantity } from '../../input/units.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { flagWholeNumber } from '../flags.js';
import { planningOptions, startPlanning } from '../run-plan.js';
import { warnTo } from '../inputs.js';
import type { PlanningFlags } from '../run-plan.js';

/** Most points a sweep plans (each is a whole plan: seconds of solver time). */
export const MAX_SWEEP_STEPS = 32;

interface SweepOptions extends PlanningFlags {
  rate?: string;
  ttft?: string;
  tpot?: string;
  steps: string;
  scale: 'linear' | 'log';
  format: 'table' | 'json' | 'csv';
}

/** Reads "1..64", "1/s..64/s" or "200ms..2s" into its two ends. */
function parseRange(flag: string, raw: string, variable: SweepVariable): [number, number] {
  const parts = raw.split('..');
  const kind = variable === 'rate' ? 'rate' : 'duration';
  const bad = (message: string) => new InputError([{ file: flag, message }]);
  if (parts.length !== 2) throw bad(`expected a range from..to, e.g. ${variable === 'rate' ? '1..64 or 1/s..64/s' : '200ms..2s'}; got "${raw}"`);
  const ends = parts.map((part) => parseQuantity(kind, part.trim()));
  for (const end of ends) if (!end.ok) throw bad(end.message);
  const [from, to] = ends.map((e) => (e as { value: number }).value);
  if (!(from > 0 && to > 0)) throw bad(`both ends must be more than 0, got "${raw}"`);
  return [from, to];
}

/** `planner sweep spec.yaml --rate 1..64`: cost (and GPU mix) against one varied quantity. */
export const registerSweep: Register = (program, action) => {
  planningOptions(
    program
      .command('sweep')
      .description('replan over a range of the rate or an SLO target and show where the plan changes')
      .argument('<spec>', 'service spec YAML file'),
  )
    .option('--rate <from..to>', 'vary the total request rate, e.g. 1..64 or 60/min..3600/min')
    .option('--ttft <from..to>', 'vary the TTFT target of every class, e.g. 200ms..2s')
    .option('--tpot <from..to>', 'vary the TPOT target of every class, e.g. 20ms..100ms')
    .option('--steps <n>', 'points in the range', '8')
    .addOption(new Option('--scale <scale>', 'spacing of the points').choices(['linear', 'log']).default('linear'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .action(
      action(async ({ io, out }, specPath: string, options: SweepOptions) => {
        const chosen = (['rate', 'ttft', 'tpot'] as const).filter((v) => options[v] !== undefined);
        if (chosen.length !== 1) throw new InputError([{ file: 'planner sweep', message: 'give exactly one of --rate, --ttft, --tpot' }]);
        const variable = chosen[0];
        const [from, to] = parseRange(`--${variable}`, options[variable]!, variable);
        const steps = flagWholeNumber('--steps', options.steps, 1, MAX_SWEEP_STEPS, 'points in a sweep: each is a plan');
        const run = startPlanning(specPath, options, io.cwd, warnTo(out), io.env);
        const progress = (done: number, total: number) => out.progress(`sweep ${done}/${total}`, done === total);
        try {
          const result = await sweep(run.spec, run.catalog, run.solver, variable, sweepValues(from, to, steps, options.scale === 'log'), progress);
          out.data(options.format === 'json' ? JSON.stringify(result, null, 2) : options.format === 'csv' ? sweepCsv(result) : sweepText(result, out.paint.bold));
        } finally {
          await run.solver.close();
        }
        return EXIT.ok;
      }),
    );
};
