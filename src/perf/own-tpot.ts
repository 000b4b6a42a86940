import type { RequestShape } from './serving.js';
import { countTails } from './queueing.js';

/**
 * Output sizes a slice's TPOT percentile is mixed over (at least 2 tokens), spread evenly across
 * its bucket: every size in a narrow bucket — the shortest answers set the tail — else 12 points.
 */
export function outputPoints(shape: RequestShape): number[] {
  const [lo, hi] = shape.outputRange ?? [shape.outputTokens, shape.outputTokens];
  const a = Math.max(2, Math.round(lo));
  const b = Math.max(a, Math.round(hi));
  if (b - a < 12) return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  return Array.from({ length: 12 }, (_, i) => a + ((i + 0.5) / 12) * (b - a));
}

/** What a colocated instance does to a request's own TPOT: its decode step, and the prompts that arrive. */
export interface ColocatedLoad {
  decodeStep: number;
  /** Work one prompt adds to the iterations it rides in. */
  promptSeconds: number;
  rate: number;
  meanTpot: number;
  arrivalCv: number;
}

/**
 * The p-quantile of a request's own TPOT (its mean over its n = O − 1 intervals) on a colocated
 * instance: the N prompts that arrive in its lifetime (a count of mean rate · n · TPOT, Poisson or
 * negative binomial) ride in its iterations, so TPOT = t_decode + N · δ / n — a short answer that
 * meets one long prompt is slowed for its whole life. Mixed over the slice's output sizes (outputPoints); exact
 * for that mixture: a sweep over the values t_decode + k · δ / n in increasing order until the
 * share of requests above falls to 1 − p. Never below `floor` (the batch-percentile TPOT).
 */
export function colocatedOwnTpot(outputs: number[], load: ColocatedLoad, floor: number, p: number): number {
  const { decodeStep, promptSeconds: delta } = load;
  if (!(delta > 0)) return floor;
  const allowed = (1 - p) * outputs.length;
  const sizes = outputs.map((o) => {
    const n = o - 1;
    const tail = countTails(load.rate * n * load.meanTpot, load.arrivalCv);
    // Prompts a request of this size may meet while its TPOT stays at or under the floor.
    const k = Math.max(0, Math.floor(((floor - decodeStep) * n) / delta + 1e-9));
    return { n, k, tail, above: tail(k) };
  });
  let above = sizes.reduce((sum, s) => sum + s.above, 0);
  let value = floor;
  for (let step = 0; above > allowed && step < 100_000; step++) {
    // The next value at which one size's share above drops: its next prompt count.
    const next = sizes.reduce((best, s) => (decodeStep + ((s.k + 1) * delta) / s.n < decodeStep + ((best.k + 1) * delta) / best.n ? s : best));
    next.k++;
    value = decodeStep + (next.k * delta) / next.n;
    const now = next.tail(next.k);
    above += now - next.above;
    next.above = now;
  }
  return Math.max(floor, value);
}

/**
 * The p-quantile of a request's own TPOT on a decode instance: after the KV transfer it waits for
 * the iteration in progress (uniform over one step) to join the batch, a wait its n = O − 1
 * intervals share. Mixed over the slice's output sizes (bisection on the mixture's share above);
 * never below `floor`.
 */
export function decodeOwnTpot(outputs: number[], decodeStep: number, floor: number, p: number): number {
  const intervals = outputs.map((o) => o - 1);
  const above = (x: number) => intervals.reduce((sum, n) => sum + Math.min(1, Math.max(0, 1 - ((x - decodeStep) * n) / decodeStep)), 0) / intervals.length;
  if (above(floor) <= 1 - p) return floor;
  let lo = floor;
  let hi = 2 * decodeStep;
  for (let i = 0; i < 40 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (above(mid) > 1 - p) lo = mid;
    else hi = mid;
  }
  return hi;
}
