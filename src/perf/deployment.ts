import type { ComputeDtype, GpuSpec, KvDtype, ModelArch, SpeculativeDecoding, WeightDtype } from '../spec/types.js';

/** One serving instance: a model on `tp × pp` GPUs of one type, at given precisions. */
export interface Deployment {
  model: ModelArch;
  gpu: GpuSpec;
  /** Tensor-parallel degree (GPUs that split every layer). */
  tp: number;
  /** Pipeline-parallel degree (stages that split the layers). */
  pp: number;
  /** Expert-parallel degree: the tensor-parallel group spreads whole experts over `ep` GPUs and
   *  splits each expert `tp / ep` ways (ep = 1: every expert split across the group). */
  ep: number;
  weights: WeightDtype;
  kvCache: KvDtype;
  /** Speculative decoding its decode steps run (absent: one token per step). */
  speculative?: SpeculativeDecoding;
}

/** GPUs one instance occupies. */
export function instanceGpus(d: Deployment): number {
  return d.tp * d.pp;
}

/**
 * The dtype the matrix multiplies run in. Weights in a format the tensor cores run natively
 * (FP8 on Hopper/Ada/MI300, FP4 on Blackwell) compute in it; otherwise the kernel dequantises to
 * 16 bits (W8A16, W4A16 — how an A100 runs FP8 or an H100 runs MXFP4 weights).
 */
export function gemmDtype(gpu: GpuSpec, weights: WeightDtype): ComputeDtype {
  if ((weights === 'fp8' || weights === 'fp4') && gpu.peakFlops[weights]) return weights;
  if (weights === 'fp16' && gpu.peakFlops.fp16) return 'fp16';
  return gpu.peakFlops.bf16 ? 'bf16' : 'fp16';
}

/** Weights stored in a format the GPU cannot multiply natively, so kernels dequantise them on the fly. */
export function isWeightOnlyQuantized(gpu: GpuSpec, weights: WeightDtype): boolean {
  return weights !== 'bf16' && weights !== 'fp16' && gemmDtype(gpu, weights) !== weights;
}

/** Effective FLOP/s of large GEMMs in `dtype`: peak × the GPU's efficiency × the engine's scale (at most peak). */
export function effectiveFlops(gpu: GpuSpec, dtype: ComputeDtype, engineScale = 1): number {
  const peak = gpu.peakFlops[dtype] ?? gpu.peakFlops.bf16 ?? gpu.peakFlops.fp16 ?? 0;
  const efficiency = gpu.efficiency.compute[dtype] ?? gpu.efficiency.compute.bf16!;
  return peak * Math.min(1, efficiency * engineScale);
}

/** Effective memory bandwidth (bytes/s) of streaming kernels (at most the peak). */
export function effectiveBandwidth(gpu: GpuSpec, engineScale = 1): number {
  return gpu.memoryBandwidth * Math.min(1, gpu.efficiency.memory * engineScale);
}

/** Problems that make a deployment shape impossible before any memory is counted. */
export function shapeProblems(d: Deployment): string[] {
  const problems: string[] = [];
  const gpusPerNode = d.gpu.gpusPerNode;
  if (d.tp > gpusPerNode) problems.push(`tensor parallelism ${d.tp} exceeds the ${gpusPerNode} GPUs of a ${d.gpu.id} node`);
  if (d.pp > d.model.layers) problems.push(`pipeline parallelism ${d.pp} exceeds the model's ${d.model.layers} layers`);
  if (d.ep > 1 && !d.model.moe) problems.push('expert parallelism needs a mixture-of-experts model');
  if (d.ep > 1 && d.tp % d.ep !== 0) problems.push(`expert parallelism ${d.ep} must divide tensor parallelism ${d.tp}`);
  if (d.model.moe && d.ep > d.model.moe.experts) problems.push(`expert parallelism ${d.ep} exceeds the ${d.model.moe.experts} experts`);
  if (d.model.attention !== 'mla' && d.model.heads % d.tp !== 0) problems.push(`${d.model.heads} attention heads do not split ${d.tp} ways`);
  return problems;
}
