import { capacityKey, specPlanner } from './plan-fleet.js';
import type { PlanResult } from './plan-fleet.js';
import type { LpSolver } from '../optimize/solver.js';
import { round6 } from '../plan/round.js';
import type { Plan, PlanVerification } from '../plan/plan.js';
import type { Catalog, ServiceSpec } from '../spec/types.js';
import { measurementShortfall, simulatePlan } from '../simulate/simulate.js';
import type { SimulationOptions, SimulationReport } from '../simulate/simulate.js';
import { atPercentile } from '../simulate/outcomes.js';
import type { LatencyPercentiles } from '../simulate/outcomes.js';

/** How plan verification runs. */
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
 * Standard errors of the measured attainment a class must clear its percentile by, so that a
 * plan that holds under the verification's seed holds under others too (with N requests the
 * attainment a of a class is known to about √(a(1 − a)/N)).
 */
const MARGIN_STANDARD_ERRORS = 2;

/** The attainment (percent) a class's SLO must reach in the verifying simulation: its percentile plus the margin. */
export function requiredAttainment(percentile: number, attainmentPercent: number, requests: number): number {
  const a = Math.min(0.999999, Math.max(1e-6, attainmentPercent / 100));
  return percentile + MARGIN_STANDARD_ERRORS * 100 * Math.sqrt((a * (1 - a)) / Math.max(1, requests));
}

type ClassOutcome = SimulationReport['classes'][number];

/** Whether a class's SLO falls short of its percentile plus the margin. */
function shortOfMargin(c: ClassOutcome, s: ClassOutcome['slos'][number]): boolean {
  return s.attainmentPercent !== null && s.attainmentPercent < requiredAttainment(s.percentile, s.attainmentPercent, c.requests + c.unfinished);
}

/** Whether every class clears every SLO by the margin. */
function clears(report: SimulationReport): boolean {
  return report.classes.every((c) => c.slos.every((s) => !shortOfMargin(c, s)));
}

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
  // A class short of its margin (or missing only as a whole): all of its slices, mildly.
  const classes = new Set(report.classes.filter((c) => c.slos.some((x) => shortOfMargin(c, x))).map((c) => c.name));
  return new Map(report.slices.filter((s) => classes.has(s.class)).map((s) => [s.id, DERATE_RANGE[1]]));
}

function missedText(report: SimulationReport): string {
  return report.classes
    .flatMap((c) => c.slos.filter((s) => !s.holds).map((s) => `${c.name} p${s.percentile} ${s.metric.toUpperCase()} (${s.attainmentPercent ?? 0}% within ${s.targetMs} ms)`))
    .join(', ');
}

/** Per pool, the plan's prediction against the simulated latency at the plan's percentile. */
function poolChecks(plan: Plan, report: SimulationReport): PlanVerification['pools'] {
  const p = plan.predicted.percentile;
  const at = (latency: LatencyPercentiles | null) => (latency ? atPercentile(latency, p) : null);
  return plan.pools.map((pool, i) => ({
    pool: pool.id,
    ttftMs: { predicted: pool.predicted.ttftMs, simulated: at(report.pools[i].ttftMs) },
    tpotMs: { predicted: pool.predicted.tpotMs, simulated: at(report.pools[i].tpotMs) },
  }));
}

function verification(plan: Plan, report: SimulationReport, rounds: number, scale: Map<string, number>, reason: string | null): PlanVerification {
  return {
    holds: reason === null && report.holds,
    rounds,
    arrivals: report.arrivals.source,
    durationSeconds: report.durationSeconds,
    seed: report.seed,
    slos: report.classes.flatMap((c) =>
      c.slos.map((s) => ({ class: c.name, metric: s.metric, targetMs: s.targetMs, percentile: s.percentile, attainmentPercent: s.attainmentPercent, requests: c.requests + c.unfinished, holds: s.holds })),
    ),
    pools: poolChecks(plan, report),
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
 * Plans the spec, simulates the plan, and while the simulation misses an SLO at its percentile
 * (or clears it by less than the margin another seed could take away), lowers the modelled
 * capacity of every pool that serves a failing slice, for that slice (by more the more it
 * misses), and plans again — so the plan printed is one the simulation says holds. This is what
 * catches what per-slice capacities cannot see: slices sharing a pool slow each other (short
 * answers stalled by long prompts, short prompts queued behind them). Stops with a reason when a
 * slice misses even at a tenth of its modelled capacity (latency at low load, which more
 * instances cannot fix), when no plan meets the lowered capacities, or after `maxRounds`. The
 * capacities are computed once and every MILP solved is remembered, so the rounds and the final
 * plan with its baselines repeat no work.
 */
export async function planVerified(spec: ServiceSpec, catalog: Catalog, solver: LpSolver, options: VerifyOptions): Promise<VerifiedResult> {
  const scale = new Map<string, number>();
  const maxRounds = options.maxRounds ?? DEFAULT_ROUNDS;
  const planOf = specPlanner(spec, catalog, solver);
  const simulate = (plan: Plan) => simulatePlan(plan, spec, catalog, { ...options, replay: options.replay?.() });
  const siblings = factorSiblings(spec, catalog);
  for (let round = 1; ; round++) {
    // Baselines are computed once, for the plan that is printed.
    const draft = await planOf({ baselines: false, capacityScale: new Map(scale) });
    if ('infeasible' in draft) {
      if (round === 1) return { result: draft };
      return { result: { infeasible: [...draft.infeasible, `(after lowering the modelled capacity of ${scale.size} slice–pool pairs so the simulation holds)`] } };
    }
    // Measured capacities are the user's own figures: the simulator, timed by the performance
    // model, has nothing better to judge them by.
    if (draft.plan.pools.every((p) => p.binding === 'measured')) return { result: await planOf({ capacityScale: new Map(scale) }) };
    const report = simulate(draft.plan);
    // A simulation that measured too little certifies nothing, and another round would measure no more.
    const shortfall = measurementShortfall(report);
    const holds = shortfall === undefined && report.holds && clears(report);
    let reason: string | null = shortfall === undefined ? null : `not verified: ${shortfall}`;
    const lower = holds ? new Map<string, number>() : derating(report);
    const keys: Array<[string, number]> = [];
    for (const pool of draft.plan.pools.filter((p) => p.binding !== 'measured')) {
      for (const s of pool.slices) {
        const f = lower.get(s.slice);
        if (f !== undefined) keys.push([capacityKey(pool.id, s.slice), f]);
      }
    }
    const exhausted = keys.filter(([key]) => (scale.get(key) ?? 1) < LOW_LOAD);
    if (reason) {
      // Not measured: reported as it is.
    } else if (!holds && exhausted.length > 0) {
      reason = `the simulation misses ${missedText(report) || 'its margin'} though ${exhausted.map(([k]) => k.replace(' ', ' for ')).join(', ')} runs below ${LOW_LOAD * 100}% of its modelled capacity: latency at low load, which more instances cannot fix`;
    } else if (!holds && round >= maxRounds) {
      reason = `the simulation still misses ${missedText(report) || 'its margin'} after ${round} rounds`;
    }
    if (holds || reason) {
      // The same capacities give the same plan, now with its baselines; should a time-limited
      // solve come back with another fleet, the simulated one is printed without baselines.
      const final = await planOf({ capacityScale: new Map(scale) });
      const same = 'plan' in final && JSON.stringify(final.plan.pools) === JSON.stringify(draft.plan.pools);
      const plan = same ? final.plan : draft.plan;
      return { result: { plan: { ...plan, verification: verification(plan, report, round, scale, reason) } }, simulation: report };
    }
    for (const [key, f] of keys) {
      for (const sibling of [key, ...siblingKeys(key, siblings)]) scale.set(sibling, (scale.get(sibling) ?? 1) * f);
    }
  }
}

/**
 * Per GPU type of the spec, the other types whose performance factors are its own (a type added
 * with a sibling's fitted factors, as B300 with B200's): the model's miss on one is its miss on
 * the others, and lowering them together spares rounds that would only try each in turn.
 */
function factorSiblings(spec: ServiceSpec, catalog: Catalog): Map<string, string[]> {
  const family = new Map(spec.planning.gpus.filter((id) => Object.hasOwn(catalog.gpus, id)).map((id) => [id, JSON.stringify(catalog.gpus[id]!.efficiency)]));
  return new Map([...family].map(([id, factors]) => [id, [...family].filter(([other, f]) => other !== id && f === factors).map(([other]) => other)]));
}

/** The same slice on the sibling types' candidates of the same shape and role (the rest of the id kept). */
function siblingKeys(key: string, siblings: Map<string, string[]>): string[] {
  const [candidate, slice] = key.split(' ');
  const slash = candidate!.indexOf('/');
  return (siblings.get(candidate!.slice(0, slash)) ?? []).map((other) => `${other}${candidate!.slice(slash)} ${slice}`);
}
