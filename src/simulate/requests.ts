import type { RequestClass, ServiceSpec } from '../input/types.js';
import { sizeQuantile } from '../workload/distributions.js';
import type { Slice } from '../workload/slices.js';

/** What the simulator needs of a slice to place a request in it. */
export type SliceBounds = Pick<Slice, 'id' | 'inputTokens' | 'outputTokens' | 'inputRange' | 'outputRange'>;
import { interArrival } from './rng.js';
import type { ArrivalReuse } from './prefix-draws.js';

/** A request as the simulator sees it. */
export interface Arrival {
  arrival: number;
  inputTokens: number;
  outputTokens: number;
  /** The request class (index into the spec's classes). */
  cls: number;
  /** What its prompt repeats that a prefix cache may hold (drawn per request; absent: nothing). */
  reuse?: ArrivalReuse;
  /** From a trace with session ids: the tokens of earlier turns its prompt repeats (0: a first turn). */
  historyTokens?: number;
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

/** What the router needs of a route: its class and prompt-length range. */
export type RouteBounds = { class: string; inputTokens: [number, number] };

/**
 * The router: a request goes by its class and its prompt length — all a router sees at arrival —
 * to the route whose prompt range holds it (below the first: the first; above the last: the last).
 */
export function routeFinder(routes: RouteBounds[], classes: Pick<RequestClass, 'name'>[]): (a: Arrival) => number {
  const byClass = classes.map((c) =>
    routes
      .map((r, i) => ({ r, i }))
      .filter((x) => x.r.class === c.name)
      .sort((x, y) => x.r.inputTokens[0] - y.r.inputTokens[0]),
  );
  return (a) => {
    const own = byClass[a.cls];
    return (own.find((x) => a.inputTokens <= x.r.inputTokens[1]) ?? own[own.length - 1]).i;
  };
}

/**
 * Which slice of its route a request is counted in, for the report only (routing never reads the
 * answer length): the one whose answer range holds it, else the nearest by size.
 */
export function sliceFinder(slices: SliceBounds[], routes: Array<{ slices: string[] }>): (a: Arrival, route: number) => number {
  const index = new Map(slices.map((s, i) => [s.id, i]));
  const members = routes.map((r) => r.slices.map((id) => ({ s: slices[index.get(id)!], i: index.get(id)! })));
  return (a, route) => {
    const own = members[route];
    const inside = own.find((x) => a.outputTokens >= x.s.outputRange[0] && a.outputTokens <= x.s.outputRange[1] && a.inputTokens >= x.s.inputRange[0] && a.inputTokens <= x.s.inputRange[1]);
    if (inside) return inside.i;
    const distance = (x: { s: SliceBounds }) => Math.abs(Math.log(a.inputTokens / x.s.inputTokens)) + Math.abs(Math.log(a.outputTokens / x.s.outputTokens));
    return own.reduce((best, x) => (distance(x) < distance(best) ? x : best)).i;
  };
}
