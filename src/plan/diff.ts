import { moeShape } from './moe-shape.js';
import type { Plan, PlanPool } from './plan.js';

/** Version of the diff JSON. */
export const DIFF_VERSION = 1;

/** A pool as a diff shows it. */
export interface PoolChange {
  pool: string;
  gpu: string;
  tp: number;
  pp: number;
  /** Expert-parallel degree and attention data-parallel ranks, where above 1. */
  ep?: number;
  dp?: number;
  role: string;
  baseCount: number;
  headCount: number;
  costPerHourDelta: number;
}

/** A latency prediction that moved between two plans. */
export interface PredictionChange {
  slice: string;
  metric: 'ttftMs' | 'tpotMs' | 'e2eMs';
  base: number | null;
  head: number | null;
  sloMs: number | null;
}

/** What changed between two plans: cost, pools, predictions. */
export interface PlanDiff {
  version: typeof DIFF_VERSION;
  base: { name: string | null; costPerHour: number; gpus: number };
  head: { name: string | null; costPerHour: number; gpus: number };
  costPerHourDelta: number;
  /** Relative to the base cost, in percent (null when the base costs nothing). */
  costDeltaPercent: number | null;
  costPerMonthDelta: number;
  pools: { added: PoolChange[]; removed: PoolChange[]; resized: PoolChange[]; unchanged: number };
  /** Predictions of targets with an SLO that moved by more than 5%, the largest relative move first. */
  predictions: PredictionChange[];
}

const round = (x: number) => Number(x.toFixed(6));

function change(pool: PlanPool | undefined, other: PlanPool | undefined, side: 'base' | 'head'): PoolChange {
  const p = (pool ?? other)!;
  const baseCount = side === 'base' ? pool?.count ?? 0 : other?.count ?? 0;
  const headCount = side === 'head' ? pool?.count ?? 0 : other?.count ?? 0;
  const perInstance = p.costPerHour / p.count;
  return { pool: p.id, gpu: p.gpu, tp: p.tp, pp: p.pp, ...moeShape(p), role: p.role, baseCount, headCount, costPerHourDelta: round((headCount - baseCount) * perInstance) };
}

/** Compares two saved plans: the cost delta, pools added, removed or resized, predictions that moved. */
export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const byId = (plan: Plan) => new Map(plan.pools.map((p) => [p.id, p]));
  const basePools = byId(base);
  const headPools = byId(head);
  const ids = [...new Set([...basePools.keys(), ...headPools.keys()])].sort();
  const added: PoolChange[] = [];
  const removed: PoolChange[] = [];
  const resized: PoolChange[] = [];
  let unchanged = 0;
  for (const id of ids) {
    const b = basePools.get(id);
    const h = headPools.get(id);
    if (!b) added.push(change(h, undefined, 'head'));
    else if (!h) removed.push(change(b, undefined, 'base'));
    else if (b.count !== h.count) resized.push(change(h, b, 'head'));
    else unchanged++;
  }
  const delta = head.totalCostPerHour - base.totalCostPerHour;
  return {
    version: DIFF_VERSION,
    base: { name: base.name, costPerHour: base.totalCostPerHour, gpus: base.totals.gpus },
    head: { name: head.name, costPerHour: head.totalCostPerHour, gpus: head.totals.gpus },
    costPerHourDelta: round(delta),
    costDeltaPercent: base.totalCostPerHour > 0 ? round((delta / base.totalCostPerHour) * 100) : null,
    costPerMonthDelta: round(head.totals.costPerMonth - base.totals.costPerMonth),
    pools: { added, removed, resized, unchanged },
    predictions: movedPredictions(base, head),
  };
}

/**
 * Predictions of slices present in both plans (same id and sizes) and of targets they have an
 * SLO for, that moved by more than 5% (or appeared, or vanished): the largest relative move first.
 */
function movedPredictions(base: Plan, head: Plan): PredictionChange[] {
  const baseSlices = new Map(base.workload.slices.map((s) => [s.id, s]));
  const moved: Array<PredictionChange & { size: number }> = [];
  for (const h of head.workload.slices) {
    const b = baseSlices.get(h.id);
    if (!b || b.inputTokens !== h.inputTokens || b.outputTokens !== h.outputTokens) continue;
    for (const metric of ['ttftMs', 'tpotMs', 'e2eMs'] as const) {
      if (h.slo[metric] === null) continue;
      const [x, y] = [b.predicted[metric], h.predicted[metric]];
      if (x === y) continue;
      const size = x !== null && y !== null ? Math.abs(y - x) / Math.max(Math.abs(x), 1e-9) : Infinity;
      if (size <= 0.05) continue;
      moved.push({ slice: h.id, metric, base: x, head: y, sloMs: h.slo[metric], size });
    }
  }
  moved.sort((p, q) => q.size - p.size || p.slice.localeCompare(q.slice, undefined, { numeric: true }) || p.metric.localeCompare(q.metric));
  return moved.map(({ size: _size, ...change }) => change);
}
