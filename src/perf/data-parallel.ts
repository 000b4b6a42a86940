import { dpOf } from './deployment.js';
import type { Deployment } from './deployment.js';
import { predictClosedLoop, predictStaticBatch } from './serving.js';
import type { RequestShape, ServingPrediction, Unservable } from './serving.js';
import type { EngineProfile } from '../input/types.js';

/**
 * An instance with DP attention as its `dp` ranks: the clients (or the static batch) split over
 * the ranks as evenly as whole clients go — c mod dp ranks take ⌈c/dp⌉, the others ⌊c/dp⌋ (none
 * where c < dp) — each rank predicted as one engine whose steps carry its own batch (the MoE
 * layers take every rank's tokens, all ranks taken as loaded like the busiest); throughput,
 * batches and KV room add up over the ranks, latencies are the busiest rank's.
 */
export function predictInstance(
  d: Deployment,
  mode: 'closed-loop' | 'static',
  concurrency: number,
  shape: RequestShape,
  engine: EngineProfile,
): ServingPrediction | Unservable {
  const ranks = dpOf(d);
  const predict = (clients: number) => (mode === 'static' ? predictStaticBatch(d, clients, shape, engine) : predictClosedLoop(d, clients, shape, engine));
  if (ranks === 1) return predict(concurrency);
  const low = Math.floor(concurrency / ranks);
  const busier = concurrency % ranks;
  const busiest = predict(busier > 0 ? low + 1 : low);
  if ('reason' in busiest) return busiest;
  // The ranks with one client fewer (none of them when the clients divide evenly, idle when c < dp).
  const others = busier > 0 && low > 0 ? predict(low) : undefined;
  if (others && 'reason' in others) return others;
  const sum = (key: 'requestsPerSecond' | 'outputTokensPerSecond' | 'runningSequences' | 'queuedRequests') =>
    (busier > 0 ? busier : ranks) * busiest[key] + (others ? (ranks - busier) * others[key] : 0);
  return {
    ...busiest,
    requestsPerSecond: sum('requestsPerSecond'),
    outputTokensPerSecond: sum('outputTokensPerSecond'),
    runningSequences: sum('runningSequences'),
    maxSequences: busiest.maxSequences * ranks,
    queuedRequests: sum('queuedRequests'),
  };
}
