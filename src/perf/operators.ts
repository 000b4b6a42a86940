import type { ModelArch } from '../input/types.js';
import { decodeKeysPerLayer, prefillPairsPerLayer } from './attention.js';
import { windowedLayers } from './kv-cache.js';
import { attentionLayers, attentionShare, linearHeadsPerGpu, linearInputWidth, linearStateBytesPerLayer, SCAN_CHUNK, scanFlopsPerToken } from './linear-attention.js';
import type { PrefillChunk } from './attention.js';
import type { Deployment } from './deployment.js';
import { dpOf, gemmDtype, moeGroupGpus } from './deployment.js';
import { bytesPerValue } from './dtypes.js';
import { dispatchCombine, dispatchesTokens, expertsOperator } from './expert-parallel.js';
import { mlpLayers } from './model-size.js';
import type { MoeFp8Input } from './expert-parallel.js';

/** Activation bytes (16-bit hidden states). */
const ACT = 2;

/** What one engine iteration processes. */
export interface StepLoad {
  /** Prompt chunks prefilled this step. */
  prefill: PrefillChunk[];
  /** Sequences generating one token each this step. */
  decodeSequences: number;
  /** Their mean context length (tokens already in the KV cache). */
  decodeContextTokens: number;
  /**
   * Only what an attention-DP rank runs on its own tokens: without the routed experts and the
   * collectives that bring every rank's tokens to them (the MoE work the ranks share).
   */
  rankLocal?: boolean;
  /** Tokens each decoding sequence carries (speculative verification: k drafts + 1; default 1), all reading its one context. */
  queryTokensPerSequence?: number;
}

/** Kinds of work, which pick the roof an operator runs against. */
export type OpKind = 'gemm' | 'prefill-attention' | 'decode-attention' | 'elementwise' | 'allreduce' | 'alltoall';

/** Query rows and keys of one attention tile step (FlashAttention-2/3, FlashInfer, CK: 128 × 128). */
export const ATTENTION_TILE = 128;

/**
 * How a prefill attention call splits into tile steps (one head's 128 queries × 128 keys): the
 * steps of every head and query tile, and the longest chain one compute unit must run alone.
 */
export interface TileSchedule {
  totalSteps: number;
  longestSteps: number;
  /** FLOPs of one full tile step. */
  flopsPerStep: number;
}

/** One operator of a step, per GPU, for one layer (or once per step when `perStep`). */
export interface Operator {
  name: string;
  kind: OpKind;
  flops: number;
  bytes: number;
  /** Kernels it launches (for the per-kernel overhead). */
  kernels: number;
  /** Runs once per step (LM head), not once per layer. */
  perStep?: boolean;
  /** Fraction of the stage's layers it runs in (MoE vs dense layers). */
  layerShare?: number;
  /** A GEMM on 16-bit weights whatever the model's precision (LM head, router). */
  sixteenBit?: boolean;
  /** Prefill attention: its tile steps, scheduled over the GPU's compute units. */
  tiles?: TileSchedule;
  /** GPUs a collective spans (default: the tensor-parallel group for an all-reduce, the expert-parallel group for an all-to-all). */
  group?: number;
  /** A weight GEMM: the 16-bit activation values it reads, and in how many launches (what FP8 quantises first). */
  inputs?: { values: number; launches: number };
}

/** Total tokens and logit-producing sequences of a step. */
export function stepTokens(load: StepLoad): { tokens: number; prefillTokens: number; prefillSequences: number; sequencesOut: number } {
  const prefillTokens = load.prefill.reduce((sum, c) => sum + c.count * c.tokens, 0);
  const prefillSequences = load.prefill.reduce((sum, c) => sum + c.count, 0);
  // A verification pass takes logits at every drafted position, not only the last.
  const decodeTokens = load.decodeSequences * (load.queryTokensPerSequence ?? 1);
  return { tokens: prefillTokens + decodeTokens, prefillTokens, prefillSequences, sequencesOut: prefillSequences + decodeTokens };
}

/** A weight GEMM of `tokens × inDim → outDim` with the given bytes per weight. */
function gemm(name: string, tokens: number, inDim: number, outDim: number, weightBytes: number, kernels = 1): Operator {
  return {
    name,
    kind: 'gemm',
    flops: 2 * tokens * inDim * outDim,
    bytes: inDim * outDim * weightBytes + tokens * (inDim + outDim) * ACT,
    kernels,
    inputs: { values: tokens * inDim, launches: kernels },
  };
}

function elementwise(name: string, tokens: number, width: number, passes: number): Operator {
  return { name, kind: 'elementwise', flops: tokens * width * passes, bytes: tokens * width * passes * ACT, kernels: 1 };
}

/**
 * The operators of one step of a deployment (one layer's worth, plus the per-step LM head), on
 * one GPU of one attention rank carrying `load`; with DP attention every rank carries the same
 * load and the MoE layers take all ranks' tokens. `moeImbalance`: the busiest GPU's routed
 * tokens over the mean, where experts spread over GPUs; `moeFp8Input`: the engine's (EngineProfile).
 */
export function stepOperators(d: Deployment, load: StepLoad, moeImbalance = 1, moeFp8Input: MoeFp8Input = 'tokens'): Operator[] {
  const m = d.model;
  const { tokens, sequencesOut } = stepTokens(load);
  const w = bytesPerValue(d.weights);
  const h = m.hiddenSize;
  const ops: Operator[] = [elementwise('attn_norm', tokens, h, 3)];
  const mixer = m.mla ? mlaOperators(d, load, tokens, w) : attentionOperators(d, load, tokens, w);
  ops.push(...(m.linearAttention ? [...inAttentionLayers(m, mixer), ...linearAttentionOperators(d, load, tokens, w)] : mixer));
  if (d.tp > 1) ops.push({ name: 'attn_allreduce', kind: 'allreduce', flops: 0, bytes: tokens * h * ACT, kernels: 1 });
  ops.push({ ...elementwise('ffn_norm', tokens, h, 3), ...(m.mlpLayers !== undefined ? { layerShare: mlpLayers(m) / m.layers } : {}) });
  ops.push(...mlpOperators(d, tokens, w, moeImbalance, load.rankLocal === true, moeFp8Input));
  ops.push({ ...gemm('lm_head', sequencesOut, h, m.vocabSize / d.tp, ACT), perStep: true, sixteenBit: true });
  return blockScaledFp8(d) ? ops.flatMap(withActivationQuantisation) : ops;
}

/**
 * Whether the deployment runs an FP8 release on FP8 tensor cores: a model whose published
 * weights are FP8 (its preset, its config.json's quantization_config, or an -FP8 name tag).
 * Those carry fine-grained scales — 128 × 128 weight blocks with 1 × 128 activation groups
 * (DeepSeek-V3/R1, Kimi K2, Qwen's -FP8), or per-channel weights with per-token activations
 * (the -FP8-dynamic releases) — whose activations each GEMM quantises itself. A 16-bit release
 * served in FP8 is taken to get per-tensor scales whose quantisation fuses into the norm or
 * activation before it (TensorRT-LLM's norm + FP8 quant fusion): the H100 fixtures' TensorRT-LLM
 * FP8 runs of Qwen3-32B fit without a separate pass. A per-tensor FP8 release (NVIDIA's ModelOpt
 * checkpoints) also gets the pass, which TensorRT-LLM fuses for it: the name does not say which.
 */
function blockScaledFp8(d: Deployment): boolean {
  return d.model.nativePrecision === 'fp8' && gemmDtype(d.gpu, d.weights) === 'fp8';
}

/**
 * An FP8 GEMM on an FP8 release's weights first quantises its 16-bit input to FP8 (per-token or
 * per-128-value scales) in a kernel of its own: TensorRT-LLM's fp8_quantize_1x128 before every
 * block-scaled linear and scale_1x128 before each grouped expert GEMM (_torch/modules/linear.py,
 * moe_kernels.cu), vLLM's and SGLang's per_token_group_quant_fp8. An elementwise pass per input
 * (the experts' up and down projections: see expertInputs) reads 16 bits and writes 8 per value;
 * at a small batch it costs a kernel's floor.
 */
function withActivationQuantisation(op: Operator): Operator[] {
  if (op.kind !== 'gemm' || op.sixteenBit || !op.inputs) return [op];
  const { inputs, ...gemmOp } = op;
  const quantise: Operator = { ...gemmOp, name: `${op.name}_quant`, kind: 'elementwise', flops: 0, bytes: inputs.values * (ACT + 1), kernels: inputs.launches };
  return [quantise, op];
}

function attentionOperators(d: Deployment, load: StepLoad, tokens: number, w: number): Operator[] {
  const m = d.model;
  const { heads, costs } = attentionCosts(d);
  const kvHeads = Math.max(1, Math.ceil(m.kvHeads / d.tp));
  // An output gate rides in the query projection (twice as wide) and multiplies the attention's output.
  const gated = m.attentionOutputGate ? heads : 0;
  const qkv = gemm('qkv_proj', tokens, m.hiddenSize, (heads + gated + 2 * kvHeads) * m.headDim, w);
  const attention = attentionPair(m, load, heads, costs);
  const rope = elementwise('rope_kv_write', tokens, (heads + 2 * kvHeads) * m.headDim, 2);
  const gate = gated > 0 ? [elementwise('attn_output_gate', tokens, heads * m.headDim, 3)] : [];
  return [qkv, rope, ...attention, ...gate, gemm('o_proj', tokens, heads * m.headDim, m.hiddenSize, w)];
}

/** Operators of the softmax-attention layers of a hybrid model: they run in that share of the layers. */
function inAttentionLayers(m: ModelArch, ops: Operator[]): Operator[] {
  const share = attentionShare(m);
  return share === 1 ? ops : ops.map((op) => ({ ...op, layerShare: share }));
}

/**
 * A linear-attention layer's mixer (Gated DeltaNet, Mamba-2) on one GPU: the input projection,
 * the causal convolution (its last inputs kept per sequence), the scan, the gated norm and the
 * output projection, in that share of the layers. Prompt chunks run the chunked scan (vLLM and
 * SGLang call flash-linear-attention's or Mamba-2's chunked kernels, about 6 launches), reading
 * and writing each sequence's state once; decodes run the recurrent update, which streams every
 * sequence's state in and out once per step (each of a verification's tokens writes its own).
 */
function linearAttentionOperators(d: Deployment, load: StepLoad, tokens: number, w: number): Operator[] {
  const m = d.model;
  const la = m.linearAttention!;
  const { keyHeads, valueHeads } = linearHeadsPerGpu(la, d.tp);
  const inner = valueHeads * la.valueHeadDim;
  const qkvo = 2 * keyHeads * la.keyHeadDim + 2 * inner;
  const stateBytes = linearStateBytesPerLayer(la, d.tp);
  const ops: Operator[] = [gemm('linear_in_proj', tokens, m.hiddenSize, linearInputWidth(la, d.tp), w), elementwise('linear_conv', tokens, qkvo - inner, la.convKernel)];
  const { prefillTokens, prefillSequences } = stepTokens(load);
  if (prefillTokens > 0) {
    const schedule = scanSchedule(la, load.prefill, valueHeads);
    ops.push({
      name: 'linear_prefill_scan',
      kind: 'prefill-attention',
      flops: schedule.totalSteps * schedule.flopsPerStep,
      bytes: prefillTokens * qkvo * ACT + 2 * prefillSequences * stateBytes,
      kernels: 6,
      tiles: schedule,
    });
  }
  if (load.decodeSequences > 0) {
    const queries = load.queryTokensPerSequence ?? 1;
    ops.push({
      name: 'linear_decode_scan',
      kind: 'elementwise',
      flops: load.decodeSequences * queries * valueHeads * scanFlopsPerToken(la, 'decode'),
      bytes: load.decodeSequences * ((1 + queries) * stateBytes + queries * qkvo * ACT),
      kernels: 1,
    });
  }
  ops.push(elementwise('linear_gated_norm', tokens, inner, 3), gemm('linear_out_proj', tokens, inner, m.hiddenSize, w));
  const share = 1 - attentionShare(m);
  return ops.map((op) => ({ ...op, layerShare: share }));
}

/** Value columns of one program of the chunked scan (flash-linear-attention's and Mamba-2's kernels tile the value dimension by 64). */
const SCAN_VALUE_TILE = 64;

/**
 * The chunked scan of a step's prompt chunks as tile steps (one chunk of SCAN_CHUNK tokens for one
 * value head and one 64-column value tile), run at the prefill-attention tile rate (ASSUMED: no
 * timings of these kernels here to fit). Gated DeltaNet carries its state from chunk to chunk in
 * a matrix product (flash-linear-attention's chunk_fwd_h), so a prompt's chunks form a chain that
 * one compute unit runs in turn; Mamba-2's chunks run side by side (the state passing between them
 * is elementwise).
 */
function scanSchedule(la: NonNullable<ModelArch['linearAttention']>, chunks: PrefillChunk[], valueHeads: number): TileSchedule {
  const tiles = Math.ceil(la.valueHeadDim / SCAN_VALUE_TILE);
  let totalSteps = 0;
  let longestSteps = 0;
  for (const ch of chunks) {
    const scanChunks = Math.ceil(ch.tokens / SCAN_CHUNK);
    totalSteps += ch.count * scanChunks * valueHeads * tiles;
    longestSteps = Math.max(longestSteps, la.kind === 'gated-deltanet' ? scanChunks : 1);
  }
  return { totalSteps, longestSteps, flopsPerStep: (SCAN_CHUNK * scanFlopsPerToken(la, 'prefill')) / tiles };
}

/** The attention heads one GPU runs and their per-head costs (multi-head latent attention's or grouped-query attention's). */
function attentionCosts(d: Deployment): { heads: number; costs: AttentionCosts } {
  const m = d.model;
  const heads = m.heads / d.tp;
  const kvBytes = bytesPerValue(d.kvCache);
  const a = m.mla;
  if (a) {
    const qkHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    const latent = a.kvLoraRank + a.qkRopeHeadDim;
    return {
      heads,
      costs: { pairFlops: 2 * (qkHead + a.vHeadDim), keyFlops: 2 * (latent + a.kvLoraRank), kvRowBytes: latent * kvBytes, queryBytes: heads * (qkHead + a.vHeadDim) * ACT },
    };
  }
  const kvHeads = Math.max(1, Math.ceil(m.kvHeads / d.tp));
  return { heads, costs: { pairFlops: 4 * m.headDim, keyFlops: 4 * m.headDim, kvRowBytes: 2 * kvHeads * m.headDim * kvBytes, queryBytes: 2 * heads * m.headDim * ACT } };
}

/** Multi-head latent attention: down-projections replicated, up-projections split by heads. */
function mlaOperators(d: Deployment, load: StepLoad, tokens: number, w: number): Operator[] {
  const m = d.model;
  const a = m.mla!;
  const { heads, costs } = attentionCosts(d);
  const qkHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const latent = a.kvLoraRank + a.qkRopeHeadDim;
  const ops: Operator[] = [];
  // The compressed query and KV are RMS-normalised before their up-projections (q_a_layernorm,
  // kv_a_layernorm), and RoPE turns the positional parts of the query and key, the key's written
  // to the cache with the latent: elementwise passes, as rope_kv_write is for other attention.
  if (a.qLoraRank) {
    // The query and KV down-projections read the same hidden states: engines run them as one
    // GEMM (TensorRT-LLM's fused_a, vLLM's and SGLang's fused_qkv_a_proj).
    ops.push(gemm('qkv_down', tokens, m.hiddenSize, a.qLoraRank + latent, w), elementwise('q_norm', tokens, a.qLoraRank, 3), gemm('q_up', tokens, a.qLoraRank, heads * qkHead, w));
  } else {
    ops.push(gemm('q_proj', tokens, m.hiddenSize, heads * qkHead, w), gemm('kv_down', tokens, m.hiddenSize, latent, w));
  }
  ops.push(elementwise('kv_norm', tokens, a.kvLoraRank, 3), elementwise('rope_kv_write', tokens, heads * a.qkRopeHeadDim + latent, 2));
  // Prefill expands the latent into per-head K and V; decode absorbs the same matrices into the
  // query and output paths — the same FLOPs and weight bytes per token either way.
  ops.push(gemm('kv_up_absorb', tokens, a.kvLoraRank, heads * (a.qkNopeHeadDim + a.vHeadDim), w));
  ops.push(...attentionPair(m, load, heads, costs));
  ops.push(gemm('o_proj', tokens, heads * a.vHeadDim, m.hiddenSize, w));
  return ops;
}

/** Per-head costs of an attention kind: FLOPs per query–key pair (prefill) and per key (decode), bytes per cached token and per query token. */
interface AttentionCosts {
  pairFlops: number;
  keyFlops: number;
  kvRowBytes: number;
  queryBytes: number;
}

/**
 * The prefill and decode attention calls of a step (either may be absent). Prefill FLOPs count
 * causal pairs; its tile schedule counts whole 128 × 128 steps (a query tile reads keys up to its
 * last row), and a chunk shorter than a tile runs a partial one.
 */
function attentionPair(m: ModelArch, load: StepLoad, heads: number, c: AttentionCosts): Operator[] {
  const ops: Operator[] = [];
  if (load.prefill.length > 0) {
    const pairs = prefillPairsPerLayer(m, load.prefill);
    const keysRead = load.prefill.reduce((sum, ch) => sum + ch.count * (ch.prefixTokens + ch.tokens), 0);
    const queries = load.prefill.reduce((sum, ch) => sum + ch.count * ch.tokens, 0);
    const keyLimit = m.slidingWindow && windowedShare(m) === 1 ? m.slidingWindow.sizeTokens : Infinity;
    let totalSteps = 0;
    let longestSteps = 0;
    for (const ch of load.prefill) {
      const rows = Math.min(ch.tokens, ATTENTION_TILE) / ATTENTION_TILE;
      const tiles = Math.ceil(ch.tokens / ATTENTION_TILE);
      const chunkPairs = prefillPairsPerLayer(m, [{ ...ch, count: 1 }]);
      // Whole tiles: each query tile also reads the upper triangle of its diagonal block.
      const diagonal = tiles * rows * ATTENTION_TILE * (ATTENTION_TILE / 2);
      totalSteps += (ch.count * heads * (chunkPairs + diagonal)) / ATTENTION_TILE ** 2;
      longestSteps = Math.max(longestSteps, (rows * Math.min(ch.prefixTokens + ch.tokens, keyLimit)) / ATTENTION_TILE);
    }
    ops.push({
      name: 'prefill_attention',
      kind: 'prefill-attention',
      flops: pairs * heads * c.pairFlops,
      bytes: keysRead * c.kvRowBytes + queries * c.queryBytes,
      kernels: 1,
      tiles: { totalSteps, longestSteps, flopsPerStep: ATTENTION_TILE ** 2 * c.pairFlops },
    });
  }
  if (load.decodeSequences > 0) ops.push(decodeAttention(m, load, heads, c));
  return ops;
}

/** The decode attention call of a step with decodes: its sequences read their cached keys. */
function decodeAttention(m: ModelArch, load: StepLoad, heads: number, c: AttentionCosts): Operator {
  const keys = load.decodeSequences * decodeKeysPerLayer(m, load.decodeContextTokens);
  // Several query tokens of a sequence (speculative verification) read its cached keys once.
  const queries = load.queryTokensPerSequence ?? 1;
  return {
    name: 'decode_attention',
    kind: 'decode-attention',
    flops: keys * heads * c.keyFlops * queries,
    bytes: keys * c.kvRowBytes + load.decodeSequences * queries * c.queryBytes,
    kernels: 1,
  };
}

/**
 * The decode attention call stepOperators gives a step with decodes: the only operator that reads
 * the decodes' context (StepLoad.decodeContextTokens), so a step can be re-timed for another
 * context by this call alone.
 */
export function decodeAttentionOperator(d: Deployment, load: StepLoad): Operator {
  const { heads, costs } = attentionCosts(d);
  return inAttentionLayers(d.model, [decodeAttention(d.model, load, heads, costs)])[0];
}

/** Fraction of the attention layers that are windowed. */
function windowedShare(m: ModelArch): number {
  return windowedLayers(m) / attentionLayers(m);
}

/** Dense MLP, or MoE: router, the experts the step's tokens touch, shared experts, dispatch. */
function mlpOperators(d: Deployment, tokens: number, w: number, imbalance: number, rankLocal: boolean, moeFp8Input: MoeFp8Input): Operator[] {
  const m = d.model;
  const h = m.hiddenSize;
  const gated = m.mlp === 'gated';
  const dense = (prefix: string, ffn: number): Operator[] => [
    gemm(`${prefix}_up`, tokens, h, ((gated ? 2 : 1) * ffn) / d.tp, w),
    elementwise(`${prefix}_act`, tokens, ffn / d.tp, gated ? 3 : 2),
    gemm(`${prefix}_down`, tokens, ffn / d.tp, h, w),
  ];
  const reduce = (): Operator => ({ name: 'mlp_allreduce', kind: 'allreduce', flops: 0, bytes: tokens * h * ACT, kernels: 1 });
  const mlpShare = mlpLayers(m) / m.layers;
  if (!m.moe) {
    const ops = [...dense('mlp', m.ffnSize), ...(d.tp > 1 ? [reduce()] : [])];
    return mlpShare === 1 ? ops : ops.map((op) => ({ ...op, layerShare: mlpShare }));
  }

  const moe = m.moe;
  const moeShare = (mlpLayers(m) - Math.min(moe.denseLayers, mlpLayers(m))) / m.layers;
  const denseShare = mlpShare - moeShare;
  const ops: Operator[] = dense('dense_mlp', m.ffnSize).map((op) => ({ ...op, layerShare: denseShare }));
  const inMoe = (op: Operator): Operator => ({ ...op, layerShare: moeShare });
  ops.push(inMoe({ ...gemm('router', tokens, h, moe.experts, ACT), sixteenBit: true }));
  if (!rankLocal) ops.push(inMoe(expertsOperator(d, tokens, w, imbalance, moeFp8Input)));
  if (moe.sharedExperts > 0) {
    for (const op of dense('shared_expert', moe.sharedExperts * moe.sharedExpertFfnSize)) ops.push(inMoe(op));
  }
  const ranks = dpOf(d);
  // EP inside a TP group combines by the all-reduce below, as vLLM (all-to-all kernels only with
  // data_parallel_size > 1), SGLang (without DP attention) and TensorRT-LLM (all-to-all only with
  // attention DP) run it.
  if (dispatchesTokens(d) && !rankLocal) for (const op of dispatchCombine(d, tokens, imbalance)) ops.push(inMoe(op));
  // The MLP layers' all-reduce (without an MLP, Nemotron-H's Mamba and attention layers reduce after their mixer only).
  const inMlp = (op: Operator): Operator => (mlpShare === 1 ? op : { ...op, layerShare: mlpShare });
  if (rankLocal) {
    if (d.tp > 1) ops.push(inMlp(reduce()));
  } else if (ranks > 1 && d.ep === 1) {
    // DP attention with every expert split over all tp × dp GPUs (vLLM's default with DP, SGLang's
    // DP attention without --ep-size): every rank's tokens are gathered to all of them and the
    // outputs reduce-scattered back, an all-reduce of the whole batch over the group in bytes; the
    // shared experts' partial sums ride along. The dense layers reduce within the rank.
    ops.push(inMoe({ ...reduce(), name: 'moe_allreduce', bytes: tokens * ranks * h * ACT, group: moeGroupGpus(d) }));
    if (d.tp > 1 && denseShare > 0) ops.push({ ...reduce(), layerShare: denseShare });
  } else if (d.tp > 1) ops.push(inMlp(reduce()));
  return ops;
}

/** Expected number of distinct experts that `tokens` tokens, each routed to k of E, touch. */
export { expertsTouched } from './expert-parallel.js';
