import type { InputIssue } from './issues.js';
import { checkedQuantity } from './models.js';
import type { SizeDistribution } from './types.js';
import { pathText } from './yaml-source.js';
import type { DocPath, YamlSource } from './yaml-source.js';

/** A request size as written: a count ("8k") or a distribution mapping. */
export type RawSize =
  | number
  | string
  | {
      distribution?: 'fixed' | 'uniform' | 'normal' | 'lognormal' | 'exponential';
      tokens?: number | string;
      mean?: number | string;
      median?: number | string;
      stddev?: number | string;
      sigma?: number;
      min?: number | string;
      max?: number | string;
      histogram?: Array<{ tokens?: number | string; min?: number | string; max?: number | string; weight: number }>;
    };

/** z-score of the quantile where open-ended distributions are cut (p99.95). */
const TAIL_Z = 3.29;

const tokens = (raw: unknown) => (raw === undefined ? undefined : checkedQuantity('tokens', raw));

/** Converts a schema-checked size into a distribution, reporting missing or inconsistent parameters. */
export function normalizeSize(
  raw: RawSize,
  source: YamlSource,
  path: DocPath,
): { value?: SizeDistribution; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const at: At = (message, sub = []) => issues.push(source.issueAt([...path, ...sub], message));
  const value = toDistribution(raw, at, pathText(path));
  return { value: issues.length === 0 ? value : undefined, issues };
}

type At = (message: string, sub?: DocPath) => void;

function toDistribution(raw: RawSize, at: At, where: string): SizeDistribution | undefined {
  if (typeof raw !== 'object') return atLeastOne(tokens(raw)!, at, where);
  if (raw.histogram) return toHistogram(raw.histogram, at, where);
  const kind = raw.distribution ?? (raw.tokens !== undefined ? 'fixed' : undefined);
  const has = (names: Array<keyof typeof raw>) => {
    const missing = names.filter((n) => raw[n] === undefined);
    if (missing.length > 0) at(`${where}: a ${kind} distribution needs ${missing.join(' and ')}`);
    return missing.length === 0;
  };
  const min = tokens(raw.min) ?? 1;
  switch (kind) {
    case undefined:
      at(`${where}: give a size (e.g. 1000), a distribution (distribution: lognormal, median, sigma) or a histogram`);
      return undefined;
    case 'fixed':
      return has(['tokens']) ? atLeastOne(tokens(raw.tokens)!, at, where) : undefined;
    case 'uniform':
      return has(['min', 'max']) ? ordered({ kind, min, max: tokens(raw.max)! }, at, where) : undefined;
    case 'normal': {
      if (!has(['mean', 'stddev'])) return undefined;
      const mean = tokens(raw.mean)!;
      const stddev = tokens(raw.stddev)!;
      // No spread is a point mass: every request has the mean's size.
      if (stddev === 0) return atLeastOne(mean, at, where);
      return ordered({ kind, mean, stddev, min, max: tokens(raw.max) ?? Math.ceil(mean + 4 * stddev) }, at, where);
    }
    case 'lognormal': {
      if (raw.sigma === undefined || (raw.median === undefined && raw.mean === undefined)) {
        at(`${where}: a lognormal distribution needs sigma and either median or mean`);
        return undefined;
      }
      const median = raw.median !== undefined ? tokens(raw.median)! : tokens(raw.mean)! / Math.exp(raw.sigma ** 2 / 2);
      const max = tokens(raw.max) ?? Math.ceil(median * Math.exp(TAIL_Z * raw.sigma));
      return ordered({ kind, median, sigma: raw.sigma, min, max }, at, where);
    }
    case 'exponential': {
      if (!has(['mean'])) return undefined;
      const mean = tokens(raw.mean)!;
      return ordered({ kind, mean, min, max: tokens(raw.max) ?? Math.ceil(mean * Math.log(2000)) }, at, where);
    }
  }
}

function atLeastOne(count: number, at: At, where: string): SizeDistribution | undefined {
  if (count >= 1) return { kind: 'fixed', tokens: count };
  at(`${where}: a request has at least 1 token, got ${count}`);
  return undefined;
}

function ordered<T extends SizeDistribution & { min: number; max: number }>(value: T, at: At, where: string): T | undefined {
  if (value.min < 1) at(`${where}: min must be at least 1 token, got ${value.min}`);
  else if (value.max < value.min) at(`${where}: max (${value.max}) is below min (${value.min})`);
  else return value;
  return undefined;
}

type RawBins = NonNullable<Exclude<RawSize, number | string>['histogram']>;

function toHistogram(bins: RawBins, at: At, where: string): SizeDistribution | undefined {
  const out: Array<{ min: number; max: number; weight: number }> = [];
  bins.forEach((bin, i) => {
    const fixed = tokens(bin.tokens);
    const min = fixed ?? tokens(bin.min);
    const max = fixed ?? tokens(bin.max);
    if (min === undefined || max === undefined) at(`${where}.histogram[${i}]: give tokens, or min and max`, ['histogram', i]);
    else if (min < 1 || max < min) at(`${where}.histogram[${i}]: need 1 ≤ min ≤ max, got min ${min} and max ${max}`, ['histogram', i]);
    else out.push({ min, max, weight: bin.weight });
  });
  if (out.length < bins.length) return undefined;
  const total = out.reduce((sum, bin) => sum + bin.weight, 0);
  if (total <= 0) {
    at(`${where}.histogram: the weights sum to 0`, ['histogram']);
    return undefined;
  }
  return { kind: 'histogram', bins: out.map((b) => ({ ...b, weight: b.weight / total })) };
}
