import type { ModelArch } from '../input/types.js';
import { linearAttentionParams } from './linear-attention.js';

/** Parameter counts of a model, by component, as its checkpoint stores them. */
export interface ParamBreakdown {
  embedding: number;
  /** Separate LM head (0 when tied to the embedding). */
  lmHead: number;
  /** Token-mixer parameters of one layer: attention projections (and biases), averaged with a hybrid's linear-attention mixers. */
  attentionPerLayer: number;
  /** Layer norms of one layer. */
  normsPerLayer: number;
  /** Dense MLP of one dense layer (denseLayers + moeLayers: the layers with an MLP). */
  denseMlpPerLayer: number;
  /** One routed expert (0 for dense models). */
  expertParams: number;
  /** All shared experts of one MoE layer. */
  sharedExpertsPerLayer: number;
  /** Router of one MoE layer. */
  routerPerLayer: number;
  denseLayers: number;
  moeLayers: number;
  finalNorm: number;
}

/** Parameters of an MLP with hidden size h and intermediate size f. */
export function mlpParams(h: number, f: number, gated: boolean, bias: boolean): number {
  const weights = (gated ? 3 : 2) * h * f;
  return weights + (bias ? (gated ? 2 : 1) * f + h : 0);
}

/** Parameters of one layer's attention projections (standard or multi-head latent). */
export function attentionParams(arch: ModelArch): number {
  const h = arch.hiddenSize;
  const heads = arch.heads;
  if (arch.mla) {
    const m = arch.mla;
    const qkHead = m.qkNopeHeadDim + m.qkRopeHeadDim;
    const q = m.qLoraRank ? h * m.qLoraRank + m.qLoraRank + m.qLoraRank * heads * qkHead : h * heads * qkHead;
    const kvDown = h * (m.kvLoraRank + m.qkRopeHeadDim) + m.kvLoraRank;
    const kvUp = m.kvLoraRank * heads * (m.qkNopeHeadDim + m.vHeadDim);
    return q + kvDown + kvUp + heads * m.vHeadDim * h;
  }
  const qDim = heads * arch.headDim;
  const kvDim = arch.kvHeads * arch.headDim;
  // An output gate doubles the query projection (its second half the gate).
  const gate = arch.attentionOutputGate ? h * qDim : 0;
  const weights = h * qDim + 2 * h * kvDim + qDim * h + gate;
  return weights + (arch.bias ? qDim + 2 * kvDim + h : 0);
}

/** Mean token-mixer parameters per layer: attention, or in a hybrid its attention and linear-attention layers together. */
function mixerParamsPerLayer(arch: ModelArch): number {
  const linear = arch.linearAttention?.layers ?? 0;
  if (linear === 0) return attentionParams(arch);
  return ((arch.layers - linear) * attentionParams(arch) + linear * linearAttentionParams(arch)) / arch.layers;
}

/** Layers that carry an MLP (dense or MoE): all, unless the model says fewer (Nemotron-H). */
export function mlpLayers(arch: ModelArch): number {
  return arch.mlpLayers ?? arch.layers;
}

/** Splits a model's parameters into the components the performance model streams. */
export function paramBreakdown(arch: ModelArch): ParamBreakdown {
  const h = arch.hiddenSize;
  const moe = arch.moe;
  const normParams = arch.bias ? 2 * h : h;
  const withMlp = mlpLayers(arch);
  const denseLayers = moe ? Math.min(moe.denseLayers, withMlp) : withMlp;
  return {
    embedding: arch.vocabSize * h,
    lmHead: arch.tiedEmbeddings ? 0 : arch.vocabSize * h,
    attentionPerLayer: mixerParamsPerLayer(arch),
    normsPerLayer: 2 * normParams,
    denseMlpPerLayer: mlpParams(h, arch.ffnSize, arch.mlp === 'gated', arch.bias),
    expertParams: moe ? mlpParams(h, moe.expertFfnSize, arch.mlp === 'gated', arch.bias) : 0,
    sharedExpertsPerLayer: moe ? moe.sharedExperts * mlpParams(h, moe.sharedExpertFfnSize, arch.mlp === 'gated', arch.bias) : 0,
    routerPerLayer: moe ? h * moe.experts + (arch.bias ? moe.experts : 0) : 0,
    denseLayers,
    moeLayers: withMlp - denseLayers,
    finalNorm: normParams,
  };
}

/** Total parameters of the model (every expert counted). */
export function totalParams(arch: ModelArch): number {
  const p = paramBreakdown(arch);
  const perLayerCommon = p.attentionPerLayer + p.normsPerLayer;
  const experts = arch.moe ? arch.moe.experts * p.expertParams : 0;
  return (
    p.embedding +
    p.lmHead +
    p.finalNorm +
    arch.layers * perLayerCommon +
    p.denseLayers * p.denseMlpPerLayer +
    p.moeLayers * (experts + p.sharedExpertsPerLayer + p.routerPerLayer)
  );
}

/**
 * Parameters whose matrices one token multiplies: all but the input-embedding lookup (unless
 * tied to the LM head) and, in a MoE model, the experts it is not routed to. This is how model
 * cards count "active" parameters (gpt-oss-120b: 5.1B; DeepSeek-V3: 37B).
 */
export function activeParams(arch: ModelArch): number {
  const p = paramBreakdown(arch);
  const lookup = arch.tiedEmbeddings ? 0 : p.embedding;
  const inactive = arch.moe ? (arch.moe.experts - arch.moe.activeExperts) * p.expertParams * p.moeLayers : 0;
  return totalParams(arch) - lookup - inactive;
}
