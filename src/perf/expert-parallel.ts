import type { Deployment } from './deployment.js';
import { dpOf, gemmDtype, moeGroupGpus } from './deployment.js';
import type { Operator } from './operators.js';
import type { EngineProfile } from '../input/types.js';

/** Activation bytes of the hidden states combined back from the experts (16 bits). */
const ACT = 2;

/**
 * Bytes per value of the hidden states dispatched to the experts: FP8 where the experts run FP8
 * GEMMs (DeepEP's dispatch quantises to FP8 with per-block scales, DeepSeek-V3 report §3.3.2),
 * 16 bits otherwise; the combine always returns 16 bits.
 */
export function dispatchValueBytes(d: Pick<Deployment, 'gpu' | 'weights'>): number {
  return gemmDtype(d.gpu, d.weights) === 'fp8' || gemmDtype(d.gpu, d.weights) === 'fp4' ? 1 : ACT;
}

/**
 * The busiest GPU's routed tokens over the mean in an expert-parallel MoE layer, where an engine
 * profile gives none (`moe_imbalance`): 1.25, a balancedness (mean / max) of 0.8. An assumption
 * in the range SGLang's large-scale EP blog (lmsys.org/blog/2025-05-05-large-scale-ep) and
 * DeepSeek's EPLB (github.com/deepseek-ai/eplb) describe with a load balancer running; without
 * one, imbalance is higher. Measure it with the engine's expert-distribution metrics.
 */
export const DEFAULT_MOE_IMBALANCE = 1.25;

/**
 * Ratio of the busiest GPU's routed tokens to the mean: the engine's expert load imbalance where
 * experts spread over GPUs (ep > 1); 1 where every GPU holds a slice of every expert.
 */
export function busiestShare(d: Pick<Deployment, 'ep'>, imbalance: number): number {
  return d.ep > 1 ? imbalance : 1;
}

/** Expected number of distinct experts that `tokens` tokens, each routed to k of E, touch. */
export function expertsTouched(experts: number, active: number, tokens: number): number {
  return experts * (1 - Math.pow(1 - active / experts, tokens));
}

/**
 * Bytes one GPU sends in one MoE dispatch or combine: its 1/tp share of its attention rank's
 * tokens, each to its top-k experts, `valueBytes` per hidden value; the busiest GPU receives
 * `imbalance` times the mean, which sets the time.
 */
export function alltoallBytesPerGpu(d: Deployment, rankTokens: number, valueBytes: number, imbalance: number): number {
  const moe = d.model.moe!;
  return (rankTokens / d.tp) * moe.activeExperts * d.model.hiddenSize * valueBytes * busiestShare(d, imbalance);
}

/**
 * Whether an MoE layer moves tokens to their experts by all-to-all: only where attention ranks
 * hold different tokens (DP attention) and the experts spread over GPUs. Under tensor-parallel
 * attention every GPU holds every token, and the all-reduce after the layer combines the outputs.
 */
export function dispatchesTokens(d: Pick<Deployment, 'ep' | 'dp'>): boolean {
  return d.ep > 1 && dpOf(d) > 1;
}

/** The all-to-all pair of an expert-parallel MoE layer: tokens to their experts, and their outputs back. */
export function dispatchCombine(d: Deployment, rankTokens: number, imbalance: number): Operator[] {
  return [
    { name: 'ep_dispatch', kind: 'alltoall', flops: 0, bytes: alltoallBytesPerGpu(d, rankTokens, dispatchValueBytes(d), imbalance), kernels: 1 },
    { name: 'ep_combine', kind: 'alltoall', flops: 0, bytes: alltoallBytesPerGpu(d, rankTokens, ACT, imbalance), kernels: 1 },
  ];
}

/**
 * Routed experts on the busiest GPU of a stage: the MoE layer takes the tokens of every
 * attention rank (`rankTokens` each); its `tp × dp` GPUs hold E/ep experts each, every expert
 * split `tp · dp / ep` ways. A GPU streams the weights of its experts that the step's tokens
 * touch and does its share of the routed FLOPs, `imbalance` times the mean where experts spread
 * over GPUs.
 */
export function expertsOperator(d: Deployment, rankTokens: number, weightBytes: number, imbalance: number, fp8Input: MoeFp8Input = 'tokens'): Operator {
  const m = d.model;
  const moe = m.moe!;
  const gemms = m.mlp === 'gated' ? 3 : 2;
  const expertWeights = gemms * m.hiddenSize * moe.expertFfnSize;
  const split = moeGroupGpus(d) / d.ep;
  const tokens = rankTokens * dpOf(d);
  const touchedPerGpu = expertsTouched(moe.experts, moe.activeExperts, tokens) / d.ep;
  const routedPerSlot = ((tokens * moe.activeExperts) / d.ep) * busiestShare(d, imbalance);
  return {
    name: 'experts',
    kind: 'gemm',
    flops: (2 * routedPerSlot * expertWeights) / split,
    bytes: (touchedPerGpu * expertWeights * weightBytes) / split + routedPerSlot * (2 * m.hiddenSize + moe.expertFfnSize) * ACT,
    kernels: 3,
    inputs: expertInputs(d, fp8Input === 'routed' ? routedPerSlot : tokens, routedPerSlot, split),
  };
}

/**
 * Stage seconds the engine's dual micro-batch overlap hides (DeepSeek's inference system, SGLang's
 * two-batch overlap, vLLM's --enable-dbo): `overlap` of the all-to-all time runs while the other
 * micro-batch computes, at most the stage's other work. 0 without expert parallelism.
 */
export function hiddenAlltoallSeconds(d: Pick<Deployment, 'ep'>, ops: ReadonlyArray<{ kind: string; count: number; seconds: number }>, overlap: number): number {
  if (d.ep <= 1 || !(overlap > 0)) return 0;
  let alltoall = 0;
  let other = 0;
  for (const op of ops) {
    if (op.kind === 'alltoall') alltoall += op.count * op.seconds;
    else other += op.count * op.seconds;
  }
  return Math.min(overlap * alltoall, other);
}

/** What an engine's FP8 MoE layer quantises before the up projection: each token's hidden states, or each routed copy. */
export type MoeFp8Input = EngineProfile['moeFp8Input'];

/**
 * What an FP8 MoE layer quantises before its expert GEMMs: the down projection's input (each
 * routed token's share of the expert's width); and the up projection's, `upRows` rows of hidden
 * states (the tokens, or their routed copies: the engine's moe_fp8_input), unless the dispatch
 * already carried them in FP8 (DP attention with EP: dispatchValueBytes).
 */
function expertInputs(d: Deployment, upRows: number, routedPerSlot: number, split: number): { values: number; launches: number } {
  const moe = d.model.moe!;
  const down = routedPerSlot * (moe.expertFfnSize / split);
  const dispatchedInFp8 = dispatchesTokens(d) && dispatchValueBytes(d) === 1;
  return dispatchedInFp8 ? { values: down, launches: 1 } : { values: upRows * d.model.hiddenSize + down, launches: 2 };
}
