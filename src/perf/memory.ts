import { bytesPerValue } from './dtypes.js';
import { moeGroupGpus } from './deployment.js';
import type { Deployment } from './deployment.js';
import { cachedTokensPerLayer, kvValuesPerTokenPerLayer } from './kv-cache.js';
import { asEngineRunsIt, attentionShare, linearStateBytesPerLayer } from './linear-attention.js';
import { paramBreakdown } from './model-size.js';
import { draftDeployment, sequenceLimit, sharesVocabulary } from './speculative.js';
import type { EngineProfile } from '../input/types.js';

/** Bytes per value of the parts that stay in 16 bits (embeddings, LM head, norms, router). */
const HIGH_PRECISION_BYTES = 2;

/** Memory one GPU of an instance needs, and what is left for the KV cache. */
export interface MemoryPlan {
  /** Usable memory: capacity × the engine's utilisation limit. */
  usableBytes: number;
  weightBytes: number;
  /** Activations of the largest step plus runtime buffers (CUDA graphs, communication). */
  activationBytes: number;
  /** What remains for the KV cache (negative: the weights do not fit). */
  kvRoomBytes: number;
  /** KV bytes one token of context costs on one GPU (all cached layers of its stage). */
  kvBytesPerToken: number;
  /** Tokens of context the KV room holds (0 when nothing fits; a hybrid's sequences also keep stateBytesPerSequence each). */
  maxKvTokens: number;
  /** Fixed bytes each sequence keeps on one GPU besides its KV: a hybrid's linear-attention state (0 for a plain transformer). */
  stateBytesPerSequence: number;
  /**
   * States an engine that reserves them up front holds (EngineProfile.linearState): they cap the
   * running sequences, and kvRoomBytes is what is left of the room beside them; absent: the states
   * come out of the KV room with each sequence.
   */
  stateSlots?: number;
  fits: boolean;
}

/**
 * Weight bytes on the most loaded GPU (the stage that also holds the embedding or LM head), with
 * a speculative drafter's (counted on every stage: it runs beside the last).
 */
export function weightBytesPerGpu(d: Deployment): number {
  const drafter = draftDeployment(d);
  if (!drafter) return modelWeightBytesPerGpu(d);
  const shared = sharesVocabulary(d.speculative!) ? vocabBytesPerGpu(drafter) : 0;
  return modelWeightBytesPerGpu(d) + modelWeightBytesPerGpu(drafter) - shared;
}

/** Embedding and LM-head bytes on one GPU of a one-stage deployment. */
function vocabBytesPerGpu(d: Deployment): number {
  const p = paramBreakdown(d.model);
  return ((p.embedding + p.lmHead) * HIGH_PRECISION_BYTES) / d.tp;
}

function modelWeightBytesPerGpu(d: Deployment): number {
  const m = d.model;
  const p = paramBreakdown(m);
  const w = bytesPerValue(d.weights);
  const layersPerStage = Math.ceil(m.layers / d.pp);
  const denseShare = p.denseLayers / m.layers;
  const moeShare = p.moeLayers / m.layers;
  const experts = m.moe ? m.moe.experts * p.expertParams : 0;
  const perLayer =
    (p.attentionPerLayer * w) / d.tp +
    p.normsPerLayer * HIGH_PRECISION_BYTES +
    denseShare * ((p.denseMlpPerLayer * w) / d.tp) +
    moeShare * ((experts * w) / moeGroupGpus(d) + (p.sharedExpertsPerLayer * w) / d.tp + p.routerPerLayer * HIGH_PRECISION_BYTES);
  const vocab = d.pp > 1 ? Math.max(p.embedding, p.lmHead) : p.embedding + p.lmHead;
  return layersPerStage * perLayer + (vocab * HIGH_PRECISION_BYTES) / d.tp;
}

/**
 * KV-cache bytes per token of context on one GPU. Grouped-query heads split across the tensor-
 * parallel group (replicated once tp exceeds them); MLA's latent is replicated on every GPU.
 * A speculative drafter caches its own layers' KV beside the target's.
 */
export function kvBytesPerTokenPerGpu(d: Deployment): number {
  const drafter = draftDeployment(d);
  return drafter ? modelKvBytesPerTokenPerGpu(d) + modelKvBytesPerTokenPerGpu(drafter) : modelKvBytesPerTokenPerGpu(d);
}

function modelKvBytesPerTokenPerGpu(d: Deployment): number {
  return Math.ceil(d.model.layers / d.pp) * attentionShare(d.model) * kvBytesPerTokenPerLayerPerGpu(d);
}

/** KV bytes one token costs in one attention layer on one GPU (its share of the KV heads, or MLA's whole latent). */
function kvBytesPerTokenPerLayerPerGpu(d: Deployment): number {
  const m = d.model;
  const values = m.mla ? kvValuesPerTokenPerLayer(m) : 2 * Math.max(1, Math.ceil(m.kvHeads / d.tp)) * m.headDim;
  return values * bytesPerValue(d.kvCache);
}

/**
 * Fixed state bytes one sequence holds on one GPU in a hybrid model's linear-attention layers
 * (their heads split over TP), in their own dtypes whatever the KV cache's. With speculative
 * decoding every drafted position keeps a state of its own (vLLM's 1 + k state blocks, each
 * convolution state k inputs longer), so a rejected draft can roll back.
 */
function linearStateBytesPerGpu(d: Deployment, engine?: StateEngine): number {
  const la = asEngineRunsIt(d.model, engine).linearAttention;
  if (!la) return 0;
  const layersPerStage = Math.ceil(d.model.layers / d.pp) * (1 - attentionShare(d.model));
  const drafts = d.speculative ? d.speculative.tokens : 0;
  return layersPerStage * linearStateBytesPerLayer(la, d.tp, drafts) * (1 + drafts);
}

/**
 * KV bytes one sequence of `contextTokens` holds on one GPU (sliding windows honoured), with the
 * k slots speculative decoding writes its draft tokens into and any linear-attention state.
 */
export function kvBytesPerSequencePerGpu(d: Deployment, contextTokens: number, engine?: StateEngine): number {
  return sequenceKvBytes(d, true, engine)(contextTokens);
}

/** What of an engine profile sets how a hybrid model's states are kept. */
type StateEngine = Pick<EngineProfile, 'linearState'>;

/** Whether the engine sets the deployment's linear-attention states aside up front (then a sequence's KV bytes leave them out). */
function reservesStates(d: Deployment, engine: StateEngine | undefined): boolean {
  return d.model.linearAttention !== undefined && engine?.linearState?.reservedShare !== undefined;
}

/**
 * kvBytesPerSequencePerGpu of one deployment as a function of the context, its per-token bytes
 * worked out once (for callers that ask per iteration); `withState` false: without the
 * linear-attention state (what cached prefix blocks hold: the state stays with the sequence).
 */
export function sequenceKvBytes(d: Deployment, withState = true, engine?: StateEngine): (contextTokens: number) => number {
  const slots = d.speculative ? d.speculative.tokens : 0;
  const perToken = kvBytesPerTokenPerGpu(d);
  const state = withState && !reservesStates(d, engine) ? linearStateBytesPerGpu(d, engine) : 0;
  // Cached prefix blocks (withState false) are whole blocks already.
  const block = withState ? hybridBlockTokens(d, engine) : 1;
  if (block === 1) return (contextTokens) => perToken * cachedTokensPerLayer(d.model, contextTokens + slots) + state;
  return (contextTokens) => perToken * cachedTokensPerLayer(d.model, Math.ceil((contextTokens + slots) / block) * block) + state;
}

/** Tokens per block a paged KV cache is aligned to (FlashAttention's and FlashInfer's kernels take multiples of 16). */
const KERNEL_BLOCK_ALIGNMENT = 16;

/**
 * Tokens of one KV block where a hybrid's states share the KV pool (vLLM's hybrid allocator): one
 * page must hold a layer's whole state, so vLLM raises the attention block size until a block of
 * one attention layer is at least that big (HybridAttentionMambaModelConfig: "Setting attention
 * block size to 528 tokens to ensure that attention page size is >= mamba page size"), and a
 * sequence holds its KV in whole blocks of it, where the engine says so (linearState.alignedBlocks).
 * 1 (no rounding modelled) otherwise.
 */
function hybridBlockTokens(d: Deployment, engine: StateEngine | undefined): number {
  const la = asEngineRunsIt(d.model, engine).linearAttention;
  if (!la || reservesStates(d, engine) || engine?.linearState?.alignedBlocks !== true) return 1;
  const attentionPerToken = kvBytesPerTokenPerLayerPerGpu(d);
  const statePage = linearStateBytesPerLayer(la, d.tp, d.speculative ? d.speculative.tokens : 0);
  return KERNEL_BLOCK_ALIGNMENT * Math.ceil(statePage / (KERNEL_BLOCK_ALIGNMENT * attentionPerToken));
}

/**
 * Splits a GPU's memory into weights, activations of a step of `stepTokens` tokens, runtime
 * reserve and KV room; under an engine that reserves a hybrid's states up front, their share of
 * the room (stateSlots of them) comes off the KV room.
 */
export function memoryPlan(d: Deployment, stepTokens: number, engine?: StateEngine): MemoryPlan {
  const usableBytes = d.gpu.memoryBytes * d.gpu.efficiency.memoryUtilization;
  const weightBytes = weightBytesPerGpu(d);
  const activationBytes = activationBytesPerGpu(d, stepTokens);
  const roomBytes = usableBytes - weightBytes - activationBytes;
  const stateBytesPerSequence = linearStateBytesPerGpu(d, engine);
  const share = reservesStates(d, engine) ? engine!.linearState!.reservedShare! : 0;
  const stateSlots = share > 0 ? Math.max(0, Math.floor((share * roomBytes) / stateBytesPerSequence)) : undefined;
  const kvRoomBytes = stateSlots !== undefined && roomBytes > 0 ? roomBytes - stateSlots * stateBytesPerSequence : roomBytes;
  const kvBytesPerToken = kvBytesPerTokenPerGpu(d);
  const maxKvTokens = kvRoomBytes > 0 ? Math.floor(kvRoomBytes / kvBytesPerToken) : 0;
  const fits = maxKvTokens > 0 && stateSlots !== 0;
  return { usableBytes, weightBytes, activationBytes, kvRoomBytes, kvBytesPerToken, maxKvTokens, stateBytesPerSequence, ...(stateSlots !== undefined ? { stateSlots } : {}), fits };
}

/** The most sequences an instance runs at once: the engine's limit (sequenceLimit), and the states it reserved (MemoryPlan.stateSlots). */
export function runningLimit(d: Deployment, engine: EngineProfile, memory: MemoryPlan): number {
  return Math.min(sequenceLimit(d, engine), memory.stateSlots ?? Infinity);
}

/**
 * Peak activations of one step (hidden states, QKV, the MLP's widest intermediate and the
 * logits of the sampled tokens, in 16 bits) plus a fixed runtime reserve for CUDA graphs and
 * communication buffers.
 */
function activationBytesPerGpu(d: Deployment, stepTokens: number): number {
  const m = d.model;
  const widestFfn = Math.max(m.ffnSize, m.moe ? m.moe.expertFfnSize * m.moe.activeExperts : 0);
  const perToken = (4 * m.hiddenSize + (2 * widestFfn) / d.tp + (3 * m.heads * m.headDim) / d.tp) * HIGH_PRECISION_BYTES;
  const logits = Math.min(stepTokens, 256) * (m.vocabSize / d.tp) * 4;
  return stepTokens * perToken + logits + d.gpu.efficiency.runtimeReserveBytes;
}
