import { weightBytesPerGpu } from '../perf/memory.js';
import type { Candidate } from '../optimize/candidates.js';
import type { PackingProblem } from '../optimize/formulation.js';
import { valueOf, violations } from '../optimize/lp.js';
import { committedVar, onDemandVar, periodHours, scheduleProgram, spotVar } from '../optimize/schedule-program.js';
import type { LoadBlock, PoolPrices, ScheduleProblem } from '../optimize/schedule-program.js';
import type { LpSolver } from '../optimize/solver.js';
import type { Fleet } from '../optimize/solve-fleet.js';
import { HOURS_PER_MONTH } from '../plan/plan.js';
import type { Plan, PlanPurchase, PlanScheduleBlock } from '../plan/plan.js';
import { round6 } from '../plan/round.js';
import type { LoadProfile, ServiceSpec } from '../input/types.js';

/** What checks the schedule's blocks (the plan says it, so a reader knows what was simulated). */
export const OFF_PEAK_CHECK = "the peak block's fleet is the plan's pools (what --verify simulates); the other blocks are sized by the analytic model at their rates";

/** Consecutive hours of the same share merged into blocks (fewer blocks, a smaller program). */
export function blocksOf(fractions: number[]): LoadBlock[] {
  const blocks: LoadBlock[] = [];
  fractions.forEach((fraction, hour) => {
    const last = blocks[blocks.length - 1];
    if (last && last.fraction === fraction) last.hours++;
    else blocks.push({ startHour: hour, hours: 1, fraction });
  });
  return blocks;
}

/**
 * What an instance of a candidate costs per hour bought each way the profile allows and the
 * catalog prices: on-demand its plan cost; committed and spot that cost scaled by the catalog's
 * committed (spot) to on-demand GPU-hour ratio (for offerings rented by the machine, the same
 * ratio applied to its share of the machine).
 */
export function poolPrices(c: Candidate, profile: LoadProfile): PoolPrices {
  const price = c.gpu.price;
  const ratio = (p: { usdPerHour: number } | undefined) => (p && price.usdPerHour > 0 ? (c.costPerHour * p.usdPerHour) / price.usdPerHour : undefined);
  const allowed = new Set(profile.purchase);
  return {
    ...(allowed.has('on_demand') ? { onDemand: c.costPerHour } : {}),
    ...(allowed.has('committed') && ratio(price.committed) !== undefined ? { committed: ratio(price.committed) } : {}),
    ...(allowed.has('spot') && ratio(price.spot) !== undefined ? { spot: ratio(price.spot) } : {}),
  };
}

/** Seconds a new instance of a candidate takes to read its weights (its GPUs' shards through one instance's storage link). */
export function scaleUpSeconds(c: Candidate, profile: LoadProfile): number {
  return (weightBytesPerGpu(c.deployment) * c.gpus) / profile.storageBandwidth;
}

/** Per block, the counts of each pool bought each way. */
export interface ScheduleCounts {
  committed: number[];
  blocks: Array<{ onDemand: number[]; spot: number[] }>;
}

/** The period's average cost per hour of a schedule (committed every hour, the rest per block, added instances for their lead time too). */
export function scheduleCostPerHour(problem: ScheduleProblem, counts: ScheduleCounts): number {
  const period = periodHours(problem);
  let total = 0;
  problem.prices.forEach((p, i) => {
    total += (p.committed ?? 0) * counts.committed[i] * period;
    problem.blocks.forEach((block, b) => {
      const now = counts.blocks[b];
      const before = counts.blocks[(b + problem.blocks.length - 1) % problem.blocks.length];
      const grown = problem.blocks.length > 1 ? problem.leadHours[i] : 0;
      total += (p.onDemand ?? 0) * (now.onDemand[i] * block.hours + Math.max(0, now.onDemand[i] - before.onDemand[i]) * grown);
      total += (p.spot ?? 0) * (now.spot[i] * block.hours + Math.max(0, now.spot[i] - before.spot[i]) * grown);
    });
  });
  return total / period;
}

/** The schedule of a plan over the spec's profile, and what it costs against the static peak-sized plan. */
export interface PlannedSchedule {
  schedule: PlanScheduleBlock[];
  purchase: PlanPurchase;
}

/**
 * Plans the fleet over the spec's load profile with the peak plan's pools: one MILP over all
 * blocks (committed counts shared, on-demand and spot per block), verified against every
 * constraint before use. When the solver gives nothing that verifies, every block keeps the
 * peak fleet on demand (always feasible), and the plan says so.
 */
export async function planSchedule(spec: ServiceSpec, problem: PackingProblem, fleet: Fleet, plan: Plan, solver: LpSolver): Promise<PlannedSchedule | { infeasible: string }> {
  const profile = spec.profile!;
  const pools = problem.candidates.map((c, i) => ({ c, i })).filter((x) => fleet.counts[x.i] > 0);
  const packing: PackingProblem = { ...problem, candidates: pools.map((p) => p.c) };
  const prices = pools.map((p) => poolPrices(p.c, profile));
  const unbuyable = pools.filter((_, k) => prices[k].onDemand === undefined && prices[k].committed === undefined);
  if (unbuyable.length > 0) {
    return { infeasible: `planning.purchase (${profile.purchase.join(', ')}) leaves no way to buy ${unbuyable.map((p) => p.c.gpu.id).join(', ')}: the catalog has no committed price for it; allow on_demand or add price.committed in a catalog overlay` };
  }
  const leadSeconds = pools.map((p) => scaleUpSeconds(p.c, profile));
  const schedule: ScheduleProblem = { packing, prices, blocks: blocksOf(profile.hourlyFractions), leadHours: leadSeconds.map((s) => s / 3600), minInstances: profile.minInstances, peakCounts: pools.map((p) => fleet.counts[p.i]) };
  const lp = scheduleProgram(schedule);
  const solved = await solver.solve(lp, { timeLimitSeconds: spec.planning.solverTimeLimitSeconds });
  let status: PlanPurchase['solver'] = solved.status === 'optimal' ? 'optimal' : solved.status === 'time-limit' ? 'time-limit' : 'work-limit';
  let counts: ScheduleCounts | undefined;
  if (Object.keys(solved.values).length > 0 && solved.status !== 'infeasible' && solved.status !== 'failed') {
    const integers = new Set(lp.integers);
    const rounded = Object.fromEntries(Object.entries(solved.values).map(([k, v]) => [k, integers.has(k) ? Math.round(v) : v]));
    if (violations(lp, rounded).length === 0) counts = countsOf(schedule, rounded);
  }
  if (!counts) {
    if (prices.some((p) => p.onDemand === undefined)) return { infeasible: `the solver gave no schedule that passes verification (${solved.status}); allow on_demand in planning.purchase for the peak-fleet fallback` };
    status = 'fallback';
    counts = { committed: pools.map(() => 0), blocks: schedule.blocks.map(() => ({ onDemand: pools.map((p) => fleet.counts[p.i]), spot: pools.map(() => 0) })) };
  }
  const costPerHour = scheduleCostPerHour(schedule, counts);
  const staticPerMonth = plan.totals.costPerHour * HOURS_PER_MONTH;
  const perMonth = costPerHour * HOURS_PER_MONTH;
  return {
    schedule: schedule.blocks.map((block, b) => ({
      startHour: block.startHour,
      hours: block.hours,
      fraction: round6(block.fraction),
      ratePerSecond: round6(spec.totalRatePerSecond * block.fraction),
      costPerHour: round6(
        prices.reduce((sum, p, k) => sum + (p.committed ?? 0) * counts!.committed[k] + (p.onDemand ?? 0) * counts!.blocks[b].onDemand[k] + (p.spot ?? 0) * counts!.blocks[b].spot[k], 0),
      ),
      pools: pools.map((p, k) => ({ pool: p.c.id, committed: counts!.committed[k], onDemand: counts!.blocks[b].onDemand[k], spot: counts!.blocks[b].spot[k] })),
    })),
    purchase: {
      periodHours: periodHours(schedule),
      hoursPerMonth: HOURS_PER_MONTH,
      fromTrace: profile.fromTrace,
      options: profile.purchase,
      minInstances: profile.minInstances,
      storageBandwidthBytesPerSecond: profile.storageBandwidth,
      costPerMonth: round6(perMonth),
      averageCostPerHour: round6(costPerHour),
      staticCostPerMonth: round6(staticPerMonth),
      savingPerMonth: round6(staticPerMonth - perMonth),
      // To a hundredth of a percent, as the baselines' savings: float noise is not a saving.
      savingPercent: staticPerMonth > 0 ? Math.round(((staticPerMonth - perMonth) / staticPerMonth) * 10_000) / 100 || 0 : 0,
      solver: status,
      pools: pools.map((p, k) => ({
        pool: p.c.id,
        gpu: p.c.gpu.id,
        onDemandPerHour: prices[k].onDemand === undefined ? null : round6(prices[k].onDemand!),
        committedPerHour: prices[k].committed === undefined ? null : round6(prices[k].committed!),
        spotPerHour: prices[k].spot === undefined ? null : round6(prices[k].spot!),
        scaleUpSeconds: round6(leadSeconds[k]),
        spotAllowed: prices[k].spot !== undefined && (problem.redundancy ?? 0) > 0,
      })),
      verification: OFF_PEAK_CHECK,
    },
  };
}

/** The counts a verified solution sets. */
function countsOf(problem: ScheduleProblem, values: Record<string, number>): ScheduleCounts {
  const pools = problem.prices.map((_, i) => i);
  return {
    committed: pools.map((i) => valueOf(values, committedVar(i))),
    blocks: problem.blocks.map((_, b) => ({ onDemand: pools.map((i) => valueOf(values, onDemandVar(i, b))), spot: pools.map((i) => valueOf(values, spotVar(i, b))) })),
  };
}
