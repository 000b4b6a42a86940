import { moeShape, shapeText } from '../plan/moe-shape.js';
import type { Plan } from '../plan/plan.js';
import type { Catalog, ServiceSpec } from '../input/types.js';
import { atAnotherRate, planFleet, planFromState, preparePlanning } from './plan-fleet.js';
import type { PlanResult } from './plan-fleet.js';
import type { LpSolver } from '../optimize/solver.js';

/** Version of the sweep JSON. */
export const SWEEP_VERSION = 1;

/** What a sweep varies: the total request rate, or a latency target of every class. */
export type SweepVariable = 'rate' | 'ttft' | 'tpot';

/** One replanned point of a sweep. */
export interface SweepPoint {
  /** The varied quantity in SI units (requests/s or seconds). */
  value: number;
  feasible: boolean;
  costPerHour: number | null;
  gpus: number | null;
  /** The pools, largest cost first, as "2× h100-sxm tp4" (prefill/decode roles named). */
  mix: string;
  pools: Array<{ gpu: string; count: number; tp: number; pp: number; ep?: number; dp?: number; role: string }>;
  reason: string | null;
}

/** The result of `planner sweep`. */
export interface SweepResult {
  version: typeof SWEEP_VERSION;
  variable: SweepVariable;
  unit: 'requests/s' | 's';
  points: SweepPoint[];
}

/** Evenly spaced values from `from` to `to`: linearly, or geometrically with `log`. */
export function sweepValues(from: number, to: number, steps: number, log: boolean): number[] {
  if (steps <= 1 || from === to) return [from];
  return Array.from({ length: steps }, (_, k) => {
    const t = k / (steps - 1);
    return log ? from * Math.pow(to / from, t) : from + t * (to - from);
  });
}

/** The spec with the swept quantity set: the rate scaled over every class, or one SLO target everywhere. */
export function specAt(spec: ServiceSpec, variable: SweepVariable, value: number): ServiceSpec {
  if (variable === 'rate') {
    const factor = value / spec.totalRatePerSecond;
    return { ...spec, totalRatePerSecond: value, classes: spec.classes.map((c) => ({ ...c, ratePerSecond: c.ratePerSecond * factor })) };
  }
  return {
    ...spec,
    classes: spec.classes.map((c) => ({
      ...c,
      slo: { ...c.slo, [variable]: { maxSeconds: value, percentile: c.slo[variable]?.percentile ?? c.slo.ttft?.percentile ?? c.slo.tpot?.percentile ?? 90 } },
    })),
  };
}

/** "2× h100-sxm tp4, 1× l4 tp1 prefill" — the pools of a plan in one line. */
export function mixText(plan: Plan): string {
  return plan.pools.map((p) => `${p.count}× ${p.gpu} ${shapeText(p)}${p.role === 'colocated' ? '' : ` ${p.role}`}`).join(', ');
}

/**
 * Replans the spec at every value (without baselines), reporting progress as points finish. A
 * rate sweep computes the candidates' capacities once (they do not depend on the rate: see
 * atAnotherRate); the points solve concurrently on the solver's threads, each point's MILPs its
 * own, so the result is the same as planning them one by one.
 */
export async function sweep(
  spec: ServiceSpec,
  catalog: Catalog,
  solver: LpSolver,
  variable: SweepVariable,
  values: number[],
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SweepResult> {
  const base = variable === 'rate' ? preparePlanning(spec, catalog) : undefined;
  let done = 0;
  const planAt = async (value: number): Promise<PlanResult> => {
    const at = specAt(spec, variable, value);
    const state = base && atAnotherRate(at, base);
    const result = await (state ? planFromState(at, catalog, solver, state) : planFleet(at, catalog, solver, { baselines: false }));
    onProgress(++done, values.length);
    return result;
  };
  const points = (await Promise.all(values.map(planAt))).map((result, i): SweepPoint => {
    const value = values[i];
    if (!('plan' in result)) return { value, feasible: false, costPerHour: null, gpus: null, mix: '', pools: [], reason: result.infeasible[0] };
    const plan = result.plan;
    return {
      value,
      feasible: true,
      costPerHour: plan.totalCostPerHour,
      gpus: plan.totals.gpus,
      mix: mixText(plan),
      pools: plan.pools.map((p) => ({ gpu: p.gpu, count: p.count, tp: p.tp, pp: p.pp, ...moeShape(p), role: p.role })),
      reason: null,
    };
  });
  return { version: SWEEP_VERSION, variable, unit: variable === 'rate' ? 'requests/s' : 's', points };
}
