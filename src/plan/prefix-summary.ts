import { meanCachedTokens } from '../perf/prefix-cache.js';
import type { ServiceSpec } from '../input/types.js';
import type { Candidate } from '../optimize/candidates.js';
import type { Slice } from '../workload/slices.js';
import { workingSetTokens } from '../workload/prefix-reuse.js';
import type { PlanPrefixCache } from './plan.js';
import { round6 } from './round.js';

/** A pool of the plan: its candidate and the slices it takes, with their shares. */
interface ServedPool {
  candidate: Candidate;
  served: Array<{ slice: Slice; share: number }>;
}

/** Whether a pool's model of a slice counts on the prefix cache (a decode pool finds nothing cached). */
function countsOnCache(c: Candidate, slice: Slice): boolean {
  return c.role !== 'decode' && c.models.get(slice.id)?.cache !== undefined;
}

/**
 * What a plan counts on from the prefix cache: per class with prompt reuse, its blocks and
 * history, the share of its prompt tokens taken as cached (on the pools that take its prompts and
 * count on the cache), and its working set; and the pools planned without the cache (their
 * instances cannot keep the working set to advantage). Undefined when no class reuses anything.
 */
export function planPrefixCache(spec: ServiceSpec, slices: Slice[], pools: ServedPool[]): PlanPrefixCache | undefined {
  const reusing = spec.classes.filter((c) => c.reuse);
  if (reusing.length === 0) return undefined;
  const counted = spec.planning.prefixRouting === 'prefix-aware';
  const classes = reusing.map((c) => {
    const own = slices.filter((s) => s.className === c.name);
    const prompt = own.reduce((sum, s) => sum + s.ratePerSecond * s.inputTokens, 0);
    let cached = 0;
    for (const { candidate, served } of pools) {
      for (const { slice, share } of served) {
        if (slice.className === c.name && slice.cache && countsOnCache(candidate, slice)) cached += share * slice.ratePerSecond * meanCachedTokens(slice.cache);
      }
    }
    const reuse = c.reuse!;
    return {
      class: c.name,
      prefixes: reuse.prefixes.map((p) => ({ tokens: p.tokens, hitRate: round6(p.hitRate), distinct: p.distinct })),
      history: reuse.history ? { share: round6(reuse.history.share), followUps: round6(reuse.history.followUps), hitRate: round6(reuse.history.hitRate), counted } : null,
      cachedPercent: round6(prompt > 0 ? (100 * cached) / prompt : 0),
      workingSetTokens: workingSetTokens(reuse),
    };
  });
  const poolsWithoutCache = pools
    .filter(({ candidate, served }) => candidate.role !== 'decode' && served.some(({ slice }) => slice.cache && candidate.models.has(slice.id) && !countsOnCache(candidate, slice)))
    .map(({ candidate }) => candidate.id)
    .sort();
  return { routing: spec.planning.prefixRouting, ...(spec.planning.sharedPrefixAttention ? { sharedPrefixAttention: true as const } : {}), classes, poolsWithoutCache };
}
