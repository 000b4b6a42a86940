import { normalCdf, normalQuantile } from '../workload/distributions.js';

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

/**
 * Mean wait in a G/D/1 queue by Kingman's approximation, (c_a² + c_s²)/2 · ρ/(1 − ρ) · S with
 * deterministic service (c_s = 0): exact for Poisson arrivals (c_a = 1, the Pollaczek–Khinchine
 * M/D/1 wait ρ · S / (2 (1 − ρ))); burstier arrivals (c_a > 1) wait longer.
 */
export function meanWait(rho: number, service: number, arrivalCv = 1): number {
  return rho >= 1 ? Infinity : ((arrivalCv ** 2) / 2) * (rho / (1 - rho)) * service;
}

/**
 * The p-quantile (0–1) of that wait, with the usual exponential-tail approximation: a request
 * waits with probability ρ, and then for an exponential time of mean E[W] / ρ.
 */
export function waitQuantile(rho: number, service: number, p: number, arrivalCv = 1): number {
  if (rho <= 0) return 0;
  if (rho >= 1) return Infinity;
  if (1 - p >= rho) return 0;
  return (meanWait(rho, service, arrivalCv) / rho) * Math.log(rho / (1 - p));
}

/**
 * The p-quantile of the number of requests in flight with the given mean: Poisson for Poisson
 * arrivals; for other arrivals a normal approximation whose variance is the mean × c_a² (the
 * index of dispersion of a renewal process's counts).
 */
export function inFlightQuantile(mean: number, p: number, arrivalCv = 1): number {
  if (arrivalCv === 1) return poissonQuantile(mean, p);
  if (mean <= 0) return 0;
  return Math.max(0, Math.ceil(mean + normalQuantile(p) * Math.sqrt(mean * arrivalCv ** 2)));
}

/**
 * Tails P(N > k) of the count N of arrivals in a window where `mean` are expected: Poisson, or
 * for burstier arrivals (cv > 1) the gamma-mixed Poisson (negative binomial) of variance
 * mean · cv²; a normal approximation above a mean of 200. The returned function is fastest when
 * asked for k in non-decreasing order (it extends the cumulative sum it has).
 */
export function countTails(mean: number, arrivalCv = 1): (k: number) => number {
  if (mean <= 0) return (k) => (k < 0 ? 1 : 0);
  const dispersion = Math.max(1, arrivalCv * arrivalCv);
  if (mean > 200) return (k) => (k < 0 ? 1 : 1 - normalCdf((k + 0.5 - mean) / Math.sqrt(mean * dispersion)));
  const r = mean / (dispersion - 1);
  const q = mean / (r + mean);
  const ratio = dispersion === 1 ? (i: number) => mean / (i + 1) : (i: number) => ((i + r) / (i + 1)) * q;
  let k = 0;
  let pmf = dispersion === 1 ? Math.exp(-mean) : Math.exp(r * Math.log(1 - q));
  let cdf = pmf;
  return (want) => {
    if (want < 0) return 1;
    if (want < k) return countTail(mean, want, arrivalCv);
    for (; k < want; k++) {
      pmf *= ratio(k);
      cdf += pmf;
    }
    return Math.max(0, 1 - cdf);
  };
}

/** P(N > k) for one k (see countTails). */
export function countTail(mean: number, k: number, arrivalCv = 1): number {
  return countTails(mean, arrivalCv)(k);
}
