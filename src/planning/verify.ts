import { capacityKey, specPlanner } from './plan-fleet.js';
import type { SpecPlanner } from './plan-fleet.js';
import type { PlanResult } from './plan-fleet.js';
import type { LpSolver } from '../optimize/solver.js';
import { round6 } from '../plan/round.js';
import type { Plan, PlanVerification } from '../plan/plan.js';
import type { Catalog, ServiceSpec } from '../input/types.js';
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
 * Per pool of the plan that the simulation blames, the factor to lower the capacity of every
 * slice it serves by. A pool is blamed for a class's SLO that misses (or clears it by less than
 * the margin) when the requests it handled for that class fall short of the class's required
 * attainment; the factor is the square root of (allowed misses / the pool's misses), within
 * DERATE_RANGE. A pool's tail comes from its load as a whole — short answers sharing steps with
 * other requests' prompt chunks, short prompts queued behind long ones — so the whole pool is
 * lowered, and pools whose own requests clear the target are left alone. When a class misses
 * but no pool does on its own, every pool serving it, mildly.
 */
export function poolDerating(plan: Plan, report: SimulationReport): Map<string, number> {
  const short = new Map<string, number>();
  for (const c of report.classes) {
    for (const s of c.slos) {
      if (!s.holds || shortOfMargin(c, s)) short.set(`${c.name} ${s.metric}`, requiredAttainment(s.percentile, s.attainmentPercent ?? 0, c.requests + c.unfinished));
    }
  }
  const clamp = (f: number) => Math.min(DERATE_RANGE[1], Math.max(DERATE_RANGE[0], f));
  const blamed = new Map<string, number>();
  const serving = new Map<string, string[]>();
  report.pools.forEach((pool, i) => {
    if (plan.pools[i].binding === 'measured') return;
    for (const c of pool.classes) {
      for (const s of c.slos) {
        const required = short.get(`${c.name} ${s.metric}`);
        if (required === undefined) continue;
        serving.set(c.name, [...(serving.get(c.name) ?? []), pool.id]);
        if (s.attainmentPercent === null || s.attainmentPercent >= required) continue;
        const f = clamp(Math.sqrt((100 - s.percentile) / Math.max(1e-9, 100 - s.attainmentPercent)));
        blamed.set(pool.id, Math.min(blamed.get(pool.id) ?? 1, f));
      }
    }
  });
  if (blamed.size > 0) return blamed;
  return new Map([...serving.values()].flat().map((id) => [id, DERATE_RANGE[1]]));
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
 * instances cannot fix), when no plan meets the lowered capacities, or after `maxRounds`. A
 * re-plan that comes back with the fleet just simulated (only its traffic split moved) is lowered
 * again before it is simulated. The
 * capacities are computed once and every MILP solved is remembered, so the rounds and the final
 * plan with its baselines repeat no work.
 */
export async function planVerified(spec: ServiceSpec, catalog: Catalog, solver: LpSolver, options: VerifyOptions): Promise<VerifiedResult> {
  const scale = new Map<string, number>();
  const maxRounds = options.maxRounds ?? DEFAULT_ROUNDS;
  const planner = specPlanner(spec, catalog, solver);
  const planOf = (o: Parameters<SpecPlanner['plan']>[0]) => planner.plan(o);
  const simulate = (plan: Plan) => simulatePlan(plan, spec, catalog, { ...options, replay: options.replay?.() });
  const siblings = factorSiblings(spec, catalog);
  let families: Map<string, string[]> | undefined;
  let last: SimulatedFleet | undefined;
  const applyLowering = (keys: Array<[string, number]>) => {
    families ??= missFamilies(planner.candidateIds(), siblings);
    const lowered = new Map<string, number>();
    for (const [key, f] of keys) {
      const [candidate, slice] = key.split(' ');
      for (const member of families.get(candidate!) ?? [candidate!]) {
        const k = capacityKey(member, slice!);
        lowered.set(k, Math.min(lowered.get(k) ?? 1, f));
      }
    }
    for (const [key, f] of lowered) scale.set(key, (scale.get(key) ?? 1) * f);
  };
  for (let round = 1; ; round++) {
    // Baselines and a profile's schedule are computed once, for the plan that is printed.
    const replan = () => planOf({ baselines: false, schedule: false, capacityScale: new Map(scale) });
    const draft = await changedFleet(await replan(), last, scale, applyLowering, replan);
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
    const lower = holds ? new Map<string, number>() : poolDerating(draft.plan, report);
    const keys = lowerBy(draft.plan, lower);
    const exhausted = keys.filter(([key]) => (scale.get(key) ?? 1) < LOW_LOAD);
    if (reason) {
      // Not measured: reported as it is.
    } else if (!holds && exhausted.length > 0) {
      reason = `the simulation misses ${missedText(report) || 'its margin'} though ${exhausted.map(([k]) => k.replace(' ', ' for ')).join(', ')} runs below ${LOW_LOAD * 100}% of its modelled capacity: latency at low load, which more instances cannot fix`;
    } else if (!holds && round >= maxRounds) {
      reason = `the simulation still misses ${missedText(report) || 'its margin'} after ${round} rounds`;
    }
    if (holds || reason) {
      const held = holds ? await cheaperHeld({ plan: draft.plan, report, scale, rounds: round }, planOf, simulate, siblings) : { plan: draft.plan, report, scale, rounds: round };
      // The same capacities give the same plan, now with its baselines; should a time-limited
      // solve come back with another fleet, the simulated one is printed without baselines.
      const final = await planOf({ capacityScale: new Map(held.scale) });
      const same = 'plan' in final && JSON.stringify(final.plan.pools) === JSON.stringify(held.plan.pools);
      const plan = same ? final.plan : held.plan;
      return { result: { plan: { ...plan, verification: verification(plan, held.report, held.rounds, held.scale, reason) } }, simulation: held.report };
    }
    applyLowering(keys);
    last = { fleet: fleetOf(draft.plan), lower };
  }
}

/** The fleet a round simulated, and the lowering per pool id its simulation asked for. */
export interface SimulatedFleet {
  fleet: string;
  lower: Map<string, number>;
}

/** The capacity keys (pool × slice it serves) a per-pool lowering applies to, with its factor. */
function lowerBy(plan: Plan, lower: Map<string, number>): Array<[string, number]> {
  return plan.pools.flatMap((pool) => {
    const f = lower.get(pool.id);
    return f === undefined ? [] : pool.slices.map((s): [string, number] => [capacityKey(pool.id, s.slice), f]);
  });
}

/**
 * A lowering the MILP absorbed by moving traffic between the same instances has not acted on
 * what the simulation found: while the re-plan is the fleet just simulated, its pools are lowered
 * again by the same factors (`lowerAgain`) and planned again — each pass a solve, not a
 * simulation — until the fleet changes or a capacity falls below the low-load floor.
 */
export async function changedFleet(
  draft: PlanResult,
  last: SimulatedFleet | undefined,
  scale: ReadonlyMap<string, number>,
  lowerAgain: (keys: Array<[string, number]>) => void,
  replan: () => Promise<PlanResult>,
): Promise<PlanResult> {
  while (last && 'plan' in draft && fleetOf(draft.plan) === last.fleet) {
    const keys = lowerBy(draft.plan, last.lower);
    if (keys.length === 0 || keys.some(([key]) => (scale.get(key) ?? 1) < LOW_LOAD)) break;
    lowerAgain(keys);
    draft = await replan();
  }
  return draft;
}

/** A plan's fleet: its pools and instance counts (not how traffic is spread over them). */
export function fleetOf(plan: Plan): string {
  return plan.pools.map((p) => `${p.count}×${p.id}`).sort().join(' + ');
}

/** A plan the simulation says holds, with the capacity scale it was planned under and the simulations run to find it. */
export interface Held {
  plan: Plan;
  report: SimulationReport;
  scale: Map<string, number>;
  rounds: number;
}

/** Times verification goes back for a cheaper plan that earlier rounds priced out. */
const RELAX_TRIES = 2;

/**
 * Lowering capacities only ever makes plans dearer, and a round lowers every pool it blames by a
 * whole step: a GPU type lowered for one fleet may be priced out of another it would have served.
 * So once a plan holds, the capacities lowered for candidates it does not use (nor their factor
 * siblings) are raised halfway back (the square root of their factor) and the spec planned again;
 * a cheaper plan that then holds in simulation replaces it, up to RELAX_TRIES times. The first
 * cheaper plan that misses ends the search, so the plan printed is still one that held.
 */
export async function cheaperHeld(
  held: Held,
  planOf: (options: { baselines: boolean; schedule: boolean; capacityScale: Map<string, number> }) => Promise<PlanResult>,
  simulate: (plan: Plan) => SimulationReport,
  siblings: Map<string, string[]>,
): Promise<Held> {
  let best = held;
  for (let i = 0; i < RELAX_TRIES; i++) {
    const used = new Set(best.plan.pools.flatMap((p) => [p.id, ...siblingIds(p.id, siblings)]));
    const relaxed = new Map([...best.scale].map(([key, f]): [string, number] => [key, used.has(key.split(' ')[0]!) ? f : Math.sqrt(f)]));
    if ([...relaxed].every(([key, f]) => f === best.scale.get(key))) break;
    const alternative = await planOf({ baselines: false, schedule: false, capacityScale: relaxed });
    if (!('plan' in alternative) || alternative.plan.totals.costPerHour >= best.plan.totals.costPerHour) break;
    const report = simulate(alternative.plan);
    if (measurementShortfall(report) !== undefined || !report.holds || !clears(report)) return { ...best, rounds: best.rounds + 1 };
    best = { plan: alternative.plan, report, scale: relaxed, rounds: best.rounds + 1 };
  }
  return best;
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

/**
 * Per candidate id, the candidates a simulated miss on it carries over to: every shape of the
 * same role on its GPU type and on the types sharing its factors. What the analytic model misses
 * in a pool — requests slowing each other — is the mix's doing more than the shape's; lowering
 * one shape alone lets the next round pick its neighbour, which misses the same way.
 */
function missFamilies(ids: string[], siblings: Map<string, string[]>): Map<string, string[]> {
  const gpuOf = (id: string) => id.slice(0, id.indexOf('/'));
  const roleOf = (id: string) => id.slice(id.lastIndexOf('/') + 1);
  const family = (gpu: string) => [gpu, ...(siblings.get(gpu) ?? [])].sort()[0];
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const k = `${family(gpuOf(id))} ${roleOf(id)}`;
    groups.set(k, [...(groups.get(k) ?? []), id]);
  }
  return new Map(ids.map((id) => [id, groups.get(`${family(gpuOf(id))} ${roleOf(id)}`)!]));
}

/** The same shape and role on the sibling types (the rest of the candidate id kept). */
function siblingIds(candidate: string, siblings: Map<string, string[]>): string[] {
  const slash = candidate.indexOf('/');
  return (siblings.get(candidate.slice(0, slash)) ?? []).map((other) => `${other}${candidate.slice(slash)}`);
}
