import type { CacheHits, CacheOutcome } from '../perf/prefix-cache.js';
import type { MeasuredHistory, PrefixRouting, PromptReuse, RequestClass } from '../input/types.js';

/**
 * The cache hits of prompts of `inputTokens` under a class's reuse. Shared blocks are found to a
 * depth (block k and every block before it) with probability h_k − h_{k+1}; earlier turns, when
 * counted, are found with their hit rate, independently, and cover the blocks (a conversation's
 * history starts with its system prompt) but are the conversation's own KV. At least the last
 * prompt token is always computed. Undefined when nothing is found cached.
 * A follow-up turn (`followUps` of the requests) carries `share` of its prompt as history, and
 * finds it with the history's hit rate.
 */
export function cacheHits(reuse: PromptReuse, inputTokens: number, countHistory: boolean, sharedAttention = false): CacheHits | undefined {
  const most = Math.max(0, inputTokens - 1);
  const depths: Array<{ share: number; tokens: number }> = [];
  let tokens = 0;
  reuse.prefixes.forEach((p, k) => {
    const next = reuse.prefixes[k + 1]?.hitRate ?? 0;
    tokens += p.tokens;
    depths.push({ share: p.hitRate - next, tokens: Math.min(most, tokens) });
  });
  depths.unshift({ share: 1 - (reuse.prefixes[0]?.hitRate ?? 0), tokens: 0 });
  const history = countHistory ? reuse.history : undefined;
  const historyTokens = history ? Math.min(most, Math.round(history.share * inputTokens)) : 0;
  const found = history ? history.followUps * history.hitRate : 0;
  const merged = new Map<string, CacheOutcome>();
  const add = (share: number, cachedTokens: number, sharedTokens: number) => {
    if (!(share > 0)) return;
    const key = `${cachedTokens}|${sharedTokens}`;
    const o = merged.get(key);
    if (o) o.share += share;
    else merged.set(key, { share, cachedTokens, sharedTokens });
  };
  for (const d of depths) {
    if (history) {
      add(d.share * found, Math.max(d.tokens, historyTokens), d.tokens);
      add(d.share * (1 - found), d.tokens, d.tokens);
    } else {
      add(d.share, d.tokens, d.tokens);
    }
  }
  const outcomes = [...merged.values()].sort((a, b) => a.cachedTokens - b.cachedTokens || a.sharedTokens - b.sharedTokens);
  if (!outcomes.some((o) => o.cachedTokens > 0)) return undefined;
  return { outcomes, pinnedTokens: workingSetTokens(reuse), ...(sharedAttention ? { batchShared: batchLevels(reuse, most) } : {}) };
}

/** The shared blocks as levels of a batch's common prefix (see CacheHits.batchShared), within the prompt's `most` tokens. */
function batchLevels(reuse: PromptReuse, most: number): NonNullable<CacheHits['batchShared']> {
  let paths = 1;
  let before = 0;
  return reuse.prefixes.map((p) => {
    paths *= p.distinct;
    const tokens = Math.max(0, Math.min(most, before + p.tokens) - before);
    before += p.tokens;
    return { tokens, share: p.hitRate, paths };
  });
}

/** Tokens of every path of shared blocks (a block is cached with everything before it): what an instance keeps to find them. */
export function workingSetTokens(reuse: PromptReuse): number {
  let paths = 1;
  return reuse.prefixes.reduce((sum, p) => sum + (paths *= p.distinct) * p.tokens, 0);
}

/**
 * The slices with what their requests find in the prefix cache, under the routing the spec
 * assumes: with random routing a conversation's history is counted as not found (the instance
 * that holds it is one of many; the simulator gives it its 1-in-n chance), with prefix-aware
 * routing it is found at its hit rate. Shared blocks are cached on every instance either way.
 */
export function withCacheHits<S extends { className: string; inputTokens: number; history?: MeasuredHistory }>(slices: S[], classes: RequestClass[], routing: PrefixRouting, sharedAttention = false): Array<S & { cache?: CacheHits }> {
  const reuse = new Map(classes.map((c) => [c.name, c.reuse]));
  return slices.map((s) => {
    const classReuse = reuse.get(s.className);
    // A trace's history measured per request size: the slice's own (short prompts are mostly first turns).
    const r = classReuse?.history?.bySize && s.history ? { ...classReuse, history: { ...classReuse.history, ...s.history } } : classReuse;
    const cache = r && cacheHits(r, s.inputTokens, routing === 'prefix-aware', sharedAttention);
    return cache ? { ...s, cache } : s;
  });
}
