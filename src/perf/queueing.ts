import { normalCdf, normalQuantile } from '../math/normal.js';

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
 * P(N > k) for the number of requests in flight N under inFlightQuantile's model (its quantile
 * is at most k exactly when this is at most 1 − p): continuous in the mean, where the quantile
 * steps.
 */
export function inFlightTail(mean: number, k: number, arrivalCv = 1): number {
  if (arrivalCv === 1) return countTail(mean, k);
  if (mean <= 0) return 0;
  return 1 - normalCdf((k - mean) / Math.sqrt(mean * arrivalCv ** 2));
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7: about 15 significant digits). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * P(N > k) for the count N of arrivals in a window where `mean` are expected — Poisson, or for
 * burstier arrivals (cv > 1) the gamma-mixed Poisson (negative binomial) of variance mean · cv²;
 * a normal approximation above a mean of 200 — as a cursor that steps to k + 1 cheaply. The
 * tail is summed from P(N = k) outwards (away from the mean, where the terms shrink), a few
 * dozen terms whatever k is.
 */
export class CountTailCursor {
  /** P(N > k). */
  tail: number;
  private pmf = 0;
  private readonly normal: boolean;
  /** Negative-binomial shape and success probability (r = Infinity: Poisson). */
  private readonly r: number;
  private readonly q: number;

  constructor(
    private readonly mean: number,
    public k: number,
    private readonly arrivalCv = 1,
  ) {
    const dispersion = Math.max(1, arrivalCv * arrivalCv);
    this.normal = mean <= 0 || mean > 200;
    this.r = dispersion === 1 ? Infinity : mean / (dispersion - 1);
    this.q = mean / (this.r + mean);
    this.tail = this.normal ? this.normalTail(k) : this.exactTail(k);
  }

  /** Moves to k + 1. */
  advance(): void {
    this.k++;
    if (this.normal) {
      this.tail = this.normalTail(this.k);
      return;
    }
    this.pmf = this.k === 0 ? Math.exp(this.logPmf(0)) : this.pmf * this.ratio(this.k - 1);
    this.tail = Math.min(1, Math.max(0, this.tail - this.pmf));
  }

  /** P(N = i + 1) / P(N = i). */
  private ratio(i: number): number {
    return this.r === Infinity ? this.mean / (i + 1) : ((i + this.r) / (i + 1)) * this.q;
  }

  private logPmf(i: number): number {
    const { mean, r, q } = this;
    return r === Infinity ? -mean + i * Math.log(mean) - logGamma(i + 1) : logGamma(i + r) - logGamma(r) - logGamma(i + 1) + r * Math.log(1 - q) + i * Math.log(q);
  }

  private normalTail(k: number): number {
    if (k < 0) return 1;
    if (this.mean <= 0) return 0;
    return 1 - normalCdf((k + 0.5 - this.mean) / Math.sqrt(this.mean * Math.max(1, this.arrivalCv ** 2)));
  }

  private exactTail(k: number): number {
    if (k < 0) return 1;
    this.pmf = Math.exp(this.logPmf(k));
    let p = this.pmf;
    if (k >= this.mean) {
      let tail = 0;
      for (let j = k; j < k + 100_000; j++) {
        p *= this.ratio(j);
        tail += p;
        if (p <= 1e-17 * tail) break;
      }
      return Math.min(1, tail);
    }
    let below = p;
    for (let j = k; j > 0; j--) {
      p /= this.ratio(j - 1);
      below += p;
      if (p <= 1e-17 * below) break;
    }
    return Math.max(0, 1 - below);
  }
}

/** P(N > k) for one k (see CountTailCursor). */
export function countTail(mean: number, k: number, arrivalCv = 1): number {
  return new CountTailCursor(mean, k, arrivalCv).tail;
}
