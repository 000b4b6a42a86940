import type { Plan } from '../plan/plan.js';
import { plainText } from './escape.js';
import type { Escape } from './escape.js';
import { formatCount, sig } from './format.js';

type Prefixes = NonNullable<Plan['workload']['prefixCache']>['classes'][number]['prefixes'];

const pct = (fraction: number) => `${sig(fraction * 100)}%`;

/** "a 2k-token shared prefix, 90% hit rate", or "shared blocks of 1k tokens (100%), then 3k tokens in 20 variants (30%)". */
function blocksText(prefixes: Prefixes): string {
  const variants = (p: Prefixes[number]) => (p.distinct > 1 ? ` in ${p.distinct} variants` : '');
  if (prefixes.length === 1) {
    const p = prefixes[0];
    return `a ${formatCount(p.tokens)}-token shared prefix${variants(p)}, ${pct(p.hitRate)} hit rate`;
  }
  return `shared blocks of ${prefixes.map((p) => `${formatCount(p.tokens)} tokens${variants(p)} (${pct(p.hitRate)})`).join(', then ')}`;
}

/**
 * What the plan counts on from the prefix cache, in lines (names through `esc`): per class the
 * share of prompt tokens taken as cached and what it rests on; the routing it assumes; the pools
 * planned without it. Empty for a plan without prompt reuse.
 */
export function prefixCacheLines(plan: Plan, esc: Escape = plainText): string[] {
  const pc = plan.workload.prefixCache;
  if (!pc) return [];
  const routing = pc.routing === 'prefix-aware'
    ? 'prefix-aware routing (a conversation\'s turns return to the instance that holds its history: session affinity or a cache-aware router)'
    : 'random routing (any load balancer)';
  const lines = [`prefix cache: the plan assumes ${routing}`];
  for (const c of pc.classes) {
    const parts: string[] = [];
    if (c.prefixes.length > 0) parts.push(`${blocksText(c.prefixes)} (working set ${formatCount(c.workingSetTokens)} tokens per instance)`);
    if (c.history) {
      const h = c.history;
      const who = h.followUps < 1 ? `follow-up turns (${pct(h.followUps)} of requests) are` : 'each prompt is';
      const what = `${who} ${pct(h.share)} earlier turns${h.hitRate < 1 ? `, ${pct(h.hitRate)} of them still cached` : ''}`;
      parts.push(h.counted ? what : `${what}, not counted: with random routing a conversation finds its history only on the instance it last used (set planning.prefix_routing: prefix-aware where the router keeps it there)`);
    }
    lines.push(`  ${c.class === 'default' && pc.classes.length === 1 ? '' : `${esc(c.class)}: `}${sig(c.cachedPercent)}% of prompt tokens taken as cached, not prefilled — ${parts.join('; ')}`);
  }
  if (pc.sharedPrefixAttention) {
    lines.push('  shared-prefix attention: a colocated decode step reads a prefix all its sequences share once, not per sequence (planning.shared_prefix_attention: on; vLLM V1 does this with cascade attention)');
  }
  if (pc.poolsWithoutCache.length > 0) {
    lines.push(`  planned as finding nothing cached (its instances cannot keep the working set to advantage): ${pc.poolsWithoutCache.map(esc).join(', ')}`);
  }
  return lines;
}
