import { checkedQuantity } from './models.js';
import type { LoadProfile, PurchaseOption } from './types.js';
import { MIN_COVERED_SECONDS } from '../workload/trace-summary.js';
import type { TraceSummary } from '../workload/trace-summary.js';
import type { DocPath } from './yaml-source.js';

/** `workload.profile` as written (schema-checked). */
export interface RawProfile {
  hourly?: number[];
  from_trace?: true;
}

/** `planning.purchase` and `planning.autoscaling` as written (schema-checked). */
export interface RawPurchasePlanning {
  purchase?: PurchaseOption[];
  autoscaling?: { min_instances?: number; storage_bandwidth?: number | string };
}

/** Defaults of the schedule's limits, each settable in `planning.autoscaling`. */
export const PROFILE_DEFAULTS = {
  purchase: ['committed', 'on_demand', 'spot'] as PurchaseOption[],
  minInstances: 1,
  /** 1,000 MiB/s: the most an AWS EBS gp3 volume delivers (docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html, 2026-12). */
  storageBandwidth: 1000 * 2 ** 20,
};

/** Hours a profile may cover: a day, or a week. */
const PROFILE_HOURS = [24, 168];

/**
 * The load profile of a spec (absent without `workload.profile`): the hourly shares as given or
 * read off the trace's timestamps, checked (24 or 168 of them, the busiest 1), and the purchase
 * options and scaling limits the schedule is planned with.
 */
export function normalizeProfile(
  raw: { workload: { profile?: RawProfile; trace?: unknown }; planning?: RawPurchasePlanning },
  trace: TraceSummary | undefined,
  at: (path: DocPath, message: string) => void,
): LoadProfile | undefined {
  const planning = raw.planning ?? {};
  const profile = raw.workload.profile;
  if (!profile) {
    if (planning.purchase) at(['planning', 'purchase'], 'purchase options apply to a plan over a load profile; add workload.profile (hourly shares, or from_trace: true)');
    if (planning.autoscaling) at(['planning', 'autoscaling'], 'autoscaling limits apply to a plan over a load profile; add workload.profile (hourly shares, or from_trace: true)');
    return undefined;
  }
  const path = ['workload', 'profile'];
  let fractions: number[] | undefined;
  if (profile.hourly && profile.from_trace) {
    at(path, 'give either hourly shares or from_trace: true, not both');
    return undefined;
  }
  if (profile.from_trace) {
    if (!raw.workload.trace) {
      at([...path, 'from_trace'], 'from_trace needs a trace workload (workload.trace); give hourly shares otherwise');
      return undefined;
    }
    if (!trace) return undefined; // the trace's own error is reported where it is named
    if (!trace.hourly.fractions) {
      const short = trace.hourly.coveredSeconds.filter((c) => c < MIN_COVERED_SECONDS).length;
      at([...path, 'from_trace'], `the trace covers ${short} of the 24 hours of the day for less than half an hour (it spans ${Math.round(trace.durationSeconds)} s); from_trace needs a day of timestamps — give hourly shares instead`);
      return undefined;
    }
    fractions = trace.hourly.fractions;
  } else if (profile.hourly) {
    fractions = profile.hourly;
    if (!PROFILE_HOURS.includes(fractions.length)) {
      at([...path, 'hourly'], `${fractions.length} shares; give 24 (one per hour of a day) or 168 (a week from Monday 00:00)`);
      return undefined;
    }
    const busiest = Math.max(...fractions);
    if (busiest !== 1) {
      at([...path, 'hourly'], `the busiest hour's share is ${busiest}, expected 1: the shares are of workload.rate, the peak rate (divide every share by ${busiest}, or lower the rate to the busiest hour's)`);
      return undefined;
    }
  } else {
    at(path, 'give hourly shares (24 or 168 numbers in [0, 1], the busiest 1) or from_trace: true');
    return undefined;
  }
  const bandwidth = planning.autoscaling?.storage_bandwidth;
  const storageBandwidth = bandwidth === undefined ? PROFILE_DEFAULTS.storageBandwidth : checkedQuantity('bandwidth', bandwidth);
  if (!(storageBandwidth > 0)) at(['planning', 'autoscaling', 'storage_bandwidth'], 'must be more than 0');
  const purchase = planning.purchase ?? PROFILE_DEFAULTS.purchase;
  return {
    hourlyFractions: fractions,
    fromTrace: profile.from_trace === true,
    purchase: [...purchase].sort(),
    minInstances: planning.autoscaling?.min_instances ?? PROFILE_DEFAULTS.minInstances,
    storageBandwidth,
  };
}
