import { stringify } from 'yaml';
import { flags } from './launch.js';
import type { EngineLaunch } from './launch.js';
import type { LaunchPool } from './pools.js';
import { trtllmSpeculativeConfig } from './speculative.js';
import type { DeployInput } from './types.js';

/** Where the extra LLM API options of a pool are written (beside the script, or mounted in the pod). */
export function trtllmOptionsFile(lp: LaunchPool): string {
  return `trtllm-${lp.name}.yaml`;
}

/**
 * `trtllm-serve` (PyTorch backend) for one instance of a pool, with the plan's limits; the KV
 * cache is capped at the tokens the plan counted on (kv_cache_config.max_tokens), fp8 where
 * planned, chunked prefill on, CUDA graphs up to the batch limit, KV block reuse named where
 * the plan counts on prompt reuse, the KV cache transceiver on prefill/decode pools, attention DP on DP pools (with the engine profile's
 * balancing, `attention_dp_config`), and the plan's speculative decoding (`speculative_config`).
 */
export function trtllmLaunch(lp: LaunchPool, input: DeployInput): EngineLaunch {
  const { pool } = lp;
  const options = {
    kv_cache_config: {
      free_gpu_memory_fraction: pool.launch.gpuMemoryUtilization,
      max_tokens: pool.launch.kvCacheTokens,
      ...(lp.kvFp8 ? { dtype: 'fp8' } : {}),
      // KV block reuse (TensorRT-LLM's prefix cache) is on by default; a plan that counts on it says so.
      ...(input.plan.workload.prefixCache ? { enable_block_reuse: true } : {}),
    },
    enable_chunked_prefill: true,
    // Generation batches up to max_batch_size under CUDA graphs (padded to the captured sizes), as
    // the plan timed them; the default stops at 128.
    cuda_graph_config: { enable_padding: true, max_batch_size: pool.launch.maxNumSeqs },
    ...(pool.role === 'colocated' ? {} : { cache_transceiver_config: { backend: 'DEFAULT' } }),
    // Context servers hand each request on after one token: the overlap scheduler only delays that.
    ...(pool.role === 'prefill' ? { disable_overlap_scheduler: true } : {}),
    // DP attention: tp_size counts every GPU of a stage, each attention rank one of them. Each rank
    // runs its own executor, and max_batch_size, max_num_tokens and the CUDA-graph batch are that
    // rank's limits, not divided over the ranks (PyTorch executor, _torch/pyexecutor/_util.py: the
    // capacity scheduler gets max_batch_size × pp_size; ai-dynamo/dynamo PR 11982 traces it), so the
    // plan's per-rank limits go in as they are.
    ...((pool.dp ?? 1) > 1 ? { enable_attention_dp: true } : {}),
    // The balancing the plan's engine profile counts on (TTFT waits for every rank to hold a prompt; prefills aligned).
    ...((pool.dp ?? 1) > 1 && input.attentionDpBalance
      ? { attention_dp_config: { enable_balance: true, timeout_iters: input.attentionDpBalance.timeoutIters, batching_wait_iters: input.attentionDpBalance.batchingWaitIters } }
      : {}),
    ...(input.speculative ? { speculative_config: trtllmSpeculativeConfig(input.speculative) } : {}),
  };
  const file = trtllmOptionsFile(lp);
  const serve = [
    'trtllm-serve', input.model.path,
    ...flags([
      ['--host', '0.0.0.0'],
      ['--port', input.engineInfo.port],
      ['--backend', 'pytorch'],
      ['--tp_size', pool.tp * (pool.dp ?? 1)],
      ['--pp_size', pool.pp],
      ['--moe_expert_parallel_size', (pool.ep ?? 1) > 1 ? pool.ep : undefined],
      ['--max_batch_size', pool.launch.maxNumSeqs],
      ['--max_num_tokens', pool.launch.maxNumBatchedTokens],
      ['--max_seq_len', pool.launch.maxModelLen],
      ['--kv_cache_free_gpu_memory_fraction', pool.launch.gpuMemoryUtilization],
      ['--extra_llm_api_options', `{{FILES_DIR}}/${file}`],
    ]),
  ];
  return { leader: [serve], files: [{ name: file, text: stringify(options) }], env: {} };
}
