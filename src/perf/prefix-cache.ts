/**
 * What the engine's prefix cache saves a request: a cached prefix is not prefilled (its GEMMs,
 * MLP and KV writes are skipped) but is still attended to — the prompt's remaining tokens and
 * every decode step read its KV — and a block many sequences share is held once.
 */

/** What a share of a slice's requests finds in the cache. */
export interface CacheOutcome {
  share: number;
  /** Leading prompt tokens it need not prefill (always fewer than the prompt: the last token is computed). */
  cachedTokens: number;
  /** Of its prompt, the tokens of shared blocks (a system prompt, a document) held once for every sequence that uses them. */
  sharedTokens: number;
}

/** The cache hits of a slice's requests, and the KV the cache keeps for its shared blocks. */
export interface CacheHits {
  /** Shares sum to 1. */
  outcomes: CacheOutcome[];
  /** Tokens of every distinct shared block, which each instance keeps cached (its working set). */
  pinnedTokens: number;
  /**
   * With shared-prefix attention (planning.shared_prefix_attention), the shared blocks in prompt
   * order: tokens, the share of requests that hold the level, and its distinct paths (the variants
   * of it and of every level before it).
   */
  batchShared?: Array<{ tokens: number; share: number; paths: number }>;
}

/**
 * Tokens of the prefix every one of `batch` sequences shares (read once by a decode step with
 * shared-prefix attention): a level counts when all of them hold the same path of it, with
 * probability paths · (share / paths)^batch; a level is common only if every level before it is.
 */
export function commonPrefixTokens(levels: NonNullable<CacheHits['batchShared']>, batch: number): number {
  let tokens = 0;
  let common = 1;
  for (const level of levels) {
    common = Math.min(common, level.paths * Math.pow(level.share / level.paths, Math.max(1, batch)));
    if (!(common > 0)) break;
    tokens += level.tokens * common;
  }
  return tokens;
}

/** Mean tokens of a request's prompt held in shared blocks (not in its own KV). */
export function meanSharedTokens(cache: CacheHits): number {
  return cache.outcomes.reduce((sum, o) => sum + o.share * o.sharedTokens, 0);
}

/** Mean tokens of a request's prompt found in the cache. */
export function meanCachedTokens(cache: CacheHits): number {
  return cache.outcomes.reduce((sum, o) => sum + o.share * o.cachedTokens, 0);
}
