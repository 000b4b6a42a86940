import type { ComputeDtype, GpuSpec, KvDtype, ModelArch, SpeculativeDecoding, WeightDtype } from '../input/types.js';

/** One serving instance: a model on `tp × pp` GPUs of one type, at given precisions. */
export interface Deployment {
  model: ModelArch;
  gpu: GpuSpec;
  /** Tensor-parallel degree (GPUs that split every layer). */
  tp: number;
  /** Pipeline-parallel degree (stages that split the layers). */
  pp: number;
  /** Expert-parallel degree: the MoE layers run over all `tp × dp` GPUs of a stage, which spread
   *  whole experts over `ep` GPUs and split each expert `tp · dp / ep` ways (ep = 1: every expert
   *  split across all of them; with DP attention ep is tp × dp or 1). */
  ep: number;
  /** Attention data-parallel ranks (DP attention): each holds the attention, dense layers and
   *  shared experts (split `tp` ways), its own KV cache and its own batch; absent: 1. */
  dp?: number;
  weights: WeightDtype;
  kvCache: KvDtype;
  /** Speculative decoding its decode steps run (absent: one token per step). */
  speculative?: SpeculativeDecoding;
}

/** Attention data-parallel ranks of an instance (1 without DP attention). */
export function dpOf(d: Pick<Deployment, 'dp'>): number {
  return d.dp ?? 1;
}

/** GPUs the MoE layers of one pipeline stage run over: the tensor-parallel groups of every attention rank. */
export function moeGroupGpus(d: Pick<Deployment, 'tp' | 'dp'>): number {
  return d.tp * dpOf(d);
}

/** GPUs one instance occupies. */
export function instanceGpus(d: Pick<Deployment, 'tp' | 'pp' | 'dp'>): number {
  return d.tp * dpOf(d) * d.pp;
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
  const dp = dpOf(d);
  const group = moeGroupGpus(d);
  if (dp > 1 && !d.model.moe) problems.push('attention data parallelism needs a mixture-of-experts model (for a dense model, run more instances)');
  if (dp > 1 && d.model.moe && d.ep !== group && d.ep !== 1) {
    problems.push(`with attention data parallelism the experts spread over all tp × dp = ${group} GPUs (ep ${group}) or split over them (ep 1): ep must be ${group} or 1`);
  }
  if (dp > 1 && d.model.moe && d.ep === 1 && group > gpusPerNode) {
    problems.push(`experts split over all tp × dp = ${group} GPUs (ep 1) need them in one ${d.gpu.id} node of ${gpusPerNode}: use ep ${group}`);
  }
  if (d.ep > 1 && dp === 1 && d.tp % d.ep !== 0) problems.push(`expert parallelism ${d.ep} must divide tensor parallelism ${d.tp}`);
  if (d.ep > d.gpu.gpusPerNode && !(d.gpu.network.bandwidth > 0)) problems.push(`expert parallelism ${d.ep} spans nodes of ${d.gpu.id}, which has no network between nodes`);
  if (d.model.moe && d.ep > d.model.moe.experts) problems.push(`expert parallelism ${d.ep} exceeds the ${d.model.moe.experts} experts`);
  if (d.model.attention !== 'mla' && d.model.heads % d.tp !== 0) problems.push(`${d.model.heads} attention heads do not split ${d.tp} ways`);
  // vLLM splits a linear-attention layer's value heads (and Gated DeltaNet's key heads; Mamba-2 pads its groups) evenly over TP.
  const la = d.model.linearAttention;
  if (la && la.valueHeads % d.tp !== 0) problems.push(`${la.valueHeads} linear-attention value heads do not split ${d.tp} ways`);
  else if (la && la.kind === 'gated-deltanet' && la.keyHeads % d.tp !== 0) problems.push(`${la.keyHeads} linear-attention key heads do not split ${d.tp} ways`);
  return problems;
}
