import { flags } from './launch.js';
import { dispatchesTokens } from '../perf/expert-parallel.js';
import type { EngineLaunch, Word } from './launch.js';
import type { LaunchPool } from './pools.js';
import { vllmSpeculativeConfig } from './speculative.js';
import type { DeployInput } from './types.js';

/** Port of the Ray head that multi-node vLLM instances join. */
const RAY_PORT = 6379;

/** A Python snippet that waits until the Ray cluster has all of an instance's nodes. */
function waitForNodes(nodes: number): string {
  return ['import time, ray', 'ray.init(address="auto")', `while len([n for n in ray.nodes() if n["Alive"]]) < ${nodes}: time.sleep(5)`].join('\n');
}

/**
 * `vllm serve` for one instance of a pool, with the flags that realise the plan: parallelism,
 * the context, sequence and token limits the plan sized (CUDA graphs captured up to the sequence
 * limit), the memory fraction, KV and weight
 * precision, chunked prefill, prefix caching (cached blocks only use free KV room; the plan counts
 * hits only where its workload.prefixCache says), NIXL KV transfer on prefill/decode pools, a Ray
 * cluster across nodes, and for MoE pools expert parallelism (with attention data parallelism
 * across the instance's GPUs, the all-to-all overlapped with compute), and the plan's speculative
 * decoding (`--speculative-config`).
 */
export function vllmLaunch(lp: LaunchPool, input: DeployInput): EngineLaunch {
  const { pool } = lp;
  const dp = pool.dp ?? 1;
  const ep = pool.ep ?? 1;
  const serve: Word[] = [
    'vllm', 'serve', input.model.path,
    ...flags([
      ['--host', '0.0.0.0'],
      ['--port', input.engineInfo.port],
      ['--tensor-parallel-size', pool.tp],
      ['--pipeline-parallel-size', pool.pp > 1 ? pool.pp : undefined],
      // DP attention with the experts over all tp × dp GPUs; dual-batch overlap hides the all-to-all.
      ['--data-parallel-size', dp > 1 ? dp : undefined],
      ['--data-parallel-backend', dp > 1 && lp.nodes > 1 ? 'ray' : undefined],
      ['--enable-expert-parallel', ep > 1 ? true : undefined],
      // Dual-batch overlap hides an all-to-all, which only DP attention has (vLLM's all-to-all
      // kernels need data_parallel_size > 1).
      ['--enable-dbo', dispatchesTokens({ ep, dp }) ? true : undefined],
      ['--distributed-executor-backend', lp.nodes > 1 && dp === 1 ? 'ray' : undefined],
      ['--max-model-len', pool.launch.maxModelLen],
      ['--max-num-seqs', pool.launch.maxNumSeqs],
      // Decode batches up to max_num_seqs under CUDA graphs (the default stops at 512), as the plan
      // timed them: vLLM's capture sizes count tokens, k + 1 per sequence when speculating.
      ['--max-cudagraph-capture-size', Math.min(pool.launch.maxNumSeqs * (1 + (input.speculative?.tokens ?? 0)), pool.launch.maxNumBatchedTokens)],
      ['--max-num-batched-tokens', pool.launch.maxNumBatchedTokens],
      ['--gpu-memory-utilization', pool.launch.gpuMemoryUtilization],
      ['--kv-cache-dtype', lp.kvFp8 ? 'fp8' : undefined],
      ['--quantization', lp.quantization ?? undefined],
      ['--enable-chunked-prefill', true],
      // A hybrid model's prefix cache is opt-in and experimental (state checkpoints at block ends;
      // later releases pick --mamba-cache-mode align from this flag alone, v0.11 has no such flag):
      // on only where the plan counts on it.
      ['--enable-prefix-caching', !input.model.hybrid || input.plan.workload.prefixCache ? true : undefined],
      ['--kv-transfer-config', pool.role === 'colocated' ? undefined : JSON.stringify({ kv_connector: 'NixlConnector', kv_role: 'kv_both' })],
      ['--speculative-config', input.speculative ? vllmSpeculativeConfig(input.speculative, input.plan.model) : undefined],
    ]),
  ];
  if (lp.nodes === 1) return { leader: [serve], files: [], env: {} };
  return {
    leader: [['ray', 'start', '--head', `--port=${RAY_PORT}`], ['python3', '-c', waitForNodes(lp.nodes)], serve],
    worker: [['ray', 'start', `--address={{LEADER_ADDRESS}}:${RAY_PORT}`, '--block']],
    files: [],
    env: {},
  };
}
