import type { PromptReuse, RequestClass } from '../input/types.js';
import type { Arrival } from './requests.js';
import type { PromptBlock } from './prefix-cache.js';

/** What a request's prompt repeats that a prefix cache may hold. */
export interface ArrivalReuse {
  /** The shared blocks its prompt starts with, outermost first (tokens within the prompt, the last token left out). */
  blocks: PromptBlock[];
  /** Tokens of earlier turns of its conversation its prompt repeats, and the draw (0–1) that decides, against the hit rate, whether it finds them. */
  history?: { tokens: number; draw: number; hitRate: number };
}

/**
 * Draws, per request, what its prompt repeats under its class's reuse: each shared block with its
 * share of requests (given the blocks before it), one of its distinct variants (the key names
 * the path, as a prefix cache hashes a block with everything before it); a follow-up turn with its
 * share of requests, and its history's size. Whether a block is found is the instance's cache's
 * affair; whether a history is, the hit rate's and the routing's (see the engine). A replayed
 * trace with session ids gives each request's history as it was. The draws come
 * from their own generator, so the arrivals (times and sizes) stay those of a run without reuse.
 */
export function* withReuseDraws(arrivals: Iterable<Arrival>, classes: RequestClass[], rng: () => number): Generator<Arrival> {
  for (const a of arrivals) {
    const reuse = classes[a.cls]?.reuse;
    yield reuse ? { ...a, reuse: drawReuse(reuse, a, rng) } : a;
  }
}

function drawReuse(reuse: PromptReuse, a: Arrival, rng: () => number): ArrivalReuse {
  const most = Math.max(0, a.inputTokens - 1);
  const blocks: PromptBlock[] = [];
  let key = String(a.cls);
  let tokens = 0;
  let carried = 1;
  for (const p of reuse.prefixes) {
    if (tokens >= most || !(rng() * carried < p.hitRate)) break;
    carried = p.hitRate;
    key += `/${Math.floor(rng() * p.distinct)}`;
    const t = Math.min(p.tokens, most - tokens);
    blocks.push({ key, tokens: t });
    tokens += t;
  }
  const h = reuse.history;
  if (!h) return { blocks };
  // A trace's sessions say which requests follow an earlier turn and by how much; else they are drawn.
  const history = a.historyTokens !== undefined ? a.historyTokens : rng() < h.followUps ? Math.round(h.share * a.inputTokens) : 0;
  if (!(history > 0)) return { blocks };
  return { blocks, history: { tokens: Math.min(most, history), draw: rng(), hitRate: h.hitRate } };
}
