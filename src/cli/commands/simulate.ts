import { Option } from 'commander';
import { planMismatches, simulatePlan } from '../../simulate/simulate.js';
import { missedSlos, renderSimulation, SIMULATION_FORMATS } from '../../report/simulation-report.js';
import type { SimulationFormat } from '../../report/simulation-report.js';
import { InputError } from '../../spec/issues.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadPlanFile } from '../inputs.js';
import { planSpec, planningOptions, reportInfeasible, startPlanning } from '../run-plan.js';
import type { PlanningFlags } from '../run-plan.js';
import { simulationFlags, simulationSettings } from '../run-simulation.js';
import type { SimulationFlags } from '../run-simulation.js';

interface SimulateOptions extends PlanningFlags, SimulationFlags {
  plan?: string;
  format?: SimulationFormat;
}

/** `planner simulate spec.yaml`: replays the spec's arrivals through a plan, request by request. */
export const registerSimulate: Register = (program, action) => {
  simulationFlags(
    planningOptions(
      program
        .command('simulate')
        .description("replay the spec's arrivals (Poisson, bursty, or its trace) through a plan's pools in a discrete-event simulation; exit 1 when an SLO misses its percentile")
        .argument('<spec>', 'service spec YAML file'),
    ),
  )
    .option('--plan <plan.json>', 'a saved plan (planner plan --out); default: plan the spec first')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...SIMULATION_FORMATS]))
    .action(
      action(async ({ io, out }, specPath: string, options: SimulateOptions) => {
        const run = startPlanning(specPath, options, io.cwd);
        const settings = simulationSettings(options, run.spec, io.cwd);
        let plan;
        if (options.plan) {
          await run.solver.close();
          plan = loadPlanFile(options.plan, run, io.cwd);
          const problems = planMismatches(plan, run.spec, run.catalog);
          if (problems.length > 0) throw new InputError(problems.map((message) => ({ file: options.plan!, message })));
        } else {
          const result = await planSpec(run);
          if ('infeasible' in result) {
            reportInfeasible(out, specPath, result.infeasible);
            return EXIT.failed;
          }
          plan = result.plan;
        }
        const report = simulatePlan(plan, run.spec, run.catalog, { ...settings, replay: settings.replay?.() });
        const format = options.format ?? (io.stdout.isTTY ? 'table' : 'json');
        out.data(renderSimulation(report, format, out.paint.bold));
        if (report.holds) return EXIT.ok;
        out.error(`${specPath}: ${missedSlos(report)}`);
        return EXIT.failed;
      }),
    );
};
