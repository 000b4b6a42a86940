import type { EngineProfile } from '../input/types.js';
import { dpOf } from './deployment.js';
import type { Deployment } from './deployment.js';

/**
 * The largest decode batch (sequences per attention-DP rank, each carrying `queryTokens` tokens:
 * 1, or k + 1 in a speculative verification) an engine runs under a CUDA graph on `d`: its
 * default ceiling's tier for the GPU's memory and the instance's tensor-parallel size (SGLang's
 * tp_size counts every GPU of a stage, DP ranks included), over the tokens a sequence carries
 * where the engine counts its graphs in tokens (vLLM). Infinity where the profile names no
 * ceiling, or no tier fits the GPU: every batch runs under a graph; 0: none does.
 */
export function cudaGraphCeiling(engine: EngineProfile, d: Deployment, queryTokens = 1): number {
  const tier = engine.cudaGraphMaxBatch?.find((t) => d.gpu.memoryBytes < t.memoryBelowBytes);
  if (!tier) return Infinity;
  const batch = d.tp * dpOf(d) >= 4 ? tier.batchAtTp4 : tier.batch;
  return engine.cudaGraphCounts === 'tokens' ? Math.floor(batch / queryTokens) : batch;
}

/** Whether a decode-only iteration of `sequences` per rank, `queryTokens` each, runs its kernels eagerly, outside a CUDA graph. */
export function runsEagerly(engine: EngineProfile, d: Deployment, sequences: number, queryTokens = 1): boolean {
  return sequences > cudaGraphCeiling(engine, d, queryTokens);
}

/**
 * The engine as planner launches it: with CUDA graphs captured for every decode batch up to its
 * running-sequence limit (planner deploy writes vLLM's --max-cudagraph-capture-size, SGLang's
 * --cuda-graph-max-bs and TensorRT-LLM's cuda_graph_config.max_batch_size), so no batch a plan
 * counts on falls back to eager kernels; an engine profiled without graphs (ceiling 0) stays so.
 */
export function asLaunched(engine: EngineProfile): EngineProfile {
  const tiers = engine.cudaGraphMaxBatch;
  if (!tiers || tiers.every((t) => t.batch === 0 && t.batchAtTp4 === 0)) return engine;
  const { cudaGraphMaxBatch: _default, ...launched } = engine;
  return launched;
}

/** The engine launched with CUDA graphs up to `batch` (its unit: sequences, or tokens for vLLM) on every GPU (0: without graphs). */
export function withCudaGraphCeiling(engine: EngineProfile, batch: number): EngineProfile {
  return { ...engine, cudaGraphMaxBatch: [{ memoryBelowBytes: Infinity, batch, batchAtTp4: batch }] };
}
