import type { EngineProfile, GpuSpec } from '../input/types.js';

/**
 * The largest decode batch (per attention-DP rank) an engine runs under a CUDA graph on `gpu` at
 * tensor-parallel degree `tp`: its default ceiling's tier for the GPU's memory (Infinity where the
 * profile names none: every batch runs under a graph; 0: none does).
 */
export function cudaGraphCeiling(engine: EngineProfile, gpu: GpuSpec, tp: number): number {
  const tiers = engine.cudaGraphMaxBatch;
  if (!tiers) return Infinity;
  const tier = tiers.find((t) => gpu.memoryBytes < t.memoryBelowBytes) ?? tiers[tiers.length - 1];
  return tp >= 4 ? tier.batchAtTp4 : tier.batch;
}

/** Whether a decode-only iteration of `sequences` (per rank) runs its kernels eagerly, outside a CUDA graph. */
export function runsEagerly(engine: EngineProfile, gpu: GpuSpec, tp: number, sequences: number): boolean {
  return sequences > cudaGraphCeiling(engine, gpu, tp);
}

/**
 * The engine as planner launches it: with CUDA graphs captured up to its most running sequences
 * (planner deploy writes vLLM's --max-cudagraph-capture-size, SGLang's --cuda-graph-max-bs and
 * TensorRT-LLM's cuda_graph_config.max_batch_size), so no decode batch a plan counts on falls
 * back to eager kernels; an engine profiled without graphs (ceiling 0) stays so.
 */
export function asLaunched(engine: EngineProfile): EngineProfile {
  const tiers = engine.cudaGraphMaxBatch;
  if (!tiers || tiers.every((t) => t.batch === 0 && t.batchAtTp4 === 0)) return engine;
  return withCudaGraphCeiling(engine, engine.maxSequences);
}

/** The engine launched with CUDA graphs up to `batch` decode sequences on every GPU (0: without graphs). */
export function withCudaGraphCeiling(engine: EngineProfile, batch: number): EngineProfile {
  return { ...engine, cudaGraphMaxBatch: [{ memoryBelowBytes: Infinity, batch, batchAtTp4: batch }] };
}
