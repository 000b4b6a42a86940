import type { InputIssue } from './issues.js';
import { nameTags } from './model-tags.js';
import { modelShapeProblems, normalizeModel } from './models.js';
import type { RawModel } from './models.js';
import type { ModelArch, WeightDtype } from './types.js';

/** A model read from a Hugging Face config.json: the architecture, or the problems that stop it. */
export interface ConfigModel {
  model?: ModelArch;
  /** What quantised the weights, when something did: quantization_config or the name's tag. */
  precisionFrom?: string;
  issues: InputIssue[];
  warnings: InputIssue[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A lower-case id (as the model schema's pattern wants it) from a model's name. */
export function modelSlug(name: string): string {
  const bare = name.trim().replace(/[/\\]+$/, '');
  const last = bare.includes('/') || bare.includes('\\') ? bare.slice(Math.max(bare.lastIndexOf('/'), bare.lastIndexOf('\\')) + 1) : bare;
  return last.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|-+$/g, '');
}

/**
 * Weight precision of a `quantization_config` (vLLM reads the same field): fp8, compressed-tensors
 * (its config groups' weight bits and type), AWQ/GPTQ bits, MXFP4, ModelOpt's NVFP4/FP8, bitsandbytes.
 * Returns undefined with a reason when the method is one planner does not model.
 */
function quantPrecision(q: Json): { dtype?: WeightDtype; approx?: string; unknown?: string } {
  const method = String(q.quant_method ?? '').toLowerCase();
  const bitsDtype = (bits: unknown, type = 'int'): { dtype?: WeightDtype; approx?: string; unknown?: string } => {
    const float = type.toLowerCase() === 'float';
    if (bits === 8) return { dtype: float ? 'fp8' : 'int8' };
    if (bits === 4) return { dtype: float ? 'fp4' : 'int4' };
    if (bits === 16) return { dtype: 'bf16' };
    // No 2- or 3-bit dtype in planner: the nearest wider one (int4) over-counts the bytes a little.
    if (typeof bits === 'number' && bits > 0 && bits < 4) return { dtype: 'int4', approx: `${bits}-bit weights are planned as int4 (the narrowest integer planner models)` };
    return { unknown: `${method} with bits ${JSON.stringify(bits)}` };
  };
  switch (method) {
    case 'fp8':
    case 'fbgemm_fp8':
    case 'ptpc_fp8':
      return { dtype: 'fp8' };
    case 'mxfp4':
      return { dtype: 'fp4' };
    case 'experts_int8':
      return { dtype: 'int8' };
    case 'awq':
    case 'awq_marlin':
    case 'gptq':
    case 'gptq_marlin':
    case 'auto-round':
      return bitsDtype(q.bits ?? q.w_bit ?? 4);
    case 'bitsandbytes':
      return q.load_in_4bit === true ? { dtype: 'int4' } : q.load_in_8bit === true ? { dtype: 'int8' } : { unknown: 'bitsandbytes without load_in_4bit or load_in_8bit' };
    case 'modelopt': {
      const algo = String(q.quant_algo ?? (isObject(q.quantization) ? q.quantization.quant_algo : '') ?? '').toUpperCase();
      if (algo.includes('NVFP4') || algo === 'FP4') return { dtype: 'fp4' };
      if (algo.startsWith('FP8')) return { dtype: 'fp8' };
      if (algo.startsWith('W4A8') || algo.startsWith('W4A16')) return { dtype: 'int4' };
      return { unknown: `modelopt ${algo || 'without quant_algo'}` };
    }
    case 'compressed-tensors': {
      // The widest weight format among the groups: the layers it covers dominate the bytes.
      const groups = isObject(q.config_groups) ? Object.values(q.config_groups).filter(isObject) : [];
      const weights = groups.map((g) => g.weights).filter(isObject).sort((a, b) => Number(b.num_bits ?? 0) - Number(a.num_bits ?? 0));
      if (weights.length === 0) return { unknown: 'compressed-tensors without config_groups weights' };
      return bitsDtype(weights[0].num_bits, String(weights[0].type ?? 'int'));
    }
    default:
      return { unknown: method ? `quant_method "${method}"` : 'no quant_method' };
  }
}

/** The weight dtype a config's torch_dtype (or dtype) names. */
function torchDtype(raw: unknown): WeightDtype | undefined {
  const dtype = String(raw ?? '').replace(/^torch\./, '').toLowerCase();
  if (dtype === 'bfloat16') return 'bf16';
  // vLLM's dtype "auto" serves float32 checkpoints in float16.
  if (dtype === 'float16' || dtype === 'float32') return 'fp16';
  return undefined;
}

/** Sliding-window layout from layer_types (or Gemma's sliding_window_pattern, Llama 4's chunked layers). */
function windowLayout(c: Json, layers: number): RawModel['sliding_window'] | undefined {
  const window = typeof c.sliding_window === 'number' ? c.sliding_window : typeof c.attention_chunk_size === 'number' ? c.attention_chunk_size : undefined;
  if (window === undefined || window <= 0 || c.use_sliding_window === false) return undefined;
  let full: number | undefined;
  if (Array.isArray(c.layer_types)) full = c.layer_types.filter((t) => t === 'full_attention').length;
  else if (Array.isArray(c.no_rope_layers)) full = c.no_rope_layers.filter((t) => t === 0).length;
  else if (typeof c.sliding_window_pattern === 'number' && c.sliding_window_pattern > 0) full = Math.floor(layers / c.sliding_window_pattern);
  if (full === layers) return undefined;
  return { size: window, full_every: full ? periodFor(layers, full) : 0 };
}

/**
 * Every n-th layer full: planner models a regular period (⌊layers / n⌋ full layers), the one whose
 * count is nearest the config's (ties: more full layers, the larger KV cache).
 */
function periodFor(layers: number, full: number): number {
  // ⌊layers / n⌋ falls as n grows, so the nearest count is at ⌊layers / full⌋ or next to it.
  const near = Math.max(1, Math.floor(layers / full));
  const off = (n: number) => Math.abs(Math.floor(layers / n) - full);
  return [near - 1, near, near + 1].filter((n) => n >= 1).reduce((best, n) => (off(n) < off(best) ? n : best));
}

/** A positive whole-number field of a config, if it has one. */
function sizeField(c: Json, key: string): number | undefined {
  return typeof c[key] === 'number' && Number.isInteger(c[key]) && (c[key] as number) > 0 ? (c[key] as number) : undefined;
}

/** A recurrent state's precision from a config's dtype field (`float32` or `torch.float32`: fp32; another dtype: bf16; absent: `fallback`). */
function stateDtypeOf(raw: unknown, fallback: 'bf16' | 'fp32'): 'bf16' | 'fp32' {
  const dtype = String(raw ?? '').replace(/^torch\./, '');
  return dtype === '' ? fallback : dtype === 'float32' ? 'fp32' : 'bf16';
}

/** How a config's linear-attention layers read: the layout, or a warning of what could not be read (undefined: none). */
type LinearLayout = { layout: NonNullable<RawModel['linear_attention']> } | { warning: string } | undefined;

/**
 * Hybrid linear attention: Gated DeltaNet (Qwen3-Next, Qwen3.5: `full_attention_interval`, or
 * `linear_attention` in layer_types, with the linear_* head sizes; the recurrent state in fp32
 * where `mamba_ssm_dtype` says so) or Mamba-2 layers that replace attention layer for layer
 * (Granite 4.0-H: "mamba" in layer_types, with the mamba_* sizes).
 */
function linearAttentionLayout(c: Json, layers: number, hidden: number, fullInterval: number | undefined): LinearLayout {
  const types = Array.isArray(c.layer_types) ? c.layer_types.map((t) => String(t).toLowerCase()) : undefined;
  const stateDtype = { state_dtype: stateDtypeOf(c.mamba_ssm_dtype, 'bf16') };
  if (types?.includes('mamba')) {
    const linear = types.filter((t) => t === 'mamba').length;
    const heads = sizeField(c, 'mamba_n_heads');
    const state = sizeField(c, 'mamba_d_state');
    const inner = (sizeField(c, 'mamba_expand') ?? 2) * hidden;
    const headDim = sizeField(c, 'mamba_d_head') ?? (heads && inner % heads === 0 ? inner / heads : undefined);
    if (!heads || !state || !headDim) return { warning: `its ${linear} Mamba-2 layers are planned as attention layers (no mamba_n_heads, mamba_d_head or mamba_d_state to size them): the KV cache, weights and step times are a transformer's of this shape, not the model's` };
    const groups = sizeField(c, 'mamba_n_groups') ?? 1;
    return { layout: { kind: 'mamba2', layers: linear, key_heads: groups, value_heads: heads, key_head_dim: state, value_head_dim: headDim, conv_kernel: sizeField(c, 'mamba_d_conv') ?? 4, ...stateDtype } };
  }
  const interval = fullInterval !== undefined && fullInterval > 1 ? fullInterval : undefined;
  if (!(types?.includes('linear_attention') ?? interval !== undefined)) return undefined;
  // Every entry but linear_attention keeps attention (full or sliding).
  const linear = types ? types.filter((t) => t === 'linear_attention').length : layers - Math.floor(layers / interval!);
  const [kHeads, vHeads, kDim, vDim] = ['linear_num_key_heads', 'linear_num_value_heads', 'linear_key_head_dim', 'linear_value_head_dim'].map((k) => sizeField(c, k));
  if (!kHeads || !vHeads || !kDim || !vDim) {
    return { warning: `its ${linear} linear-attention layers are planned as full attention (no linear_* head sizes to size their state): more KV cache and attention time than the model needs` };
  }
  return { layout: { kind: 'gated-deltanet', layers: linear, key_heads: kHeads, value_heads: vHeads, key_head_dim: kDim, value_head_dim: vDim, conv_kernel: sizeField(c, 'linear_conv_kernel_dim') ?? 4, ...stateDtype } };
}

/** A Nemotron-H layout read from its pattern: the mixer layers (Mamba-2 and attention), which of them carry an MLP, and the Mamba-2 layers' shape. */
interface PatternLayout {
  layers: number;
  mlpLayers: number;
  /** Dense MLP layers ("-"); the rest of mlpLayers are MoE ("E"). */
  denseLayers: number;
  linear: NonNullable<RawModel['linear_attention']>;
}

/**
 * Nemotron-H's `hybrid_override_pattern`: one character per block, "M" a Mamba-2 mixer, "*"
 * attention, "-" an MLP, "E" a MoE, each block alone behind its norm. planner's layer is a mixer
 * with an MLP, so the layers are the M and * blocks and the - and E blocks their MLPs (where they
 * sit does not change a step's time or bytes). The recurrent state in fp32 unless the config says
 * otherwise, as vLLM's NemotronH default is ("only float32 is known to have no accuracy issues").
 * A warning where the pattern or the Mamba sizes cannot be read.
 */
function patternLayout(c: Json, layers: number): { layout: PatternLayout } | { warning: string } | undefined {
  const pattern = c.hybrid_override_pattern;
  if (typeof pattern !== 'string') return undefined;
  const count = (ch: string) => [...pattern].filter((x) => x === ch).length;
  const [mamba, attention, mlp, moe] = ['M', '*', '-', 'E'].map(count);
  const unread = `is planned as a transformer of ${layers} attention layers, so its KV cache, weights and step times are not the model's`;
  if (pattern.length !== layers || mamba + attention + mlp + moe !== pattern.length) {
    return { warning: `a pattern of ${pattern.length} blocks for ${layers} layers, or with blocks other than M, *, - and E: the model ${unread}` };
  }
  const heads = sizeField(c, 'mamba_num_heads');
  const headDim = sizeField(c, 'mamba_head_dim');
  const state = sizeField(c, 'ssm_state_size');
  if (!heads || !headDim || !state) return { warning: `no mamba_num_heads, mamba_head_dim or ssm_state_size to size its Mamba-2 layers: the model ${unread}` };
  if (attention === 0) return { warning: `no attention block ("*"): a pure state-space model ${unread}` };
  return {
    layout: {
      layers: mamba + attention,
      mlpLayers: mlp + moe,
      denseLayers: mlp,
      linear: { kind: 'mamba2', layers: mamba, key_heads: sizeField(c, 'n_groups') ?? 1, value_heads: heads, key_head_dim: state, value_head_dim: headDim, conv_kernel: sizeField(c, 'conv_kernel') ?? 4, state_dtype: stateDtypeOf(c.mamba_ssm_cache_dtype, 'fp32') },
    },
  };
}

/** The config key a model field read from a hybrid's config came from (for messages). */
function configKey(path: string[], fromPattern: boolean, kind: string | undefined): string {
  if (path[0] === 'linear_attention' && path[1] === 'value_heads') return fromPattern ? 'mamba_num_heads' : kind === 'mamba2' ? 'mamba_n_heads' : 'linear_num_value_heads';
  return fromPattern ? 'hybrid_override_pattern' : path.join('.');
}

/**
 * The tell-tale fields of hybrids whose layout planner does not read: Jamba's Mamba-1 layers,
 * Falcon-H1's parallel heads, Zamba, Kimi Linear's KDA layers (linear_attn_config), MiniMax-M1's
 * lightning attention (attn_type_list): every layer is read as attention, which the caller warns of.
 */
const STATE_SPACE_FIELDS = ['layers_block_type', 'attn_layer_period', 'mamba_d_state', 'mamba_d_ssm', 'ssm_state_size', 'mamba_expand', 'linear_attn_config', 'attn_type_list'];

/** The first state-space field a config carries, or undefined (attn_type_list only with a 0, a lightning layer: MiniMax-M2 lists all 1s). */
function stateSpaceField(c: Json): string | undefined {
  return STATE_SPACE_FIELDS.find((k) => (k === 'attn_type_list' ? Array.isArray(c[k]) && c[k].some((t) => t === 0) : c[k] !== undefined && c[k] !== null));
}

/** Model types whose Hugging Face config class ties the LM head to the embedding unless told otherwise. */
const TIED_BY_DEFAULT = new Set(['gpt2', 'bloom', 'falcon', 'opt', 'gpt_bigcode', 'starcoder2', 'cohere', 'cohere2']);

/** Whether the LM head is the input embedding: the config's tie_word_embeddings, else the model class's default (Gemma's configs omit it: tied). */
function tiedEmbeddings(c: Json, data: Json): boolean {
  const given = c.tie_word_embeddings ?? data.tie_word_embeddings;
  if (typeof given === 'boolean') return given;
  const type = String(c.model_type ?? data.model_type ?? '');
  return /^gemma/.test(type) || TIED_BY_DEFAULT.has(type);
}

/** Whether a model type's MLP is plain (two matrices, no gate): GPT-style GELU, Nemotron-H's squared ReLU (nemotron_h and its variants). */
function plainMlp(type: unknown): boolean {
  return PLAIN_MLP.has(String(type)) || /^nemotron_h/.test(String(type));
}

/** Model types whose MLP is a plain two-matrix GELU MLP (no gate). */
const PLAIN_MLP = new Set(['bloom', 'gpt2', 'gpt_neox', 'gptj', 'falcon', 'opt', 'gpt_bigcode', 'phi', 'starcoder2']);

/**
 * Reads a Hugging Face config.json (already parsed) into a model architecture. `file` names the
 * config in messages; `fallbackName` (the config's folder) names the model without `_name_or_path`.
 */
export function modelFromHfConfig(file: string, data: unknown, fallbackName: string, names: { id?: string; name?: string } = {}): ConfigModel {
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const issue = (message: string) => issues.push({ file, message });
  if (!isObject(data)) {
    issue('not a Hugging Face config: expected a JSON object');
    return { issues, warnings };
  }
  // Multimodal checkpoints (Gemma 3, Llama 4, Mistral 3) keep the decoder's fields in text_config.
  // Their quantization_config is top-level or (Kimi-K2.5) inside text_config.
  const c: Json = data.num_hidden_layers === undefined && isObject(data.text_config) ? { ...data.text_config, quantization_config: data.quantization_config ?? data.text_config.quantization_config } : data;
  const where = c === data ? '' : 'text_config.';
  const int = (keys: string[], required: boolean, min = 1): number | undefined => {
    const key = keys.find((k) => c[k] !== undefined && c[k] !== null);
    if (key === undefined) {
      if (required) issue(`${where}${keys[0]}: missing (a Hugging Face config.json gives it; is this a model's config.json?)`);
      return undefined;
    }
    const value = c[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      issue(`${where}${key}: must be a whole number of at least ${min}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  };
  const layers = int(['num_hidden_layers', 'n_layer', 'num_layers'], true);
  const hidden = int(['hidden_size', 'n_embd', 'd_model'], true);
  const heads = int(['num_attention_heads', 'n_head'], true);
  const vocab = int(['vocab_size'], true);
  // Falcon-7B's multi-query attention: one KV head (its 40B and 180B name num_kv_heads).
  const kvHeads = int(['num_key_value_heads', 'num_kv_heads'], false) ?? (c.multi_query === true && c.new_decoder_architecture !== true ? 1 : undefined);
  const headDim = int(['head_dim', 'attention_head_dim'], false);
  const experts = int(['num_local_experts', 'num_experts', 'n_routed_experts'], false, 0);
  const moe = experts !== undefined && experts > 1;
  const expertFfn = moe ? int(['moe_intermediate_size'], false) : undefined;
  // Mixtral and gpt-oss give the expert size as intermediate_size; Llama 4 its dense one as intermediate_size_mlp.
  const ffn = int(['intermediate_size_mlp', 'intermediate_size', 'ffn_hidden_size', 'n_inner'], expertFfn === undefined && hidden !== undefined && !plainMlp(c.model_type));
  const active = moe ? int(['num_experts_per_tok', 'experts_per_token', 'moe_topk'], true) : undefined;
  // Qwen3-MoE and Qwen3-Coder write 0 for no shared expert.
  const sharedFfn = moe ? int(['shared_expert_intermediate_size', 'shared_intermediate_size', 'moe_shared_expert_intermediate_size'], false, 0) : undefined;
  const sharedCount = moe ? int(['n_shared_experts', 'num_shared_experts'], false, 0) : undefined;
  const denseLayers = moe ? int(['first_k_dense_replace'], false, 0) : undefined;
  const kvLora = int(['kv_lora_rank'], false);
  if (heads !== undefined && kvHeads !== undefined && (kvHeads > heads || heads % kvHeads !== 0)) {
    issue(`${where}num_key_value_heads: ${kvHeads} must divide num_attention_heads (${heads})`);
  }
  const mla = kvLora !== undefined ? { q_lora_rank: int(['q_lora_rank'], false), kv_lora_rank: kvLora, qk_nope_head_dim: int(['qk_nope_head_dim'], true)!, qk_rope_head_dim: int(['qk_rope_head_dim'], true)!, v_head_dim: int(['v_head_dim'], true)! } : undefined;
  const maxContext = int(['max_position_embeddings', 'n_positions', 'seq_length'], false);
  // DeepSeek-V3, GLM-4.5 (num_nextn_predict_layers), Qwen3-Next, Qwen3.5 (mtp_num_hidden_layers): multi-token-prediction modules outside num_hidden_layers.
  const mtpLayers = int(['num_nextn_predict_layers', 'mtp_num_hidden_layers'], false, 0);
  // Qwen3-Next: every n-th layer full attention, the others linear.
  const fullInterval = int(['full_attention_interval'], false);
  if (Array.isArray(c.layer_types) && layers !== undefined && c.layer_types.length !== layers) {
    issue(`${where}layer_types: ${c.layer_types.length} entries for ${layers} layers (num_hidden_layers)`);
  }
  if (issues.length > 0 || layers === undefined || hidden === undefined || heads === undefined || vocab === undefined) return { issues, warnings };

  const name = names.name ?? (typeof data._name_or_path === 'string' && data._name_or_path.trim() !== '' ? data._name_or_path.trim() : fallbackName);
  const id = names.id ?? (modelSlug(name) || modelSlug(fallbackName) || `config-${layers}l-${hidden}h`);
  const tags = nameTags(name);
  let precision: WeightDtype | undefined;
  let precisionFrom: string | undefined;
  if (c.quantization_config !== undefined && c.quantization_config !== null && !isObject(c.quantization_config)) {
    warnings.push({ file, message: 'quantization_config: not an object; ignored (set precision.weights)' });
  }
  if (isObject(c.quantization_config)) {
    const q = quantPrecision(c.quantization_config);
    if (q.dtype) [precision, precisionFrom] = [q.dtype, 'quantization_config'];
    if (q.approx) warnings.push({ file, message: `quantization_config: ${q.approx}` });
    if (q.unknown) warnings.push({ file, message: `quantization_config: ${q.unknown} is not a quantisation planner models; ignored (set precision.weights)` });
  }
  if (!precision && tags.precision) [precision, precisionFrom] = [tags.precision, `the name's "${tags.precisionTag}" tag`];
  // torch_dtype is the release's precision, not a quantisation: a spec may re-quantise it without a warning.
  precision ??= torchDtype(c.torch_dtype ?? c.dtype ?? data.torch_dtype ?? data.dtype);
  const sharedExperts = sharedCount ?? ((sharedFfn ?? 0) > 0 || c.model_type === 'llama4_text' ? 1 : 0);
  const raw: RawModel = {
    id,
    name,
    family: typeof c.model_type === 'string' ? c.model_type : undefined,
    source: file,
    native_precision: precision ?? 'bf16',
    layers,
    hidden_size: hidden,
    heads,
    ...(kvHeads !== undefined ? { kv_heads: kvHeads } : {}),
    ...(headDim !== undefined ? { head_dim: headDim } : {}),
    // A plain MLP without a size in the config is GPT-style: 4 × hidden.
    ffn_size: ffn ?? expertFfn ?? 4 * hidden,
    vocab_size: vocab,
    // HF model classes in use (Llama, Qwen, Mistral, DeepSeek) default to untied embeddings; Gemma's to tied.
    tied_embeddings: tiedEmbeddings(c, data),
    mlp: plainMlp(c.model_type) ? 'plain' : 'gated',
    bias: c.attention_bias === true || c.bias === true,
    // Qwen3-Next's config class gates the attention output unless told not to (vLLM: getattr(config, "attn_output_gate", True)).
    ...(c.attn_output_gate === true || (c.attn_output_gate === undefined && c.model_type === 'qwen3_next') ? { attention_output_gate: true } : {}),
    ...(maxContext !== undefined ? { max_context: maxContext } : {}),
    ...(mla ? { mla } : {}),
    ...(mtpLayers ? { mtp_layers: mtpLayers } : {}),
  };
  // Nemotron-H's pattern, where it has one, says which blocks are Mamba; else layer_types or the interval.
  const linear = typeof c.hybrid_override_pattern === 'string' ? undefined : linearAttentionLayout(c, layers, hidden, fullInterval);
  const linearField = `${where}${Array.isArray(c.layer_types) ? 'layer_types' : 'full_attention_interval'}`;
  if (linear && 'warning' in linear) warnings.push({ file, message: `${linearField}: ${linear.warning}` });
  const pattern = patternLayout(c, layers);
  if (pattern && 'warning' in pattern) warnings.push({ file, message: `${where}hybrid_override_pattern: ${pattern.warning}` });
  if (pattern && 'layout' in pattern) {
    raw.layers = pattern.layout.layers;
    raw.mlp_layers = pattern.layout.mlpLayers;
    raw.linear_attention = pattern.layout.linear;
  }
  const ssm = linear || pattern ? undefined : stateSpaceField(c);
  if (ssm) warnings.push({ file, message: `${where}${ssm}: a state-space (Mamba) or linear-attention hybrid of a layout planner does not read; it plans every layer as attention, so its KV cache, weights and step times are a transformer's of this shape, not the model's` });
  if (linear && 'layout' in linear) {
    if (linear.layout.layers >= layers) issue(`${linearField}: every layer is linear attention or Mamba; planner models hybrids with at least one attention layer, not pure state-space models`);
    else raw.linear_attention = linear.layout;
  }
  const window = windowLayout(c, layers);
  if (window && raw.linear_attention) warnings.push({ file, message: `${where}sliding_window: a sliding window beside linear-attention layers is not modelled; its attention layers are planned with full attention` });
  else if (window) raw.sliding_window = window;
  if (moe) {
    const expertSize = expertFfn ?? int(['intermediate_size'], true) ?? raw.ffn_size;
    raw.moe = {
      experts: experts!,
      active_experts: active ?? 1,
      expert_ffn_size: expertSize,
      shared_experts: sharedExperts,
      // DeepSeek's shared experts are moe_intermediate_size each; Qwen-MoE's one shared expert has its own size.
      shared_expert_ffn_size: sharedFfn || expertSize,
      dense_layers: pattern && 'layout' in pattern ? pattern.layout.denseLayers : (denseLayers ?? 0),
    };
  }
  for (const [path, message] of modelShapeProblems(raw)) issue(`${where}${configKey(path, pattern !== undefined, raw.linear_attention?.kind)}: ${message}`);
  if (issues.length > 0) return { issues, warnings };
  return { model: normalizeModel(raw), precisionFrom, issues, warnings };
}
