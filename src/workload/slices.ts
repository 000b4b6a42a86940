import type { JointSize, MeasuredHistory, RequestClass, SloTargets } from '../input/types.js';
import { isFixed, maxTokens, meanBetween, sizeQuantile } from './distributions.js';
import type { CacheHits } from '../perf/prefix-cache.js';

/**
 * A class of requests of one representative size, with its share of the traffic and its SLOs.
 * Slices are for modelling; routes are for routing: every slice belongs to one route (its class
 * and prompt-length range), and the slices of a route differ only in their answer lengths, which
 * no router sees.
 */
export interface Slice {
  id: string;
  /** The request class it comes from. */
  className: string;
  inputTokens: number;
  outputTokens: number;
  ratePerSecond: number;
  /** Sizes the slice stands for (its quantile bucket). */
  inputRange: [number, number];
  outputRange: [number, number];
  /** The route it belongs to. */
  route: string;
  /** The prompt lengths of its route (the routes of a class tile its prompt sizes). */
  routeRange: [number, number];
  /** The longest answer of its class: what a pool taking the route must hold besides the prompt. */
  maxOutputTokens: number;
  slo: SloTargets;
  /** What its requests find in the engine's prefix cache (absent: nothing; see withCacheHits). */
  cache?: CacheHits;
  /** From a trace with session ids: the reuse of earlier turns among its requests. */
  history?: MeasuredHistory;
}

/** What a router sees: a class and a prompt-length range; the slices of different answer lengths inside it. */
export interface Route {
  id: string;
  className: string;
  /** Prompt lengths, inclusive; the routes of a class tile its prompt sizes without overlap. */
  inputRange: [number, number];
  /** The longest answer of its class. */
  maxOutputTokens: number;
  /** Its slices' ids. */
  slices: string[];
}

/** The longest request of a route's slice, in tokens: the top prompt plus the class's longest answer. */
export function largestRequestTokens(slice: Pick<Slice, 'routeRange' | 'maxOutputTokens'>): number {
  return slice.routeRange[1] + slice.maxOutputTokens;
}

/** A slice before it has ids: the index of its input bucket within the class. */
type Draft = Omit<Slice, 'id' | 'route' | 'routeRange'> & { bucket: number };

/**
 * Splits the requests of every class into at most `maxSlices` slices (input × output buckets),
 * each in a route: the class and its input bucket. Buckets whose prompt ranges overlap (a point
 * mass of a histogram) are one route; a class's routes tile its prompt sizes.
 */
export function sliceWorkload(classes: RequestClass[], maxSlices: number): Slice[] {
  const perClass = Math.max(1, Math.floor(maxSlices / classes.length));
  const slices: Slice[] = [];
  let routeCount = 0;
  for (const c of classes) {
    const drafts = c.joint ? jointSlices(c, perClass) : gridSlices(c, perClass);
    for (const route of tiledRoutes(drafts)) {
      routeCount++;
      for (const d of merged(route.members)) {
        const { bucket: _bucket, ...slice } = d;
        slices.push({ ...slice, id: '', route: `r${routeCount}`, routeRange: route.range });
      }
    }
  }
  return slices.map((s, i) => ({ ...s, id: `s${i + 1}` }));
}

/** The routes of a list of slices, in order. */
export function routesOf(slices: Slice[]): Route[] {
  const routes = new Map<string, Route>();
  for (const s of slices) {
    const route = routes.get(s.route);
    if (route) route.slices.push(s.id);
    else routes.set(s.route, { id: s.route, className: s.className, inputRange: s.routeRange, maxOutputTokens: s.maxOutputTokens, slices: [s.id] });
  }
  return [...routes.values()];
}

/**
 * The routes of one class's slices: input buckets with overlapping prompt ranges merged, then cut
 * to tile the prompt sizes (each route starts one token above the previous one's top).
 */
function tiledRoutes(drafts: Draft[]): Array<{ range: [number, number]; members: Draft[] }> {
  const byBucket = new Map<number, Draft[]>();
  for (const d of drafts) byBucket.set(d.bucket, [...(byBucket.get(d.bucket) ?? []), d]);
  const buckets = [...byBucket.values()]
    .map((members) => ({ range: [Math.min(...members.map((m) => m.inputRange[0])), Math.max(...members.map((m) => m.inputRange[1]))] as [number, number], members }))
    .sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
  const routes: Array<{ range: [number, number]; members: Draft[] }> = [];
  for (const b of buckets) {
    const last = routes[routes.length - 1];
    // Overlapping, or nothing left above the previous route: the same route.
    if (last && (b.range[0] < last.range[1] || b.range[1] <= last.range[1])) {
      last.range = [last.range[0], Math.max(last.range[1], b.range[1])];
      last.members.push(...b.members);
    } else {
      routes.push({ range: [last ? last.range[1] + 1 : b.range[0], b.range[1]], members: [...b.members] });
    }
  }
  return routes;
}

/** Slices of a class given by two independent distributions: input buckets × output buckets. */
function gridSlices(c: RequestClass, budget: number): Draft[] {
  const [inBuckets, outBuckets] = bucketCounts(isFixed(c.input), isFixed(c.output), budget);
  const inputs = buckets(c.input, inBuckets);
  const outputs = buckets(c.output, outBuckets);
  const maxOutputTokens = maxTokens(c.output);
  return inputs.flatMap((input, bucket) =>
    outputs.map((output) => ({
      className: c.name,
      inputTokens: input.mean,
      outputTokens: output.mean,
      ratePerSecond: c.ratePerSecond * input.share * output.share,
      inputRange: input.range,
      outputRange: output.range,
      maxOutputTokens,
      slo: c.slo,
      bucket,
    })),
  );
}

/** How many input and output buckets a class gets: input matters more (prefill cost grows with it). */
function bucketCounts(inputFixed: boolean, outputFixed: boolean, budget: number): [number, number] {
  if (inputFixed && outputFixed) return [1, 1];
  if (outputFixed) return [budget, 1];
  if (inputFixed) return [1, budget];
  const outputs = Math.max(1, Math.floor(Math.sqrt(budget)));
  return [Math.max(1, Math.floor(budget / outputs)), outputs];
}

interface Bucket {
  mean: number;
  share: number;
  range: [number, number];
}

/**
 * Equal-probability buckets of a size distribution, each with its mean size and range. An edge
 * that falls inside a point mass of a histogram moves to its end, so no two buckets share a
 * prompt size: a router tells them apart by length.
 */
function buckets(dist: RequestClass['input'], count: number): Bucket[] {
  if (isFixed(dist) || count <= 1) {
    const mean = Math.max(1, Math.round(meanBetween(dist, 0, 1, 256)));
    return [{ mean, share: 1, range: [Math.max(1, Math.round(sizeQuantile(dist, 0))), Math.round(sizeQuantile(dist, 1))] }];
  }
  const points = pointMasses(dist);
  const edges = [...new Set(Array.from({ length: count + 1 }, (_, k) => {
    const u = k / count;
    return points.find(([lo, hi]) => u > lo && u < hi)?.[1] ?? u;
  }))];
  return edges.slice(1).map((u1, k) => {
    const u0 = edges[k];
    return {
      mean: Math.max(1, Math.round(meanBetween(dist, u0, u1))),
      share: u1 - u0,
      range: [Math.max(1, Math.round(sizeQuantile(dist, u0))), Math.round(sizeQuantile(dist, u1))],
    };
  });
}

/** The quantile intervals [u0, u1] a histogram spends on single sizes (bins with min = max). */
function pointMasses(dist: RequestClass['input']): Array<[number, number]> {
  if (dist.kind !== 'histogram') return [];
  const masses: Array<[number, number]> = [];
  let acc = 0;
  for (const bin of dist.bins) {
    if (bin.min === bin.max && bin.weight > 0) masses.push([acc, acc + bin.weight]);
    acc += bin.weight;
  }
  return masses;
}

/**
 * Slices from a joint size histogram (a trace): the input bins (cells whose prompt ranges
 * overlap) sorted and cut into equal-weight input buckets — never splitting a bin, so a router
 * can tell the buckets apart by prompt length — each cut by output; a slice has the weighted mean
 * sizes of its cells, so sizes that occur together stay together.
 */
function jointSlices(c: RequestClass, budget: number): Draft[] {
  const [inBuckets, outBuckets] = bucketCounts(false, false, budget);
  const cells = c.joint!;
  const maxOutputTokens = Math.max(...cells.map((x) => x.outputRange[1]));
  const drafts: Draft[] = [];
  equalWeightGroups(inputBins(cells), inBuckets).forEach((bins, bucket) => {
    const group = bins.flatMap((b) => b.cells);
    const byOutput = [...group].sort((a, b) => a.outputTokens - b.outputTokens || a.inputTokens - b.inputTokens);
    for (const part of equalWeightGroups(byOutput, outBuckets)) {
      const weight = part.reduce((sum, x) => sum + x.weight, 0);
      const mean = (key: 'inputTokens' | 'outputTokens') => Math.max(1, Math.round(part.reduce((sum, x) => sum + x[key] * x.weight, 0) / weight));
      const range = (key: 'inputRange' | 'outputRange'): [number, number] => [Math.min(...part.map((x) => x[key][0])), Math.max(...part.map((x) => x[key][1]))];
      const history = historyOf(part);
      drafts.push({
        className: c.name,
        inputTokens: mean('inputTokens'),
        outputTokens: mean('outputTokens'),
        ratePerSecond: c.ratePerSecond * weight,
        inputRange: range('inputRange'),
        outputRange: range('outputRange'),
        maxOutputTokens,
        slo: c.slo,
        bucket,
        ...(history ? { history } : {}),
      });
    }
  });
  return drafts;
}

/** Cells of a joint histogram grouped by overlapping prompt ranges (its input bins), in order. */
function inputBins(cells: JointSize[]): Array<{ weight: number; cells: JointSize[] }> {
  const sorted = [...cells].sort((a, b) => a.inputRange[0] - b.inputRange[0] || a.outputTokens - b.outputTokens);
  const bins: Array<{ top: number; weight: number; cells: JointSize[] }> = [];
  for (const cell of sorted) {
    const last = bins[bins.length - 1];
    if (last && cell.inputRange[0] <= last.top) {
      last.cells.push(cell);
      last.weight += cell.weight;
      last.top = Math.max(last.top, cell.inputRange[1]);
    } else {
      bins.push({ top: cell.inputRange[1], weight: cell.weight, cells: [cell] });
    }
  }
  return bins;
}

/** Splits weighted items (in order) into at most `count` consecutive groups of about equal weight. */
function equalWeightGroups<T extends { weight: number }>(items: T[], count: number): T[][] {
  const total = items.reduce((sum, x) => sum + x.weight, 0);
  const groups: T[][] = [];
  let current: T[] = [];
  let acc = 0;
  for (const item of items) {
    current.push(item);
    acc += item.weight;
    if (acc >= (total * (groups.length + 1)) / count - 1e-12 && groups.length < count - 1) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * The reuse of earlier turns of several groups of requests (weights: their shares): the share of
 * follow-ups, and the share of the follow-ups' prompt tokens that is history. Undefined where none measured it.
 */
function historyOf(groups: Array<{ weight: number; inputTokens: number; history?: MeasuredHistory }>): MeasuredHistory | undefined {
  const measured = groups.filter((g) => g.history);
  if (measured.length === 0) return undefined;
  const weight = measured.reduce((sum, g) => sum + g.weight, 0);
  const followUps = measured.reduce((sum, g) => sum + g.weight * g.history!.followUps, 0);
  const prompt = measured.reduce((sum, g) => sum + g.weight * g.history!.followUps * g.inputTokens, 0);
  const history = measured.reduce((sum, g) => sum + g.weight * g.history!.followUps * g.history!.share * g.inputTokens, 0);
  return { followUps: weight > 0 ? followUps / weight : 0, share: prompt > 0 ? history / prompt : 0 };
}

/** Slices of one route with the same sizes (e.g. from a histogram of points) become one. */
function merged(slices: Draft[]): Draft[] {
  const byKey = new Map<string, Draft>();
  for (const s of slices) {
    const key = `${s.inputTokens}|${s.outputTokens}`;
    const existing = byKey.get(key);
    if (existing) {
      const history = historyOf([{ weight: existing.ratePerSecond, inputTokens: existing.inputTokens, history: existing.history }, { weight: s.ratePerSecond, inputTokens: s.inputTokens, history: s.history }]);
      if (history) existing.history = history;
      existing.ratePerSecond += s.ratePerSecond;
      existing.inputRange = [Math.min(existing.inputRange[0], s.inputRange[0]), Math.max(existing.inputRange[1], s.inputRange[1])];
      existing.outputRange = [Math.min(existing.outputRange[0], s.outputRange[0]), Math.max(existing.outputRange[1], s.outputRange[1])];
    } else {
      byKey.set(key, { ...s, inputRange: [...s.inputRange], outputRange: [...s.outputRange] });
    }
  }
  return [...byKey.values()];
}
