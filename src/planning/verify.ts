import { capacityKey, planFleet } from './plan-fleet.js';
import type { PlanResult } from './plan-fleet.js';
import type { LpSolver } from '../optimize/solver.js';
import { round6 } from '../plan/round.js';
import type { Plan, PlanVerification } from '../plan/plan.js';
import type { Catalog, ServiceSpec } from '../spec/types.js';
import { simulatePlan } from '../simulate/simulate.js';
import type { SimulationOptions, SimulationReport } from '../simulate/simulate.js';

/** How `plan --verify` runs. */
export interface VerifyOptions extends Omit<SimulationOptions, 'replay'> {
  /** Plans to simulate at most before giving up. */
  maxRounds?: number;
  /** A fresh replay of recorded arrivals for each round (a trace); default: drawn from the spec. */
  replay?: () => NonNullable<SimulationOptions['replay']>;
}

/** A verified plan (or the reasons there is none), with the simulation of the plan returned. */
export interface VerifiedResult {
  result: PlanResult;
  simulation?: SimulationReport;
}

/** The least and most a round lowers a capacity by (more when the simulation misses by more). */
const DERATE_RANGE = [0.5, 0.9] as const;
/** A capacity lowered below this share of the model's and still failing misses at low load: more instances will not help. */
const LOW_LOAD = 0.1;
const DEFAULT_ROUNDS = 8;

/**
 * Per slice that misses an SLO in a simulation, the factor to lower its capacity by: the square
 * root of (allowed misses / simulated misses), within DERATE_RANGE. When a class misses but none
 * of its slices does on its own, all of its slices, by the most lenient factor.
 */
function derating(report: SimulationReport): Map<string, number> {
  const factor = (slos: SimulationReport['slices'][number]['slos']) =>
    Math.min(
      ...slos
        .filter((x) => !x.holds)
        .map((x) => Math.sqrt((100 - x.percentile) / Math.max(1e-9, 100 - (x.attainmentPercent ?? 0)))),
    );
  const clamp = (f: number) => Math.min(DERATE_RANGE[1], Math.max(DERATE_RANGE[0], f));
  const failing = new Map(report.slices.filter((s) => s.slos.some((x) => !x.holds)).map((s) => [s.id, clamp(factor(s.slos))]));
  if (failing.size > 0) return failing;
  const classes = new Set(report.classes.filter((c) => c.slos.some((x) => !x.holds)).map((c) => c.name));
  return new Map(report.slices.filter((s) => classes.has(s.class)).map((s) => [s.id, DERATE_RANGE[1]]));
}

function missedText(report: SimulationReport): string {
  return report.classes
    .flatMap((c) => c.slos.filter((s) => !s.holds).map((s) => `${c.name} p${s.percentile} ${s.metric.toUpperCase()} (${s.attainmentPercent ?? 0}% within ${s.targetMs} ms)`))
    .join(', ');
}

function verification(report: SimulationReport, rounds: number, scale: Map<string, number>, reason: string | null): PlanVerification {
  return {
    holds: report.holds,
    rounds,
    arrivals: report.arrivals.source,
    durationSeconds: report.durationSeconds,
    seed: report.seed,
    slos: report.classes.flatMap((c) =>
      c.slos.map((s) => ({ class: c.name, metric: s.metric, targetMs: s.targetMs, percentile: s.percentile, attainmentPercent: s.attainmentPercent, holds: s.holds })),
    ),
    derated: [...scale]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([key, factor]) => {
        const [candidate, slice] = key.split(' ');
        return { candidate, slice, factor: round6(factor) };
      }),
    reason,
  };
}

/**
 * Plans the spec, simulates the plan, and while the simulation misses an SLO at its percentile,
 * lowers the modelled capacity of every pool that serves a failing slice, for that slice (by
 * more the more it misses), and plans again — so the plan printed is one the simulation says
 * holds. This is what catches what per-slice capacities cannot see: slices sharing a pool slow
 * each other (short answers stalled by long prompts, short prompts queued behind them). Stops
 * with a reason when a slice misses even at a tenth of its modelled capacity (latency at low
 * load, which more instances cannot fix), when no plan meets the lowered capacities, or after
 * `maxRounds`.
 */
export async function planVerified(spec: ServiceSpec, catalog: Catalog, solver: LpSolver, options: VerifyOptions): Promise<VerifiedResult> {
  const scale = new Map<string, number>();
  const maxRounds = options.maxRounds ?? DEFAULT_ROUNDS;
  const simulate = (plan: Plan) => simulatePlan(plan, spec, catalog, { ...options, replay: options.replay?.() });
  for (let round = 1; ; round++) {
    // Baselines are computed once, for the plan that is printed.
    const draft = await planFleet(spec, catalog, solver, { baselines: false, capacityScale: scale });
    if ('infeasible' in draft) {
      if (round === 1) return { result: draft };
      return { result: { infeasible: [...draft.infeasible, `(after lowering the modelled capacity of ${scale.size} slice–pool pairs so the simulation holds)`] } };
    }
    const report = simulate(draft.plan);
    let reason: string | null = null;
    const lower = report.holds ? new Map<string, number>() : derating(report);
    const keys: Array<[string, number]> = [];
    for (const pool of draft.plan.pools) {
      for (const s of pool.slices) {
        const f = lower.get(s.slice);
        if (f !== undefined) keys.push([capacityKey(pool.id, s.slice), f]);
      }
    }
    const exhausted = keys.filter(([key]) => (scale.get(key) ?? 1) < LOW_LOAD);
    if (!report.holds && exhausted.length > 0) {
      reason = `the simulation misses ${missedText(report)} though ${exhausted.map(([k]) => k.replace(' ', ' for ')).join(', ')} runs below ${LOW_LOAD * 100}% of its modelled capacity: latency at low load, which more instances cannot fix`;
    } else if (!report.holds && round >= maxRounds) {
      reason = `the simulation still misses ${missedText(report)} after ${round} rounds`;
    }
    if (report.holds || reason) {
      // The same capacities give the same plan, now with its baselines; should a time-limited
      // solve come back with another fleet, the simulated one is printed without baselines.
      const final = await planFleet(spec, catalog, solver, { capacityScale: scale });
      const same = 'plan' in final && JSON.stringify(final.plan.pools) === JSON.stringify(draft.plan.pools);
      const plan = same ? final.plan : draft.plan;
      return { result: { plan: { ...plan, verification: verification(report, round, scale, reason) } }, simulation: report };
    }
    for (const [key, f] of keys) scale.set(key, (scale.get(key) ?? 1) * f);
  }
}
