import type { Command } from 'commander';
import type { SimulationOptions } from '../simulate/simulate.js';
import { InputError } from '../input/issues.js';
import type { ServiceSpec } from '../input/types.js';
import { flagQuantity } from './flags.js';
import { traceArrivals } from './traces.js';
import { sizedDuration } from '../simulate/duration.js';
import { requestsExcess } from '../simulate/limits.js';

/** Longest run `--duration` accepts: a day of simulated traffic. */
const MAX_DURATION_SECONDS = 86_400;

/** The flags of a simulation, as typed. */
export interface SimulationFlags {
  duration?: string;
  seed: string;
  warmup?: string;
}

/** Adds the flags a simulation takes: --duration, --seed, --warmup. */
export function simulationFlags(command: Command): Command {
  return command
    .option('--duration <time>', "simulated time of arrivals, e.g. 600s or 10min (at most a day); default: 600 s, or long enough for every class's tightest percentile")
    .option('--seed <n>', 'random seed: the same seed gives the same result', '1')
    .option('--warmup <time>', 'arrivals before this are not measured (default: a tenth of the run, at most 1min)');
}

/** Checked simulation settings from the flags; a spec with a trace replays it. */
export function simulationSettings(flags: SimulationFlags, spec: ServiceSpec, cwd: string): Omit<SimulationOptions, 'replay'> & { replay?: () => NonNullable<SimulationOptions['replay']> } {
  const durationSeconds = flags.duration === undefined ? sizedDuration(spec).seconds : flagQuantity('--duration', 'duration', flags.duration);
  if (!(durationSeconds > 0) || durationSeconds > MAX_DURATION_SECONDS) {
    throw new InputError([{ file: '--duration', message: `must be more than 0 and at most 1 day (${MAX_DURATION_SECONDS} s); got ${flags.duration}` }]);
  }
  const seed = Number(flags.seed);
  if (!/^\d+$/.test(flags.seed.trim()) || seed > 0xffffffff) throw new InputError([{ file: '--seed', message: `must be a whole number from 0 to 4294967295; got ${flags.seed}` }]);
  const warmupSeconds = flagQuantity('--warmup', 'duration', flags.warmup);
  if (warmupSeconds !== undefined && !(warmupSeconds >= 0 && warmupSeconds < durationSeconds)) {
    throw new InputError([{ file: '--warmup', message: `must be at least 0 and shorter than --duration; got ${flags.warmup}` }]);
  }
  const trace = spec.trace;
  // A replayed trace runs for its own span (sped up as the spec asks) when that is shorter.
  const span = trace ? Math.min(durationSeconds, trace.durationSeconds / trace.replaySpeed) : durationSeconds;
  if (warmupSeconds !== undefined && warmupSeconds >= span) {
    throw new InputError([{ file: '--warmup', message: `must be shorter than the replayed trace (${span.toPrecision(3)} s); got ${flags.warmup}` }]);
  }
  // Arrivals are drawn at the spec's rate, or replayed at the trace's own (sped up as asked); a sized run fits already.
  const excess = flags.duration !== undefined && requestsExcess(trace ? trace.meanRatePerSecond * trace.replaySpeed : spec.totalRatePerSecond, span);
  if (excess) throw new InputError([{ file: '--duration', message: excess }]);
  return {
    durationSeconds: span,
    seed,
    warmupSeconds,
    replay: trace && (() => ({ arrivals: traceArrivals(trace, cwd, durationSeconds), name: trace.file })),
  };
}
