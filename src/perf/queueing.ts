import { normalQuantile } from '../workload/distributions.js';

/**
 * The p-quantile (0–1) of a Poisson count with the given mean: exact below a mean of 200,
 * the normal approximation (with continuity correction) above.
 */
export function poissonQuantile(mean: number, p: number): number {
  if (mean <= 0) return 0;
  if (mean > 200) return Math.ceil(mean + normalQuantile(p) * Math.sqrt(mean) - 0.5);
  let k = 0;
  let pmf = Math.exp(-mean);
  let cdf = pmf;
  while (cdf < p && k < 10_000) {
    k++;
    pmf *= mean / k;
    cdf += pmf;
  }
  return k;
}

/** Mean wait in an M/D/1 queue (Pollaczek–Khinchine): ρ · S / (2 (1 − ρ)). */
export function meanWaitMd1(rho: number, service: number): number {
  return rho >= 1 ? Infinity : (rho * service) / (2 * (1 - rho));
}

/**
 * The p-quantile (0–1) of the M/D/1 wait, with the usual exponential-tail approximation:
 * a request waits with probability ρ, and then for an exponential time of mean E[W] / ρ.
 */
export function waitQuantile(rho: number, service: number, p: number): number {
  if (rho <= 0) return 0;
  if (rho >= 1) return Infinity;
  if (1 - p >= rho) return 0;
  return (meanWaitMd1(rho, service) / rho) * Math.log(rho / (1 - p));
}
