import type { RequestShape } from './serving.js';
import { CountTailCursor, countTail } from './queueing.js';

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

/** A size's tail smaller than this cannot move a percentile: the sweep leaves it be. */
const NEGLIGIBLE = 1e-12;

/**
 * The p-quantile of a request's own TPOT (its mean over its n = O − 1 intervals) on a colocated
 * instance: the N prompts that arrive in its lifetime (a count of mean rate · n · TPOT, Poisson or
 * negative binomial) ride in its iterations, so TPOT = t_decode + N · δ / n — a short answer that
 * meets one long prompt is slowed for its whole life. Mixed over the slice's output sizes
 * (outputPoints); exact for that mixture: a sweep over the values t_decode + k · δ / n in
 * increasing order until the share of requests above falls to 1 − p. Never below `floor` (the
 * batch-percentile TPOT). The sweep stops once it passes `stopAbove` (the TPOT target: past it the
 * load fails either way), returning a value past it that is not above the quantile.
 */
export function colocatedOwnTpot(outputs: number[], load: ColocatedLoad, floor: number, p: number, stopAbove = Infinity): number {
  const { decodeStep, promptSeconds: delta } = load;
  if (!(delta > 0) || floor > stopAbove) return floor;
  const allowed = (1 - p) * outputs.length;
  // Each size with its next value: where its share above drops as one more prompt is counted.
  const sizes: Array<{ n: number; cursor: CountTailCursor; next: number }> = [];
  const nextValue = (n: number, cursor: CountTailCursor) => (cursor.tail > NEGLIGIBLE ? decodeStep + ((cursor.k + 1) * delta) / n : Infinity);
  for (const o of outputs) {
    const n = o - 1;
    const mean = load.rate * n * load.meanTpot;
    // The prompts a request of this size may meet while its TPOT stays at or under the floor.
    const k = Math.max(0, Math.floor(((floor - decodeStep) * n) / delta + 1e-9));
    // A Poisson count beyond its mean by 8 standard deviations and 10 is never seen (P < 1e-13).
    if (load.arrivalCv <= 1 && k > mean + 8 * Math.sqrt(mean) + 10) continue;
    const cursor = new CountTailCursor(mean, k, load.arrivalCv);
    sizes.push({ n, cursor, next: nextValue(n, cursor) });
  }
  let above = sizes.reduce((sum, s) => sum + s.cursor.tail, 0);
  let value = floor;
  for (let step = 0; above > allowed && value <= stopAbove && step < 100_000; step++) {
    // The next value at which the share above drops: the nearest next prompt count among sizes that still matter.
    let next: (typeof sizes)[number] | undefined;
    for (const s of sizes) if (s.next < (next?.next ?? Infinity)) next = s;
    if (!next) break;
    value = next.next;
    const before = next.cursor.tail;
    next.cursor.advance();
    above += next.cursor.tail - before;
    next.next = nextValue(next.n, next.cursor);
  }
  return Math.max(floor, value);
}

/**
 * Whether colocatedOwnTpot's p-quantile is at most `limit`, without finding it: the share of
 * requests whose own TPOT exceeds `limit` over the 1 − p the percentile allows (at most 1: it is;
 * continuous in the load, where the quantile steps).
 */
export function colocatedOwnTpotShare(outputs: number[], load: ColocatedLoad, p: number, limit: number): number {
  const { decodeStep, promptSeconds: delta } = load;
  if (!(delta > 0)) return decodeStep > limit ? Infinity : 0;
  let above = 0;
  for (const o of outputs) {
    const n = o - 1;
    const mean = load.rate * n * load.meanTpot;
    // The most prompts a request of this size may meet with its TPOT at or under the limit.
    const k = Math.floor(((limit - decodeStep) * n) / delta + 1e-9);
    if (load.arrivalCv <= 1 && k > mean + 8 * Math.sqrt(mean) + 10) continue;
    above += k < 0 ? 1 : countTail(mean, k, load.arrivalCv);
  }
  return above / ((1 - p) * outputs.length);
}

/** The share of requests above x of decodeOwnTpot's mixture. */
function decodeShareAbove(intervals: number[], decodeStep: number, stepSeconds: number, x: number): number {
  return intervals.reduce((sum, n) => sum + Math.min(1, Math.max(0, 1 - ((x - decodeStep) * n) / stepSeconds)), 0) / intervals.length;
}

/**
 * Whether decodeOwnTpot's p-quantile is at most `limit`: the share of requests above it over the
 * 1 − p allowed (at most 1: it is).
 */
export function decodeOwnTpotShare(outputs: number[], decodeStep: number, p: number, limit: number, stepSeconds = decodeStep): number {
  return decodeShareAbove(outputs.map((o) => o - 1), decodeStep, stepSeconds, limit) / (1 - p);
}

/**
 * The least x ≥ lo (to a relative 1e-4) where the decreasing share `above(x)` is at most
 * `allowed`, searching upwards from `start` by doubling.
 */
function bisectQuantile(above: (x: number) => number, lo: number, start: number, allowed: number): number {
  if (above(lo) <= allowed) return lo;
  let hi = Math.max(start, lo * 2);
  while (above(hi) > allowed && hi < 1e6) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 40 && hi - lo > 1e-4 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (above(mid) > allowed) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The p-quantile of a request's own TPOT on a decode instance: after the KV transfer it waits for
 * the iteration in progress (uniform over one step of `stepSeconds`) to join the batch, a wait its
 * n = O − 1 intervals share; `decodeStep` is the time per token (the step over the tokens it
 * yields). Mixed over the slice's output sizes; never below `floor`.
 */
export function decodeOwnTpot(outputs: number[], decodeStep: number, floor: number, p: number, stepSeconds = decodeStep): number {
  const intervals = outputs.map((o) => o - 1);
  return bisectQuantile((x) => decodeShareAbove(intervals, decodeStep, stepSeconds, x), floor, 2 * decodeStep, 1 - p);
}
