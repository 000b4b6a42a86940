import type { SizeDistribution } from '../spec/types.js';

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Quantile u ∈ [0, 1] of a truncated distribution given its untruncated CDF and quantile. */
function truncated(u: number, min: number, max: number, cdf: (x: number) => number, quantile: (p: number) => number): number {
  const lo = cdf(min);
  const hi = cdf(max);
  if (hi - lo < 1e-12) return (min + max) / 2;
  return Math.min(max, Math.max(min, quantile(lo + u * (hi - lo))));
}

/** The size at quantile `u` (0–1) of a request-size distribution, before rounding to tokens. */
export function sizeQuantile(dist: SizeDistribution, u: number): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.tokens;
    case 'uniform':
      return dist.min + u * (dist.max - dist.min);
    case 'normal':
      return truncated(u, dist.min, dist.max, (x) => normalCdf((x - dist.mean) / dist.stddev), (p) => dist.mean + dist.stddev * normalQuantile(p));
    case 'lognormal': {
      const mu = Math.log(dist.median);
      return truncated(u, dist.min, dist.max, (x) => normalCdf((Math.log(x) - mu) / dist.sigma), (p) => Math.exp(mu + dist.sigma * normalQuantile(p)));
    }
    case 'exponential':
      return truncated(u, dist.min, dist.max, (x) => 1 - Math.exp(-x / dist.mean), (p) => -dist.mean * Math.log(1 - p));
    case 'histogram': {
      let acc = 0;
      for (const bin of dist.bins) {
        if (u <= acc + bin.weight || bin === dist.bins[dist.bins.length - 1]) {
          const within = bin.weight > 0 ? Math.min(1, Math.max(0, (u - acc) / bin.weight)) : 0;
          return bin.min + within * (bin.max - bin.min);
        }
        acc += bin.weight;
      }
      return dist.bins[dist.bins.length - 1].max;
    }
  }
}

/** Mean size of the requests between quantiles u0 and u1 (the conditional mean), by midpoints. */
export function meanBetween(dist: SizeDistribution, u0: number, u1: number, points = 32): number {
  let sum = 0;
  for (let k = 0; k < points; k++) sum += sizeQuantile(dist, u0 + ((k + 0.5) / points) * (u1 - u0));
  return sum / points;
}

/** Whether every request of the distribution has the same size. */
export function isFixed(dist: SizeDistribution): boolean {
  return dist.kind === 'fixed' || (dist.kind === 'histogram' && dist.bins.every((b) => b.min === dist.bins[0].min && b.max === b.min));
}

/** The largest size a distribution produces (after its tail cut). */
export function maxTokens(dist: SizeDistribution): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.tokens;
    case 'histogram':
      return Math.max(...dist.bins.map((b) => b.max));
    default:
      return dist.max;
  }
}
