import { checkedQuantity } from './models.js';
import type { CudaGraphTier, EngineProfile } from './types.js';

/** A serving-engine profile as written in a catalog file. */
export interface RawEngine {
  name?: string;
  source?: string;
  notes?: string;
  max_batched_tokens?: number | string;
  max_sequences?: number;
  scheduling?: EngineProfile['scheduling'];
  step_overhead?: string;
  collective_overhead?: string;
  kv_reservation?: EngineProfile['kvReservation'];
  moe_fp8_input?: EngineProfile['moeFp8Input'];
  vendors?: string[];
  custom_allreduce?: { up_to: string | number; latency: string };
  request_overhead?: string;
  prefill_layer_overhead?: string;
  prefill_clustering?: number;
  compute_scale?: number;
  memory_scale?: number;
  moe_imbalance?: number;
  alltoall_overlap?: number;
  attention_dp_balance?: { enable_balance?: boolean; timeout_iters: number; batching_wait_iters?: number };
  cuda_graph_max_batch?: number | Array<{ memory_below?: string; batch: number; batch_at_tp4?: number }>;
  cuda_graph_counts?: 'sequences' | 'tokens';
  eager_launch?: string;
  linear_state?: { reserved_share?: number; state_dtype?: 'bf16' | 'fp32'; prefix_cache?: boolean; aligned_blocks?: boolean };
}

const REQUIRED_FIELDS: Array<keyof RawEngine> = [
  'name', 'max_batched_tokens', 'max_sequences', 'scheduling', 'step_overhead', 'collective_overhead',
  'request_overhead', 'prefill_layer_overhead',
];

/**
 * Fields a merged engine entry still lacks. prefill_clustering only where iterations are mixed:
 * a prefill-first engine's closed loop moves in waves, which the clustering does not enter.
 */
export function missingEngineFields(raw: RawEngine): string[] {
  const required: Array<keyof RawEngine> = raw.scheduling === 'mixed' ? [...REQUIRED_FIELDS, 'prefill_clustering'] : REQUIRED_FIELDS;
  return required.filter((field) => raw[field] === undefined);
}

/** Converts a complete, schema-checked engine entry into SI units. */
export function normalizeEngine(id: string, raw: RawEngine): EngineProfile {
  return {
    id,
    name: raw.name!,
    source: raw.source,
    maxBatchedTokens: checkedQuantity('tokens', raw.max_batched_tokens),
    maxSequences: raw.max_sequences!,
    scheduling: raw.scheduling!,
    stepOverheadSeconds: checkedQuantity('duration', raw.step_overhead),
    collectiveOverheadSeconds: checkedQuantity('duration', raw.collective_overhead),
    kvReservation: raw.kv_reservation ?? 'incremental',
    moeFp8Input: raw.moe_fp8_input ?? 'tokens',
    ...(raw.vendors ? { vendors: [...raw.vendors] } : {}),
    ...(raw.custom_allreduce
      ? { customAllreduce: { maxBytes: checkedQuantity('bytes', raw.custom_allreduce.up_to), latencySeconds: checkedQuantity('duration', raw.custom_allreduce.latency) } }
      : {}),
    requestOverheadSeconds: checkedQuantity('duration', raw.request_overhead),
    prefillLayerOverheadSeconds: checkedQuantity('duration', raw.prefill_layer_overhead),
    prefillClustering: raw.prefill_clustering ?? 0,
    computeScale: raw.compute_scale ?? 1,
    memoryScale: raw.memory_scale ?? 1,
    ...(raw.moe_imbalance !== undefined ? { moeImbalance: raw.moe_imbalance } : {}),
    ...(raw.alltoall_overlap !== undefined ? { alltoallOverlap: raw.alltoall_overlap } : {}),
    ...(raw.attention_dp_balance && raw.attention_dp_balance.enable_balance !== false
      ? { attentionDpBalance: { timeoutIters: raw.attention_dp_balance.timeout_iters, batchingWaitIters: raw.attention_dp_balance.batching_wait_iters ?? 0 } }
      : {}),
    ...(raw.cuda_graph_max_batch !== undefined ? { cudaGraphMaxBatch: cudaGraphTiers(raw.cuda_graph_max_batch) } : {}),
    ...(raw.cuda_graph_counts !== undefined ? { cudaGraphCounts: raw.cuda_graph_counts } : {}),
    ...(raw.eager_launch !== undefined ? { eagerLaunchSeconds: checkedQuantity('duration', raw.eager_launch) } : {}),
    ...(raw.linear_state
      ? { linearState: { ...(raw.linear_state.reserved_share !== undefined ? { reservedShare: raw.linear_state.reserved_share } : {}), ...(raw.linear_state.state_dtype ? { stateDtype: raw.linear_state.state_dtype } : {}), ...(raw.linear_state.prefix_cache !== undefined ? { prefixCache: raw.linear_state.prefix_cache } : {}), ...(raw.linear_state.aligned_blocks ? { alignedBlocks: true } : {}) } }
      : {}),
  };
}

/** An entry's CUDA-graph ceiling as tiers by GPU memory (a plain number: one tier for every GPU). */
function cudaGraphTiers(raw: NonNullable<RawEngine['cuda_graph_max_batch']>): CudaGraphTier[] {
  if (typeof raw === 'number') return [{ memoryBelowBytes: Infinity, batch: raw, batchAtTp4: raw }];
  return raw.map((t) => ({
    memoryBelowBytes: t.memory_below === undefined ? Infinity : checkedQuantity('bytes', t.memory_below),
    batch: t.batch,
    batchAtTp4: t.batch_at_tp4 ?? t.batch,
  }));
}
