import type { RequestClass, SloTargets } from '../spec/types.js';
import { isFixed, meanBetween, sizeQuantile } from './distributions.js';

/** A class of requests of one representative size, with its share of the traffic and its SLOs. */
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
  slo: SloTargets;
}

/** Splits the requests of every class into at most `maxSlices` slices (input × output buckets). */
export function sliceWorkload(classes: RequestClass[], maxSlices: number): Slice[] {
  const perClass = Math.max(1, Math.floor(maxSlices / classes.length));
  const slices: Slice[] = [];
  for (const c of classes) {
    if (c.joint) {
      slices.push(...jointSlices(c, perClass));
      continue;
    }
    const [inBuckets, outBuckets] = bucketCounts(isFixed(c.input), isFixed(c.output), perClass);
    const inputs = buckets(c.input, inBuckets);
    const outputs = buckets(c.output, outBuckets);
    for (const input of inputs) {
      for (const output of outputs) {
        slices.push({
          id: '',
          className: c.name,
          inputTokens: input.mean,
          outputTokens: output.mean,
          ratePerSecond: c.ratePerSecond * input.share * output.share,
          inputRange: input.range,
          outputRange: output.range,
          slo: c.slo,
        });
      }
    }
  }
  return merged(slices).map((s, i) => ({ ...s, id: `s${i + 1}` }));
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

/** Equal-probability buckets of a size distribution, each with its mean size and range. */
function buckets(dist: RequestClass['input'], count: number): Bucket[] {
  if (isFixed(dist) || count <= 1) {
    const mean = Math.max(1, Math.round(meanBetween(dist, 0, 1, 256)));
    return [{ mean, share: 1, range: [Math.round(sizeQuantile(dist, 0)), Math.round(sizeQuantile(dist, 1))] }];
  }
  return Array.from({ length: count }, (_, k) => {
    const u0 = k / count;
    const u1 = (k + 1) / count;
    return {
      mean: Math.max(1, Math.round(meanBetween(dist, u0, u1))),
      share: 1 / count,
      range: [Math.max(1, Math.round(sizeQuantile(dist, u0))), Math.round(sizeQuantile(dist, u1))],
    };
  });
}

/**
 * Slices from a joint size histogram (a trace): cells sorted by input and cut into
 * equal-weight input buckets, each cut by output; a slice has the weighted mean sizes of its
 * cells, so sizes that occur together stay together.
 */
function jointSlices(c: RequestClass, budget: number): Slice[] {
  const [inBuckets, outBuckets] = bucketCounts(false, false, budget);
  const cells = [...c.joint!].sort((a, b) => a.inputTokens - b.inputTokens || a.outputTokens - b.outputTokens);
  const slices: Slice[] = [];
  for (const group of equalWeightGroups(cells, inBuckets)) {
    const byOutput = [...group].sort((a, b) => a.outputTokens - b.outputTokens || a.inputTokens - b.inputTokens);
    for (const part of equalWeightGroups(byOutput, outBuckets)) {
      const weight = part.reduce((sum, x) => sum + x.weight, 0);
      const mean = (key: 'inputTokens' | 'outputTokens') => Math.max(1, Math.round(part.reduce((sum, x) => sum + x[key] * x.weight, 0) / weight));
      const range = (key: 'inputRange' | 'outputRange'): [number, number] => [Math.min(...part.map((x) => x[key][0])), Math.max(...part.map((x) => x[key][1]))];
      slices.push({
        id: '',
        className: c.name,
        inputTokens: mean('inputTokens'),
        outputTokens: mean('outputTokens'),
        ratePerSecond: c.ratePerSecond * weight,
        inputRange: range('inputRange'),
        outputRange: range('outputRange'),
        slo: c.slo,
      });
    }
  }
  return slices;
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

/** Slices of one class with the same sizes (e.g. from a histogram of points) become one. */
function merged(slices: Slice[]): Slice[] {
  const byKey = new Map<string, Slice>();
  for (const s of slices) {
    const key = `${s.className}|${s.inputTokens}|${s.outputTokens}`;
    const existing = byKey.get(key);
    if (existing) {
      existing.ratePerSecond += s.ratePerSecond;
      existing.inputRange = [Math.min(existing.inputRange[0], s.inputRange[0]), Math.max(existing.inputRange[1], s.inputRange[1])];
      existing.outputRange = [Math.min(existing.outputRange[0], s.outputRange[0]), Math.max(existing.outputRange[1], s.outputRange[1])];
    } else {
      byKey.set(key, { ...s, inputRange: [...s.inputRange], outputRange: [...s.outputRange] });
    }
  }
  return [...byKey.values()];
}
