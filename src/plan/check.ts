import { diffPlans } from './diff.js';
import type { PlanDiff } from './diff.js';
import type { Plan } from './plan.js';

/** Version of the check JSON. */
export const CHECK_VERSION = 1;

/** Cost thresholds a plan must stay within. */
export interface Thresholds {
  maxCostPerHour?: number;
  /** Most increase over the baseline, in percent. */
  maxIncreasePercent?: number;
}

/** One threshold and whether the plan holds it. */
export interface CheckOutcome {
  name: 'max-cost-per-hour' | 'max-increase';
  passed: boolean;
  actual: number;
  limit: number;
  message: string;
}

/** The result of `planner check`. */
export interface CheckResult {
  version: typeof CHECK_VERSION;
  passed: boolean;
  costPerHour: number;
  checks: CheckOutcome[];
  /** Against the baseline plan, when one was given. */
  diff: PlanDiff | null;
}

/** "$12.34/h"; an absurd amount (a tampered plan) in e-notation, never "undefined". */
const usd = (x: number) => `$${Number.isFinite(x) && Math.abs(x) < 1e15 ? x.toFixed(2) : x.toExponential(2)}/h`;

/** Checks a plan against cost thresholds and, with a baseline, its increase over it. */
export function checkPlan(plan: Plan, thresholds: Thresholds, baseline?: Plan): CheckResult {
  const checks: CheckOutcome[] = [];
  const cost = plan.totalCostPerHour;
  if (thresholds.maxCostPerHour !== undefined) {
    const limit = thresholds.maxCostPerHour;
    const passed = cost <= limit + 1e-9;
    checks.push({
      name: 'max-cost-per-hour',
      passed,
      actual: cost,
      limit,
      message: passed
        ? `cost ${usd(cost)} is within the maximum of ${usd(limit)}`
        : `cost ${usd(cost)} exceeds the maximum of ${usd(limit)} by ${usd(cost - limit)} (${(((cost - limit) / limit) * 100).toFixed(1)}%)`,
    });
  }
  const diff = baseline ? diffPlans(baseline, plan) : null;
  if (diff && thresholds.maxIncreasePercent !== undefined) {
    const limit = thresholds.maxIncreasePercent;
    const actual = diff.costDeltaPercent ?? (diff.costPerHourDelta > 0 ? Infinity : 0);
    const passed = actual <= limit + 1e-9;
    checks.push({
      name: 'max-increase',
      passed,
      actual,
      limit,
      message:
        diff.costDeltaPercent === null
          ? passed
            ? `the baseline costs $0/h and so does the plan (${usd(cost)}), within +${limit}%`
            : `the baseline costs $0/h and the plan ${usd(cost)}: any increase over $0 exceeds the +${limit}% allowed`
          : passed
            ? `cost changes by ${actual.toFixed(1)}% against the baseline (${usd(diff.base.costPerHour)}), within +${limit}%`
            : `cost rises ${actual.toFixed(1)}% against the baseline (${usd(diff.base.costPerHour)} → ${usd(cost)}), over the +${limit}% allowed`,
    });
  }
  return { version: CHECK_VERSION, passed: checks.every((c) => c.passed), costPerHour: cost, checks, diff };
}
