import type { RequestClass, ServiceSpec } from '../spec/types.js';
import { sizeQuantile } from '../workload/distributions.js';
import type { Slice } from '../workload/slices.js';

/** What the simulator needs of a slice to place a request in it. */
export type SliceBounds = Pick<Slice, 'className' | 'inputTokens' | 'outputTokens' | 'inputRange' | 'outputRange'>;
import { interArrival } from './rng.js';

/** A request as the simulator sees it. */
export interface Arrival {
  arrival: number;
  inputTokens: number;
  outputTokens: number;
  /** The request class (index into the spec's classes). */
  cls: number;
}

function pick<T extends { weight: number }>(rng: () => number, items: T[]): T {
  let u = rng() * items.reduce((sum, x) => sum + x.weight, 0);
  for (const item of items) {
    u -= item.weight;
    if (u <= 0) return item;
  }
  return items[items.length - 1];
}

/** Request sizes drawn from a class: its joint histogram (a trace), or its two distributions. */
function drawSizes(rng: () => number, c: RequestClass): [number, number] {
  if (c.joint) {
    const cell = pick(rng, c.joint);
    const within = (r: [number, number]) => Math.round(r[0] + rng() * (r[1] - r[0]));
    return [Math.max(1, within(cell.inputRange)), Math.max(1, within(cell.outputRange))];
  }
  return [Math.max(1, Math.round(sizeQuantile(c.input, rng()))), Math.max(1, Math.round(sizeQuantile(c.output, rng())))];
}

/**
 * Arrivals over `duration` seconds at the spec's total rate, with its burstiness (gamma gaps of
 * the spec's coefficient of variation; exponential for Poisson), each of a class drawn by its
 * share of the rate and of sizes drawn from that class.
 */
export function* syntheticArrivals(spec: ServiceSpec, rng: () => number, durationSeconds: number): Generator<Arrival> {
  const classes = spec.classes.map((c, i) => ({ weight: c.ratePerSecond, i }));
  const meanGap = 1 / spec.totalRatePerSecond;
  let t = interArrival(rng, meanGap, spec.arrivalCv);
  while (t < durationSeconds) {
    const cls = classes.length === 1 ? 0 : pick(rng, classes).i;
    const [inputTokens, outputTokens] = drawSizes(rng, spec.classes[cls]);
    yield { arrival: t, inputTokens, outputTokens, cls };
    t += interArrival(rng, meanGap, spec.arrivalCv);
  }
}

/** Finds the slice a request belongs to: of its class, whose size ranges hold it (else the nearest). */
export function sliceFinder(slices: SliceBounds[], classes: Pick<RequestClass, 'name'>[]): (a: Arrival) => number {
  const byClass = classes.map((c) => slices.map((s, i) => ({ s, i })).filter((x) => x.s.className === c.name));
  return (a) => {
    const own = byClass[a.cls];
    const inside = own.find((x) => a.inputTokens >= x.s.inputRange[0] && a.inputTokens <= x.s.inputRange[1] && a.outputTokens >= x.s.outputRange[0] && a.outputTokens <= x.s.outputRange[1]);
    if (inside) return inside.i;
    const distance = (x: { s: SliceBounds }) => Math.abs(Math.log(a.inputTokens / x.s.inputTokens)) + Math.abs(Math.log(a.outputTokens / x.s.outputTokens));
    return own.reduce((best, x) => (distance(x) < distance(best) ? x : best)).i;
  };
}
