import { dpOf } from './deployment.js';
import type { Deployment } from './deployment.js';
import { predictClosedLoop, predictStaticBatch } from './serving.js';
import type { RequestShape, ServingPrediction, Unservable } from './serving.js';
import type { EngineProfile } from '../input/types.js';

/**
 * An instance with DP attention as its `dp` ranks: the clients (or the static batch) split evenly
 * over the ranks, each rank predicted as one engine whose steps carry its own batch (the MoE
 * layers take every rank's tokens, all ranks loaded alike); throughput, batches and KV room add
 * up over the ranks, latencies are one rank's.
 */
export function predictInstance(
  d: Deployment,
  mode: 'closed-loop' | 'static',
  concurrency: number,
  shape: RequestShape,
  engine: EngineProfile,
): ServingPrediction | Unservable {
  const ranks = dpOf(d);
  const perRank = ranks > 1 ? Math.max(1, Math.round(concurrency / ranks)) : concurrency;
  const rank = mode === 'static' ? predictStaticBatch(d, perRank, shape, engine) : predictClosedLoop(d, perRank, shape, engine);
  if (ranks === 1 || 'reason' in rank) return rank;
  return {
    ...rank,
    requestsPerSecond: rank.requestsPerSecond * ranks,
    outputTokensPerSecond: rank.outputTokensPerSecond * ranks,
    runningSequences: rank.runningSequences * ranks,
    maxSequences: rank.maxSequences * ranks,
    queuedRequests: rank.queuedRequests * ranks,
  };
}
