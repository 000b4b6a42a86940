import type { LinearAttentionArch, ModelArch, WeightDtype } from './types.js';
import { nameTags } from './model-tags.js';
import { parseQuantity } from './units.js';
import type { QuantityKind } from './units.js';

/** A model architecture as written in YAML (schema-checked, snake_case, human units). */
export interface RawModel {
  id?: string;
  name?: string;
  family?: string;
  aliases?: string[];
  source?: string;
  published_params?: number | string;
  native_precision?: WeightDtype;
  layers: number;
  hidden_size: number;
  heads: number;
  kv_heads?: number;
  head_dim?: number;
  ffn_size: number;
  vocab_size: number;
  tied_embeddings?: boolean;
  attention?: ModelArch['attention'];
  mlp?: ModelArch['mlp'];
  bias?: boolean;
  attention_output_gate?: boolean;
  max_context?: number | string;
  sliding_window?: { size: number | string; full_every?: number };
  mlp_layers?: number;
  linear_attention?: {
    kind: LinearAttentionArch['kind'];
    layers: number;
    key_heads: number;
    value_heads: number;
    key_head_dim: number;
    value_head_dim: number;
    conv_kernel: number;
    state_dtype?: 'bf16' | 'fp32';
  };
  moe?: {
    experts: number;
    active_experts: number;
    expert_ffn_size: number;
    shared_experts?: number;
    shared_expert_ffn_size?: number;
    dense_layers?: number;
  };
  mla?: {
    q_lora_rank?: number;
    kv_lora_rank: number;
    qk_nope_head_dim: number;
    qk_rope_head_dim: number;
    v_head_dim: number;
  };
  mtp_layers?: number;
}

/** Parses a quantity that the schema has already checked. */
export function checkedQuantity(kind: QuantityKind, raw: unknown): number {
  const parsed = parseQuantity(kind, raw);
  if (!parsed.ok) throw new Error(`unchecked ${kind} value: ${parsed.message}`);
  return parsed.value;
}

function optionalQuantity(kind: QuantityKind, raw: unknown): number | undefined {
  return raw === undefined ? undefined : checkedQuantity(kind, raw);
}

/** Fills in a raw model's defaults (KV heads, head size, attention kind) and converts units. */
export function normalizeModel(raw: RawModel, fallbackId = 'custom'): ModelArch {
  const kvHeads = raw.mla ? raw.heads : raw.kv_heads ?? raw.heads;
  const attention = raw.attention ?? (raw.mla ? 'mla' : kvHeads === raw.heads ? 'mha' : kvHeads === 1 ? 'mqa' : 'gqa');
  const moe = raw.moe && {
    experts: raw.moe.experts,
    activeExperts: raw.moe.active_experts,
    expertFfnSize: raw.moe.expert_ffn_size,
    sharedExperts: raw.moe.shared_experts ?? 0,
    sharedExpertFfnSize: raw.moe.shared_expert_ffn_size ?? raw.moe.expert_ffn_size,
    denseLayers: raw.moe.dense_layers ?? 0,
  };
  const mla = raw.mla && {
    qLoraRank: raw.mla.q_lora_rank,
    kvLoraRank: raw.mla.kv_lora_rank,
    qkNopeHeadDim: raw.mla.qk_nope_head_dim,
    qkRopeHeadDim: raw.mla.qk_rope_head_dim,
    vHeadDim: raw.mla.v_head_dim,
  };
  return {
    id: raw.id ?? fallbackId,
    name: raw.name ?? raw.id ?? fallbackId,
    family: raw.family,
    aliases: raw.aliases ?? [],
    source: raw.source,
    publishedParams: optionalQuantity('count', raw.published_params),
    nativePrecision: raw.native_precision ?? 'bf16',
    layers: raw.layers,
    hiddenSize: raw.hidden_size,
    heads: raw.heads,
    kvHeads,
    headDim: raw.head_dim ?? Math.floor(raw.hidden_size / raw.heads),
    ffnSize: raw.ffn_size,
    vocabSize: raw.vocab_size,
    tiedEmbeddings: raw.tied_embeddings ?? false,
    attention,
    mlp: raw.mlp ?? 'gated',
    bias: raw.bias ?? false,
    ...(raw.attention_output_gate ? { attentionOutputGate: true } : {}),
    maxContextTokens: optionalQuantity('tokens', raw.max_context),
    slidingWindow: raw.sliding_window && {
      sizeTokens: checkedQuantity('tokens', raw.sliding_window.size),
      fullEvery: raw.sliding_window.full_every ?? 0,
    },
    ...(raw.mlp_layers !== undefined ? { mlpLayers: raw.mlp_layers } : {}),
    ...(raw.linear_attention ? { linearAttention: linearAttention(raw.linear_attention) } : {}),
    ...(moe ? { moe } : {}),
    ...(mla ? { mla } : {}),
    ...(raw.mtp_layers ? { mtpLayers: raw.mtp_layers } : {}),
  };
}

function linearAttention(raw: NonNullable<RawModel['linear_attention']>): LinearAttentionArch {
  return {
    kind: raw.kind,
    layers: raw.layers,
    keyHeads: raw.key_heads,
    valueHeads: raw.value_heads,
    keyHeadDim: raw.key_head_dim,
    valueHeadDim: raw.value_head_dim,
    convKernel: raw.conv_kernel,
    stateDtype: raw.state_dtype ?? 'bf16',
  };
}

/**
 * What a schema-valid model still gets wrong across fields (the schema checks each alone), as
 * [field path, message] pairs: linear-attention layers need at least one attention layer beside them,
 * the MLP layers fit in the layers.
 */
export function modelShapeProblems(raw: RawModel): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  const linear = raw.linear_attention;
  if (linear && linear.layers >= raw.layers) {
    problems.push([['linear_attention', 'layers'], `${linear.layers} linear-attention layers leave none of the ${raw.layers} layers with attention (planner needs at least one: a pure state-space model is not modelled)`]);
  }
  if (raw.mlp_layers !== undefined && raw.mlp_layers > raw.layers) {
    problems.push([['mlp_layers'], `${raw.mlp_layers} layers with an MLP is more than the model's ${raw.layers} layers`]);
  }
  if (linear && linear.value_heads % linear.key_heads !== 0) {
    problems.push([['linear_attention', 'value_heads'], `${linear.value_heads} value heads must be a multiple of the ${linear.key_heads} key heads`]);
  }
  return problems;
}

/** A name resolved to a preset, with what the name's variant tags say about its weights. */
export interface ModelLookup {
  /** The preset, its native precision set by the name's quantisation tag where it has one. */
  model: ModelArch;
  /** Weight precision the name's tag sets (`-FP8-dynamic` → fp8), and the tag as written. */
  precision?: WeightDtype;
  precisionTag?: string;
  /** Quantisation-looking tags the name carries that planner does not model (GGUF, 3-bit…). */
  ignoredTags: string[];
}

/** The preset models, found by id, Hugging Face id or alias. */
export interface ModelRegistry {
  models: ModelArch[];
  /** The model a name refers to (a quantised checkpoint's name sets its precision), or undefined. */
  resolve(name: string): ModelArch | undefined;
  /** As resolve, with the precision the name's tags set and the tags it ignored. */
  lookup(name: string): ModelLookup | undefined;
  /** Every name a preset answers to, mapped to its id (for "did you mean" hints). */
  names: Map<string, string>;
}

/** Lower-case key of a model name: the repository name without its organisation. */
function nameKeys(name: string): string[] {
  const lower = name.trim().toLowerCase();
  const bare = lower.includes('/') ? lower.slice(lower.lastIndexOf('/') + 1) : lower;
  return [...new Set([lower, bare])];
}

/**
 * Builds the lookup of preset models by every name they answer to. A checkpoint's name resolves
 * to its architecture with the fine-tune and quantisation tags stripped (`…-Instruct-AWQ-INT4`
 * is the base model), and its quantisation tag becomes the model's native precision.
 */
export function createModelRegistry(models: ModelArch[]): ModelRegistry {
  const byKey = new Map<string, ModelArch>();
  for (const model of models) {
    for (const name of [model.id, ...model.aliases]) {
      for (const key of nameKeys(name)) if (!byKey.has(key)) byKey.set(key, model);
    }
  }
  const lookup = (name: string): ModelLookup | undefined => {
    const tags = nameTags(name);
    const keys = [...nameKeys(name), ...tags.keys];
    const hit = keys.map((key) => byKey.get(key)).find((m) => m !== undefined);
    if (!hit) return undefined;
    // An alias that names a quantised checkpoint (Qwen/Qwen3-8B-FP8) still carries its precision.
    const model = tags.precision && tags.precision !== hit.nativePrecision ? { ...hit, nativePrecision: tags.precision } : hit;
    return { model, ...(tags.precision ? { precision: tags.precision, precisionTag: tags.precisionTag } : {}), ignoredTags: tags.ignored };
  };
  const names = new Map(models.flatMap((m) => [m.id, ...m.aliases].map((name) => [name, m.id] as const)));
  return { models, resolve: (name) => lookup(name)?.model, lookup, names };
}
