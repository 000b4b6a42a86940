import type { SizeDistribution } from '../input/types.js';
import { normalCdf, normalQuantile } from '../math/normal.js';

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
