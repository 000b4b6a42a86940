import type { ModelArch, WeightDtype } from './types.js';
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
  max_context?: number | string;
  sliding_window?: { size: number | string; full_every?: number };
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
    maxContextTokens: optionalQuantity('tokens', raw.max_context),
    slidingWindow: raw.sliding_window && {
      sizeTokens: checkedQuantity('tokens', raw.sliding_window.size),
      fullEvery: raw.sliding_window.full_every ?? 0,
    },
    ...(moe ? { moe } : {}),
    ...(mla ? { mla } : {}),
  };
}

/** The preset models, found by id, Hugging Face id or alias. */
export interface ModelRegistry {
  models: ModelArch[];
  /** The model a name refers to, or undefined. */
  resolve(name: string): ModelArch | undefined;
  /** Every name a preset answers to, mapped to its id (for "did you mean" hints). */
  names: Map<string, string>;
}

/** Suffixes of fine-tuned or re-quantised checkpoints of the same architecture. */
const VARIANT_SUFFIX = /-(instruct|chat|hf|it|base|fp8|fp8-dynamic|fp4|nvfp4|mxfp4|awq|gptq|int4|int8|w8a8|w4a16|bf16)$/;

/** Lower-case key of a model name: the repository name without its organisation. */
function nameKeys(name: string): string[] {
  const lower = name.trim().toLowerCase();
  const bare = lower.includes('/') ? lower.slice(lower.lastIndexOf('/') + 1) : lower;
  return [...new Set([lower, bare])];
}

/** Builds the lookup of preset models by every name they answer to. */
export function createModelRegistry(models: ModelArch[]): ModelRegistry {
  const byKey = new Map<string, ModelArch>();
  for (const model of models) {
    for (const name of [model.id, ...model.aliases]) {
      for (const key of nameKeys(name)) if (!byKey.has(key)) byKey.set(key, model);
    }
  }
  const resolve = (name: string): ModelArch | undefined => {
    for (let key of nameKeys(name)) {
      for (let round = 0; round < 4; round++) {
        const hit = byKey.get(key);
        if (hit) return hit;
        const stripped = key.replace(VARIANT_SUFFIX, '');
        if (stripped === key) break;
        key = stripped;
      }
    }
    return undefined;
  };
  const names = new Map(models.flatMap((m) => [m.id, ...m.aliases].map((name) => [name, m.id] as const)));
  return { models, resolve, names };
}
