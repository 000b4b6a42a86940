import { flags } from './launch.js';
import { dispatchesTokens } from '../perf/expert-parallel.js';
import type { EngineLaunch, Word } from './launch.js';
import type { LaunchPool } from './pools.js';
import { sglangSpeculativeFlags } from './speculative.js';
import type { DeployInput } from './types.js';

/** Port the nodes of a multi-node SGLang instance rendezvous on (its --dist-init-addr). */
const DIST_INIT_PORT = 5000;

/**
 * `python3 -m sglang.launch_server` for one instance of a pool: the same limits as the plan
 * (context, running requests with CUDA graphs captured up to them, chunk size, static memory
 * fraction), KV and weight precision, prefill or decode mode with NIXL transfer, node ranks across nodes, and for MoE pools expert
 * parallelism (with DP attention over DeepEP and two-batch overlap), and the plan's
 * speculative decoding (`--speculative-algorithm` and its steps).
 */
export function sglangLaunch(lp: LaunchPool, input: DeployInput): EngineLaunch {
  const { pool } = lp;
  const dp = pool.dp ?? 1;
  const ep = pool.ep ?? 1;
  const command = (rank: string): Word[] => [
    'python3', '-m', 'sglang.launch_server',
    ...flags([
      ['--model-path', input.model.path],
      ['--host', '0.0.0.0'],
      ['--port', input.engineInfo.port],
      // SGLang's --tp-size counts every GPU of a stage; with DP attention each rank gets tp-size / dp-size.
      ['--tp-size', pool.tp * dp],
      ['--pp-size', pool.pp > 1 ? pool.pp : undefined],
      ['--dp-size', dp > 1 ? dp : undefined],
      ['--enable-dp-attention', dp > 1 ? true : undefined],
      ['--ep-size', ep > 1 ? ep : undefined],
      // The all-to-all (DeepEP, overlapped by two batches) only where DP attention ranks hold
      // different tokens; EP inside a TP group combines by all-reduce, as the plan timed it.
      ['--moe-a2a-backend', dispatchesTokens({ ep, dp }) ? 'deepep' : undefined],
      ['--enable-two-batch-overlap', dispatchesTokens({ ep, dp }) ? true : undefined],
      ['--context-length', pool.launch.maxModelLen],
      // SGLang splits --max-running-requests over its DP attention ranks; the plan's limit is per rank.
      ['--max-running-requests', pool.launch.maxNumSeqs * dp],
      // Decode batches up to the running requests (per DP rank) under CUDA graphs, as the plan timed
      // them: SGLang's default ceiling (8 to 512 by GPU memory and TP) runs larger batches eagerly.
      ['--cuda-graph-max-bs', pool.launch.maxNumSeqs],
      ['--chunked-prefill-size', pool.launch.maxNumBatchedTokens],
      ['--mem-fraction-static', pool.launch.gpuMemoryUtilization],
      ['--kv-cache-dtype', lp.kvFp8 ? 'fp8_e4m3' : undefined],
      ['--quantization', lp.quantization ?? undefined],
      ['--disaggregation-mode', pool.role === 'colocated' ? undefined : pool.role],
      ['--disaggregation-transfer-backend', pool.role === 'colocated' ? undefined : 'nixl'],
      ...(input.speculative ? sglangSpeculativeFlags(input.speculative) : []),
      ['--nnodes', lp.nodes > 1 ? lp.nodes : undefined],
      ['--node-rank', lp.nodes > 1 ? rank : undefined],
      ['--dist-init-addr', lp.nodes > 1 ? `{{LEADER_ADDRESS}}:${DIST_INIT_PORT}` : undefined],
    ]),
  ];
  return { leader: [command('0')], ...(lp.nodes > 1 ? { worker: [command('{{NODE_RANK}}')] } : {}), files: [], env: {} };
}
