import { Option } from 'commander';
import { measurementShortfall, planMismatches, simulatePlan } from '../../simulate/simulate.js';
import { missedSlos, renderSimulation, SIMULATION_FORMATS } from '../../report/simulation-report.js';
import type { SimulationFormat } from '../../report/simulation-report.js';
import { InputError } from '../../input/issues.js';
import type { Plan } from '../../plan/plan.js';
import { didYouMean } from '../../input/did-you-mean.js';
import type { Register } from '../command-types.js';
import { collect } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadPlanFile, warnTo } from '../inputs.js';
import { planSpec, planningOptions, reportInfeasible, startPlanning, verifyFlag } from '../run-plan.js';
import type { PlanningFlags } from '../run-plan.js';
import { simulationFlags, simulationSettings } from '../run-simulation.js';
import { instancesExcess } from '../../simulate/limits.js';
import { BUCKET_RELATIVE_ERROR, EXACT_LATENCIES } from '../../simulate/latency-summary.js';
import type { SimulationFlags } from '../run-simulation.js';
import { grouped } from '../../text/digits.js';

interface SimulateOptions extends PlanningFlags, SimulationFlags {
  plan?: string;
  verify?: boolean;
  format?: SimulationFormat;
  down: string[];
}

/**
 * `--down POOL=N` flags as instances out of service per pool id. POOL is a pool's id
 * (mi300x/tp4/pp1/colocated) or its number in the plan's table (#2, or 2); N defaults to 1.
 */
export function downInstances(flags: string[], plan: Plan): Map<string, number> {
  const down = new Map<string, number>();
  for (const flag of flags) {
    const match = /^\s*(#?)([^=]+?)\s*(?:=\s*(\S+)\s*)?$/.exec(flag);
    const fail = (message: string) => new InputError([{ file: '--down', message: `${flag}: ${message}` }]);
    if (!match) throw fail('expected POOL=N (a pool id or its number in the plan table, and how many of its instances to take down)');
    const [, hash, name, count] = match;
    const index = /^\d+$/.test(name) ? Number(name) : undefined;
    const pool = index !== undefined ? plan.pools[index - 1] : plan.pools.find((p) => p.id === name);
    if (!pool) {
      const known = plan.pools.map((p, i) => `#${i + 1} ${p.id}`).join(', ');
      const range = plan.pools.length === 1 ? 'one pool' : `pools #1–#${plan.pools.length}`;
      throw fail(index !== undefined || hash ? `the plan has ${range} (${known})` : `no pool ${name} in the plan${didYouMean(name, plan.pools.map((p) => p.id))}; its pools: ${known}`);
    }
    const n = count === undefined ? 1 : Number(count);
    if (!Number.isInteger(n) || n < 0 || n > pool.count) throw fail(`N must be a whole number from 0 to the pool's ${pool.count} instances; got ${count}`);
    down.set(pool.id, (down.get(pool.id) ?? 0) + n);
    if (down.get(pool.id)! > pool.count) throw fail(`takes down more than the pool's ${pool.count} instances`);
  }
  return down;
}

/** `planner simulate spec.yaml`: replays the spec's arrivals through a plan, request by request. */
export const registerSimulate: Register = (program, action) => {
  simulationFlags(
    verifyFlag(
      planningOptions(
        program
          .command('simulate')
          .description("replay the spec's arrivals (Poisson, bursty, or its trace) through a plan's pools in a discrete-event simulation; exit 1 when an SLO misses its percentile")
          .argument('<spec>', 'service spec YAML file'),
      ),
    ),
  )
    .option('--plan <plan.json>', 'a saved plan (planner plan --out); default: plan the spec first')
    .option('--down <pool=n>', "take n instances of a pool out of service for the run, e.g. --down '#1=1' or --down mi300x/tp4/pp1/colocated=1 (repeatable)", collect, [])
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...SIMULATION_FORMATS]))
    .addHelpText('after', `
Attainments (the share of requests within each SLO target) are counted exactly. Percentiles are
exact for groups (a slice, class, pool) of up to ${grouped(EXACT_LATENCIES)} requests; past that they are read from
log-spaced buckets, within ${BUCKET_RELATIVE_ERROR * 100}% of the exact value, so memory stays flat in the run's length.`)
    .action(
      action(async ({ io, out }, specPath: string, options: SimulateOptions) => {
        const run = startPlanning(specPath, options, io.cwd, warnTo(out), io.env);
        const settings = simulationSettings(options, run.spec, io.cwd);
        let plan;
        if (options.plan) {
          await run.solver.close();
          plan = loadPlanFile(options.plan, run, io.cwd);
          const problems = planMismatches(plan, run.spec, run.catalog);
          if (problems.length > 0) throw new InputError(problems.map((message) => ({ file: options.plan!, message })));
        } else {
          // The plan `planner plan` prints: verified unless --no-verify.
          const result = await planSpec(run, { verify: options, cwd: io.cwd });
          if ('infeasible' in result) {
            reportInfeasible(out, specPath, result.infeasible);
            return EXIT.failed;
          }
          plan = result.plan;
        }
        const down = downInstances(options.down, plan);
        const tooLarge = instancesExcess(plan, down);
        if (tooLarge) throw new InputError([{ file: options.plan ?? specPath, message: tooLarge }]);
        const report = simulatePlan(plan, run.spec, run.catalog, { ...settings, replay: settings.replay?.(), down });
        const format = options.format ?? (io.stdout.isTTY ? 'table' : 'json');
        out.data(renderSimulation(report, format, out.paint.bold));
        if (report.holds) return EXIT.ok;
        // Too few requests measured certifies nothing: say so, rather than list SLOs "missed" at no attainment.
        const shortfall = measurementShortfall(report);
        out.error(`${specPath}: ${shortfall ? `not verified: ${shortfall}` : missedSlos(report)}`);
        return EXIT.failed;
      }),
    );
};
