import type { Deployment } from '../perf/deployment.js';
import { dpOf } from '../perf/deployment.js';
import { memoryPlan, runningLimit, sequenceKvBytes } from '../perf/memory.js';
import { BATCH_GRID, decodeTable } from '../perf/open-loop.js';
import type { DecodeTable } from '../perf/open-loop.js';
import { stepTiming } from '../perf/roofline.js';
import { acceptedLengthDistribution } from '../perf/speculative.js';
import type { EngineProfile } from '../input/types.js';

/** What the simulator needs to know of one instance: iteration times and KV room. */
export interface InstanceTiming {
  /** A decode iteration of `batch` sequences at a mean context. */
  decodeSeconds(batch: number, contextTokens: number): number;
  /** What a chunk of `tokens` prompt tokens after `prefixTokens` already prefilled adds to an iteration. */
  prefillSeconds(tokens: number, prefixTokens: number): number;
  /** KV-cache bytes a sequence of `contextTokens` holds on one GPU. */
  kvBytes(contextTokens: number): number;
  /** KV bytes of cached prefix blocks of `tokens` (no linear-attention state: that stays with each sequence). */
  blockBytes(tokens: number): number;
  kvRoomBytes: number;
  engine: EngineProfile;
  /** Most sequences it runs at once (the engine's limit; the token budget's under speculation; the states it reserved: see runningLimit). */
  maxSequences: number;
  /**
   * With DP attention: the same steps without the MoE work the ranks share (the routed experts
   * and their collectives), what each rank runs on its own tokens — so a step of ranks with
   * different loads can be timed as the slowest rank's own work plus the shared work of all.
   */
  rankLocal?: Pick<InstanceTiming, 'decodeSeconds' | 'prefillSeconds'>;
  /**
   * Speculative decoding: the cumulative probabilities that a decode step yields 1, 2, …, k + 1
   * tokens of a sequence (absent: always 1), and the k + 1 tokens it verifies of each.
   */
  speculative?: { cumulative: number[]; tokensPerSequence: number };
}

function linear(xs: number[], ys: number[], x: number): number {
  const i = interval(xs, x);
  const slope = (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1]);
  return Math.max(0, ys[i - 1] + slope * (x - xs[i - 1]));
}

/** Index i ≥ 1 of the grid interval [xs[i-1], xs[i]] that x falls in (the end ones extrapolate). */
function interval(xs: number[], x: number): number {
  let i = 1;
  while (i < xs.length - 1 && xs[i] < x) i++;
  return i;
}

/**
 * A decode step of `batch` sequences at `context`, interpolated in the table: decodeRow's row at
 * the context, read at the batch, without building the row (the simulator asks every iteration).
 */
function decodeAt(table: DecodeTable, batch: number, context: number): number {
  const { contexts, seconds } = table;
  const j = interval(BATCH_GRID, batch);
  let y0: number;
  let y1: number;
  if (contexts.length === 1) {
    y0 = seconds[0][j - 1];
    y1 = seconds[0][j];
  } else {
    const i = interval(contexts, context);
    const t = (context - contexts[i - 1]) / (contexts[i] - contexts[i - 1]);
    const lo = seconds[i - 1];
    const hi = seconds[i];
    y0 = lo[j - 1] + t * (hi[j - 1] - lo[j - 1]);
    y1 = lo[j] + t * (hi[j] - lo[j]);
  }
  const slope = (y1 - y0) / (BATCH_GRID[j] - BATCH_GRID[j - 1]);
  return Math.max(0, y0 + slope * (batch - BATCH_GRID[j - 1]));
}

/**
 * Iteration times of a deployment from the performance model, tabulated once (decode steps on a
 * batch × context grid, prompt chunks on a tokens × prefix grid — attention over the prefix is
 * linear in it) so the simulator interpolates instead of re-timing every iteration.
 * `longestPrompt` bounds the prefixes a chunk may follow.
 */
export function instanceTiming(d: Deployment, engine: EngineProfile, contexts: number[], longestPrompt: number): InstanceTiming {
  const memory = memoryPlan(d, engine.maxBatchedTokens, engine);
  return {
    ...stepTimes(d, engine, contexts, longestPrompt, false),
    ...(dpOf(d) > 1 ? { rankLocal: stepTimes(d, engine, contexts, longestPrompt, true) } : {}),
    kvBytes: sequenceKvBytes(d, true, engine),
    blockBytes: sequenceKvBytes(d, false, engine),
    kvRoomBytes: Math.max(0, memory.kvRoomBytes),
    engine,
    maxSequences: runningLimit(d, engine, memory),
    ...(d.speculative ? { speculative: { cumulative: cumulative(acceptedLengthDistribution(d.speculative.acceptance, d.speculative.tokens)), tokensPerSequence: d.speculative.tokens + 1 } } : {}),
  };
}

/** The decode and prefill tables of instanceTiming (`rankLocal`: of a rank's own work only). */
function stepTimes(d: Deployment, engine: EngineProfile, contexts: number[], longestPrompt: number, rankLocal: boolean): Pick<InstanceTiming, 'decodeSeconds' | 'prefillSeconds'> {
  const table = decodeTable(d, engine, contexts.length > 0 ? contexts : [1024], rankLocal);
  const local = rankLocal ? { rankLocal } : {};
  const budget = engine.maxBatchedTokens;
  const tokenGrid = [...new Set([1, 16, 64, 256, 1024, 4096, budget].filter((t) => t <= budget))].sort((a, b) => a - b);
  const prefixGrid = [0];
  for (let p = budget; p < longestPrompt; p *= 4) prefixGrid.push(p);
  if (longestPrompt > budget) prefixGrid.push(longestPrompt);
  const base = stepTiming(d, { prefill: [], decodeSequences: 1, decodeContextTokens: 1, ...local }, engine).latencySeconds;
  const prefill = prefixGrid.map((prefixTokens) =>
    tokenGrid.map((tokens) => stepTiming(d, { prefill: [{ count: 1, tokens, prefixTokens }], decodeSequences: 1, decodeContextTokens: 1, ...local }, engine).latencySeconds - base),
  );
  const prefillSeconds = (tokens: number, prefixTokens: number) => {
    if (tokens <= 0) return 0;
    if (prefixGrid.length === 1) return linear(tokenGrid, prefill[0], tokens);
    const j = interval(prefixGrid, prefixTokens);
    const lo = linear(tokenGrid, prefill[j - 1], tokens);
    const hi = linear(tokenGrid, prefill[j], tokens);
    return Math.max(0, lo + ((hi - lo) * (prefixTokens - prefixGrid[j - 1])) / (prefixGrid[j] - prefixGrid[j - 1]));
  };
  return { decodeSeconds: (batch, context) => decodeAt(table, Math.max(1, batch), context), prefillSeconds };
}

function cumulative(p: number[]): number[] {
  let sum = 0;
  return p.map((x) => (sum += x));
}
