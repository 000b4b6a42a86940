import { describe, expect, it } from 'vitest';
import { modelFromHfConfig } from '../src/input/hf-config.js';
import { formatIssue } from '../src/input/issues.js';
import { nameTags } from '../src/input/model-tags.js';
import { activeParams, totalParams } from '../src/perf/model-size.js';
import { cli, fixture, presets, specFromText } from './helpers.js';

const WORKLOAD = `workload: { rate: 2/s, input_tokens: 1000, output_tokens: 200 }
slo: { ttft: 2s, tpot: 100ms }
`;

/** The warnings of a spec as `line:col: message` strings. */
function warnings(text: string): string[] {
  return (specFromText(text).warnings ?? []).map((issue) => formatIssue(issue).replace(/^spec\.yaml:/, ''));
}

describe("a checkpoint's name sets its weight precision", () => {
  it.each([
    ['RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic', 'llama-3.3-70b', 'fp8'],
    ['RedHatAI/Llama-3.3-70B-Instruct-FP8-Dynamic', 'llama-3.3-70b', 'fp8'],
    ['meta-llama/Llama-3.1-405B-Instruct-FP8', 'llama-3.1-405b', 'fp8'],
    ['Qwen/Qwen3-8B-FP8', 'qwen3-8b', 'fp8'],
    ['hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4', 'llama-3.1-70b', 'int4'],
    ['Qwen/Qwen2.5-72B-Instruct-GPTQ-Int4', 'qwen2.5-72b', 'int4'],
    ['Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8', 'qwen2.5-7b', 'int8'],
    ['Qwen/Qwen3-32B-AWQ', 'qwen3-32b', 'int4'],
    ['RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16', 'llama-3.1-8b', 'int4'],
    ['RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8', 'llama-3.1-8b', 'int8'],
    ['meta-llama/Llama-3.1-8B-Instruct-INT8', 'llama-3.1-8b', 'int8'],
    ['nvidia/Llama-3.3-70B-Instruct-FP4', 'llama-3.3-70b', 'fp4'],
    ['nvidia/Qwen3-235B-A22B-NVFP4', 'qwen3-235b-a22b', 'fp4'],
    ['someone/Qwen3-30B-A3B-MXFP4', 'qwen3-30b-a3b', 'fp4'],
  ])('%s → %s with %s weights', (name, id, weights) => {
    const spec = specFromText(`model: ${name}\n${WORKLOAD}`);
    expect(spec.issues).toEqual([]);
    expect(spec.value!.model.id).toBe(id);
    expect(spec.value!.precision.weights).toBe(weights);
    expect(spec.warnings).toEqual([]);
  });

  it('leaves names without a quantisation tag at the release precision', () => {
    expect(specFromText(`model: meta-llama/Llama-3.3-70B-Instruct\n${WORKLOAD}`).value!.precision.weights).toBe('bf16');
    expect(specFromText(`model: openai/gpt-oss-120b\n${WORKLOAD}`).value!.precision.weights).toBe('fp4');
    expect(nameTags('Qwen/Qwen3-235B-A22B-Instruct-2507').precision).toBeUndefined();
  });

  it('lets precision.weights win, with a warning where it contradicts the tag', () => {
    const text = `model: RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic\nprecision: { weights: bf16 }\n${WORKLOAD}`;
    expect(specFromText(text).value!.precision.weights).toBe('bf16');
    expect(warnings(text)).toEqual([expect.stringMatching(/^2:23: precision\.weights: bf16 contradicts the fp8 weights that the "FP8-dynamic" tag of "RedHatAI\/Llama-3\.3-70B-Instruct-FP8-dynamic"/)]);
    expect(warnings(`model: Qwen/Qwen3-32B-AWQ\nprecision: { weights: int4 }\n${WORKLOAD}`)).toEqual([]);
  });

  it('warns that a quantisation tag it does not understand is ignored', () => {
    const text = `model: unsloth/Llama-3.1-8B-Instruct-Q4_K_M-GGUF\n${WORKLOAD}`;
    expect(specFromText(text).value!.model.id).toBe('llama-3.1-8b');
    expect(specFromText(text).value!.precision.weights).toBe('bf16');
    expect(warnings(text)).toEqual([expect.stringMatching(/^1:8: model: "Q4_K_M", "GGUF" looks like a quantisation planner does not model; ignored/)]);
  });

  it('resolves the same way for estimate and measurement rows (the registry carries the precision)', () => {
    const lookup = presets().models.lookup('RedHatAI/Meta-Llama-3.1-70B-Instruct-quantized.w4a16')!;
    expect(lookup.model.id).toBe('llama-3.1-70b');
    expect(lookup.model.nativePrecision).toBe('int4');
    expect(presets().models.resolve('meta-llama/Llama-3.1-70B')!.nativePrecision).toBe('bf16');
  });
});

describe('inline architectures keep their name', () => {
  const tiny = 'layers: 2, hidden_size: 256, heads: 4, ffn_size: 1024, vocab_size: 1000';
  it('takes the id from the name, slugified', () => {
    const model = specFromText(`model: { name: "My Tiny Model", ${tiny} }\n${WORKLOAD}`).value!.model;
    expect(model).toMatchObject({ id: 'my-tiny-model', name: 'My Tiny Model' });
  });

  it('names a model with neither id nor name by its shape, never "custom"', () => {
    expect(specFromText(`model: { ${tiny} }\n${WORKLOAD}`).value!.model.id).toBe('inline-2l-256h');
  });
});

describe('a Hugging Face config.json', () => {
  const deepseekLike = {
    _name_or_path: 'moonshotai/Kimi-K2-Instruct',
    model_type: 'kimi_k2',
    num_hidden_layers: 61, hidden_size: 7168, num_attention_heads: 64, num_key_value_heads: 64, intermediate_size: 18432,
    vocab_size: 163840, max_position_embeddings: 131072, tie_word_embeddings: false,
    q_lora_rank: 1536, kv_lora_rank: 512, qk_nope_head_dim: 128, qk_rope_head_dim: 64, v_head_dim: 128,
    n_routed_experts: 384, n_shared_experts: 1, num_experts_per_tok: 8, moe_intermediate_size: 2048, first_k_dense_replace: 1,
    quantization_config: { quant_method: 'fp8', fmt: 'e4m3', weight_block_size: [128, 128] },
  };

  it('reads the MLA and MoE fields of a DeepSeek-style config as the preset writes them', () => {
    const read = modelFromHfConfig('config.json', deepseekLike, 'folder');
    expect(read.issues).toEqual([]);
    const preset = presets().models.resolve('kimi-k2')!;
    const pick = ({ layers, hiddenSize, heads, kvHeads, ffnSize, vocabSize, attention, mla, moe, nativePrecision }: typeof preset) => ({ layers, hiddenSize, heads, kvHeads, ffnSize, vocabSize, attention, mla, moe, nativePrecision });
    expect(pick(read.model!)).toEqual(pick(preset));
    expect(read.model).toMatchObject({ id: 'kimi-k2-instruct', name: 'moonshotai/Kimi-K2-Instruct' });
  });

  it('reads gpt-oss (experts in intermediate_size, alternating sliding window, mxfp4)', () => {
    const read = modelFromHfConfig('config.json', {
      model_type: 'gpt_oss', num_hidden_layers: 36, hidden_size: 2880, num_attention_heads: 64, num_key_value_heads: 8, head_dim: 64,
      intermediate_size: 2880, vocab_size: 201088, num_local_experts: 128, num_experts_per_tok: 4, attention_bias: true, sliding_window: 128,
      layer_types: Array.from({ length: 36 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
      quantization_config: { quant_method: 'mxfp4' },
    }, 'gpt-oss-120b');
    const preset = presets().models.resolve('gpt-oss-120b')!;
    expect(read.model).toMatchObject({ id: 'gpt-oss-120b', nativePrecision: 'fp4', bias: true, slidingWindow: preset.slidingWindow, moe: preset.moe });
  });

  it.each([
    [{ quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 8, type: 'float' } } } }, 'fp8'],
    [{ quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 8, type: 'int' } } } }, 'int8'],
    [{ quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 4, type: 'int' } } } }, 'int4'],
    [{ quant_method: 'compressed-tensors', format: 'nvfp4-pack-quantized', config_groups: { group_0: { weights: { num_bits: 4, type: 'float' } } } }, 'fp4'],
    [{ quant_method: 'awq', bits: 4 }, 'int4'],
    [{ quant_method: 'gptq', bits: 8 }, 'int8'],
    [{ quant_method: 'modelopt', quant_algo: 'NVFP4' }, 'fp4'],
    [{ quant_method: 'fp8' }, 'fp8'],
  ])('quantization_config %j sets %s weights', (quantization_config, weights) => {
    const read = modelFromHfConfig('c.json', { ...deepseekLike, quantization_config }, 'x');
    expect(read.model!.nativePrecision).toBe(weights);
    expect(read.warnings).toEqual([]);
  });

  it('reads Qwen3-Coder, whose shared_expert_intermediate_size is 0 (no shared expert), as the preset writes it', () => {
    const read = modelFromHfConfig('config.json', {
      _name_or_path: 'Qwen/Qwen3-Coder-480B-A35B-Instruct', model_type: 'qwen3_moe', num_hidden_layers: 62, hidden_size: 6144,
      num_attention_heads: 96, num_key_value_heads: 8, head_dim: 128, intermediate_size: 8192, vocab_size: 151936,
      num_experts: 160, num_experts_per_tok: 8, moe_intermediate_size: 2560, shared_expert_intermediate_size: 0,
      decoder_sparse_step: 1, mlp_only_layers: [], tie_word_embeddings: false, max_position_embeddings: 262144, torch_dtype: 'bfloat16',
    }, 'folder');
    expect(read.issues).toEqual([]);
    expect(read.model!.moe).toEqual(presets().models.resolve('qwen3-coder-480b-a35b')!.moe);
  });

  it('takes a multimodal checkpoint\'s quantization_config from its text_config (Kimi-K2.5)', () => {
    const { quantization_config: _, ...text } = deepseekLike;
    const int4 = { quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 4, type: 'int' } } } };
    const read = modelFromHfConfig('config.json', { model_type: 'kimi_k25', text_config: { ...text, quantization_config: int4 } }, 'Kimi-K2.5');
    expect(read.model!.nativePrecision).toBe('int4');
    expect(read.precisionFrom).toBe('quantization_config');
    // A top-level one still wins.
    expect(modelFromHfConfig('config.json', { quantization_config: { quant_method: 'fp8' }, text_config: { ...text, quantization_config: int4 } }, 'x').model!.nativePrecision).toBe('fp8');
  });

  it("reads Gemma 3's tied embeddings (its configs omit the field) and its every-6th full layer", () => {
    const gemma = {
      model_type: 'gemma3', torch_dtype: 'bfloat16',
      text_config: { model_type: 'gemma3_text', num_hidden_layers: 62, hidden_size: 5376, num_attention_heads: 32, num_key_value_heads: 16, head_dim: 128, intermediate_size: 21504, vocab_size: 262208, sliding_window: 1024, sliding_window_pattern: 6, max_position_embeddings: 131072 },
    };
    const preset = presets().models.resolve('gemma-3-27b')!;
    expect(modelFromHfConfig('config.json', gemma, 'gemma-3-27b-it').model).toMatchObject({ tiedEmbeddings: true, slidingWindow: preset.slidingWindow });
    // 34 layers (Gemma 3 4B): layers 5, 11, 17, 23 and 29 are full — a period of 6 gives those five, 7 would give four.
    const small = modelFromHfConfig('config.json', { ...gemma, text_config: { ...gemma.text_config, num_hidden_layers: 34, hidden_size: 2560, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, intermediate_size: 10240 } }, 'gemma-3-4b-it');
    expect(small.model!.slidingWindow).toEqual({ sizeTokens: 1024, fullEvery: 6 });
    expect(modelFromHfConfig('config.json', { ...gemma, text_config: { ...gemma.text_config, tie_word_embeddings: false } }, 'x').model!.tiedEmbeddings).toBe(false);
  });

  it('reads the Gated DeltaNet layers of Qwen3-Next and Qwen3.5 as linear attention, their state in fp32 where the config says so', () => {
    const next = {
      model_type: 'qwen3_next', num_hidden_layers: 48, hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 2, head_dim: 256,
      intermediate_size: 5120, vocab_size: 151936, num_experts: 512, num_experts_per_tok: 10, moe_intermediate_size: 512,
      shared_expert_intermediate_size: 512, full_attention_interval: 4, linear_conv_kernel_dim: 4, linear_key_head_dim: 128,
      linear_num_key_heads: 16, linear_num_value_heads: 32, linear_value_head_dim: 128, torch_dtype: 'bfloat16',
    };
    const read = modelFromHfConfig('config.json', next, 'Qwen3-Next-80B-A3B-Instruct');
    expect(read.warnings).toEqual([]);
    expect(read.model!.slidingWindow).toBeUndefined();
    const preset = presets().models.resolve('qwen3-next-80b-a3b')!;
    expect(read.model!.linearAttention).toEqual(preset.linearAttention);
    expect(read.model!.linearAttention).toEqual({ kind: 'gated-deltanet', layers: 36, keyHeads: 16, valueHeads: 32, keyHeadDim: 128, valueHeadDim: 128, convKernel: 4, stateDtype: 'bf16' });
    // Qwen3.5 lists the layers in text_config.layer_types and keeps the recurrent state in fp32.
    const { full_attention_interval: _i, ...flat } = next;
    const qwen35 = { model_type: 'qwen3_5_moe', text_config: { ...flat, model_type: 'qwen3_5_moe_text', num_hidden_layers: 40, mamba_ssm_dtype: 'float32', layer_types: Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 'full_attention' : 'linear_attention')) } };
    expect(modelFromHfConfig('config.json', qwen35, 'Qwen3.5-35B-A3B').model!.linearAttention).toMatchObject({ layers: 30, stateDtype: 'fp32' });
    // Without the state's sizes: full attention everywhere (more KV than it needs), with a warning.
    const { linear_num_key_heads: _, ...unsized } = next;
    const bare = modelFromHfConfig('config.json', unsized, 'x');
    expect(bare.model!.linearAttention).toBeUndefined();
    expect(bare.warnings.map(formatIssue)).toEqual([expect.stringMatching(/36 linear-attention layers are planned as full attention/)]);
    // Value heads that the key heads do not divide, or no attention layer left, are refused by field.
    expect(modelFromHfConfig('c.json', { ...next, linear_num_value_heads: 24, linear_num_key_heads: 16 }, 'x').issues.map(formatIssue)).toEqual([
      'c.json: linear_num_value_heads: 24 value heads must be a multiple of the 16 key heads',
    ]);
    const { full_attention_interval: _f, ...noFull } = next;
    // Any entry but linear_attention keeps attention; a sliding window beside linear layers is not modelled, and says so.
    const mixed = modelFromHfConfig('c.json', { ...noFull, sliding_window: 4096, layer_types: Array.from({ length: 48 }, (_, i) => (i % 4 === 3 ? 'sliding_attention' : 'linear_attention')) }, 'x');
    expect(mixed.model!.linearAttention!.layers).toBe(36);
    expect(mixed.model!.slidingWindow).toBeUndefined();
    expect(mixed.warnings.map(formatIssue)).toEqual(['c.json: sliding_window: a sliding window beside linear-attention layers is not modelled; its attention layers are planned with full attention']);
    expect(modelFromHfConfig('c.json', { ...noFull, layer_types: Array(48).fill('linear_attention') }, 'x').issues.map(formatIssue)).toEqual([
      'c.json: layer_types: every layer is linear attention or Mamba; planner models hybrids with at least one attention layer, not pure state-space models',
    ]);
  });

  it('ties the head where the config class does by default (GPT-2, Falcon, BLOOM, OPT, StarCoder2, Cohere), reads Falcon-7B as multi-query', () => {
    const gpt2 = { model_type: 'gpt2', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, n_positions: 1024 };
    expect(modelFromHfConfig('config.json', gpt2, 'gpt2').model!.tiedEmbeddings).toBe(true);
    expect(modelFromHfConfig('config.json', { ...gpt2, model_type: 'llama', intermediate_size: 3072 }, 'x').model!.tiedEmbeddings).toBe(false);
    const falcon = { model_type: 'falcon', num_hidden_layers: 32, hidden_size: 4544, num_attention_heads: 71, vocab_size: 65024, multi_query: true, new_decoder_architecture: false };
    expect(modelFromHfConfig('config.json', falcon, 'falcon-7b').model).toMatchObject({ kvHeads: 1, tiedEmbeddings: true });
  });

  it('refuses a full_attention_interval or layer_types it cannot read, and warns of a quantization_config that is not an object', () => {
    const next = { model_type: 'qwen3_next', num_hidden_layers: 48, hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 2, head_dim: 256, intermediate_size: 5120, vocab_size: 151936 };
    for (const bad of ['4', 0, -4]) {
      expect(modelFromHfConfig('c.json', { ...next, full_attention_interval: bad }, 'x').issues.map(formatIssue)).toEqual([`c.json: full_attention_interval: must be a whole number of at least 1, got ${JSON.stringify(bad)}`]);
    }
    expect(modelFromHfConfig('c.json', { ...next, layer_types: ['full_attention', 'linear_attention'] }, 'x').issues.map(formatIssue)).toEqual(['c.json: layer_types: 2 entries for 48 layers (num_hidden_layers)']);
    expect(modelFromHfConfig('c.json', { ...next, quantization_config: 'fp8' }, 'x').warnings.map(formatIssue)).toEqual(['c.json: quantization_config: not an object; ignored (set precision.weights)']);
  });

  it("reads Granite 4.0-H's Mamba-2 layers as linear attention, and warns of hybrids of a layout it does not read", () => {
    const granite = {
      model_type: 'granitemoehybrid', num_hidden_layers: 40, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 768,
      shared_intermediate_size: 1536, num_local_experts: 72, num_experts_per_tok: 10, vocab_size: 100352, tie_word_embeddings: true,
      mamba_n_heads: 128, mamba_d_head: 64, mamba_n_groups: 1, mamba_d_state: 128, mamba_d_conv: 4, mamba_expand: 2,
      layer_types: Array.from({ length: 40 }, (_, i) => (i % 10 === 5 ? 'attention' : 'mamba')),
    };
    const read = modelFromHfConfig('c.json', granite, 'granite-4.0-h-small');
    expect(read.warnings).toEqual([]);
    // Mamba-2 in the linear-attention shape: C and B as queries and keys of n_groups × d_state, x as values of the SSM heads.
    expect(read.model!.linearAttention).toEqual({ kind: 'mamba2', layers: 36, keyHeads: 1, valueHeads: 128, keyHeadDim: 128, valueHeadDim: 64, convKernel: 4, stateDtype: 'bf16' });
    // Its card: 32B parameters, 9B active (the shared MLP read from shared_intermediate_size).
    expect(Math.abs(totalParams(read.model!) / 32e9 - 1)).toBeLessThan(0.02);
    expect(activeParams(read.model!) / 1e9).toBeCloseTo(9, 0);
    // Without mamba_d_head the head is the inner width (expand × hidden) over the heads.
    expect(modelFromHfConfig('c.json', { ...granite, mamba_d_head: undefined }, 'x').model!.linearAttention!.valueHeadDim).toBe(64);
    expect(modelFromHfConfig('c.json', { ...granite, mamba_n_heads: undefined }, 'x').warnings.map(formatIssue)).toEqual([expect.stringMatching(/^c\.json: layer_types: its 36 Mamba-2 layers are planned as attention layers/)]);
    // Jamba's Mamba-1 layers are read as a transformer, with a warning.
    const jamba = { model_type: 'jamba', num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 14336, vocab_size: 65536, attn_layer_period: 8, mamba_d_state: 16 };
    expect(modelFromHfConfig('c.json', jamba, 'x').warnings.map(formatIssue)).toEqual([expect.stringMatching(/^c\.json: attn_layer_period: a state-space \(Mamba\) or linear-attention hybrid of a layout planner does not read; it plans every layer as attention/)]);
    // Kimi Linear's KDA layers (MLA beside them) are not read either, and say so.
    const kimiLinear = { model_type: 'kimi_linear', num_hidden_layers: 27, hidden_size: 2304, num_attention_heads: 32, vocab_size: 163840, intermediate_size: 9216, linear_attn_config: { kda_layers: [1, 2, 3], full_attn_layers: [4] } };
    expect(modelFromHfConfig('c.json', kimiLinear, 'x').warnings.map(formatIssue)).toEqual([expect.stringMatching(/^c\.json: linear_attn_config: a state-space \(Mamba\) or linear-attention hybrid/)]);
    // MiniMax-M2 lists attn_type_list as all 1s (softmax everywhere): no warning; a 0 (lightning attention, MiniMax-M1) warns.
    expect(modelFromHfConfig('c.json', { ...kimiLinear, linear_attn_config: undefined, attn_type_list: [1, 1, 1] }, 'x').warnings).toEqual([]);
    expect(modelFromHfConfig('c.json', { ...kimiLinear, linear_attn_config: undefined, attn_type_list: [0, 0, 1] }, 'x').warnings.map(formatIssue)).toEqual([expect.stringMatching(/^c\.json: attn_type_list: /)]);
    expect(modelFromHfConfig('c.json', { ...jamba, attn_layer_period: undefined, mamba_d_state: undefined }, 'x').warnings).toEqual([]);
  });

  it("reads Nemotron-H's pattern: its Mamba-2 and attention blocks as the layers, its MLP blocks as their MLPs, the state in fp32", () => {
    const nemotronH = {
      model_type: 'nemotron_h', num_hidden_layers: 52, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, attention_head_dim: 128,
      intermediate_size: 21504, vocab_size: 131072, tie_word_embeddings: false, mamba_num_heads: 128, mamba_head_dim: 64, n_groups: 8, ssm_state_size: 128, conv_kernel: 4,
      hybrid_override_pattern: 'M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-',
    };
    const read = modelFromHfConfig('c.json', nemotronH, 'Nemotron-H-8B-Base-8K');
    expect(read.warnings).toEqual([]);
    expect(read.model).toMatchObject({ layers: 28, mlpLayers: 24, mlp: 'plain', headDim: 128 });
    expect(read.model!.linearAttention).toEqual({ kind: 'mamba2', layers: 24, keyHeads: 8, valueHeads: 128, keyHeadDim: 128, valueHeadDim: 64, convKernel: 4, stateDtype: 'fp32' });
    // Its card: 8B parameters (24 squared-ReLU MLPs of 21,504, 24 Mamba-2 mixers, 4 attention layers).
    expect(Math.abs(totalParams(read.model!) / 8e9 - 1)).toBeLessThan(0.02);
    expect(modelFromHfConfig('c.json', { ...nemotronH, mamba_ssm_cache_dtype: 'torch.bfloat16' }, 'x').model!.linearAttention!.stateDtype).toBe('bf16');
    expect(modelFromHfConfig('c.json', { ...nemotronH, mamba_ssm_cache_dtype: 'torch.float32' }, 'x').model!.linearAttention!.stateDtype).toBe('fp32');
    // Nemotron 3 Nano's "E" blocks are MoE (the preset is this reading).
    const nano = modelFromHfConfig('c.json', {
      ...nemotronH, hidden_size: 2688, num_key_value_heads: 2, attention_head_dim: undefined, head_dim: 128, mamba_num_heads: 64, intermediate_size: 1856,
      n_routed_experts: 128, num_experts_per_tok: 6, moe_intermediate_size: 1856, moe_shared_expert_intermediate_size: 3712, n_shared_experts: 1,
      hybrid_override_pattern: 'MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME',
    }, 'NVIDIA-Nemotron-3-Nano-30B-A3B-BF16');
    const { id: _id, name: _name, aliases: _aliases, source: _source, publishedParams: _published, family: _family, ...preset } = presets().models.resolve('nemotron-3-nano-30b-a3b')!;
    expect(nano.model).toMatchObject(preset);
    expect(activeParams(nano.model!) / 1e9).toBeCloseTo(3.2, 1);
    const warned = (pattern: string, extra: object = {}) => modelFromHfConfig('c.json', { ...nemotronH, ...extra, hybrid_override_pattern: pattern, num_hidden_layers: pattern.length }, 'x').warnings.map(formatIssue);
    expect(warned('M-M-X*-')).toEqual([expect.stringMatching(/^c\.json: hybrid_override_pattern: a pattern of 7 blocks for 7 layers, or with blocks other than M, \*, - and E/)]);
    expect(warned('M-M-*-', { mamba_head_dim: undefined })).toEqual([expect.stringMatching(/no mamba_num_heads, mamba_head_dim or ssm_state_size/)]);
    expect(warned('M-M-M-')).toEqual([expect.stringMatching(/no attention block/)]);
  });

  it('finds the sliding-window period at once, however many layers a config claims', () => {
    const gemma = { model_type: 'gemma3_text', num_hidden_layers: 1e11, hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 1, intermediate_size: 512, vocab_size: 1000, sliding_window: 512, sliding_window_pattern: 6 };
    expect(modelFromHfConfig('c.json', gemma, 'x').model!.slidingWindow).toEqual({ sizeTokens: 512, fullEvery: 6 });
  });

  it('names the file and the field that is missing or invalid', () => {
    const { num_hidden_layers: _, ...noLayers } = deepseekLike;
    expect(modelFromHfConfig('m/config.json', { ...noLayers, hidden_size: 'big' }, 'm').issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^m\/config\.json: num_hidden_layers: missing/),
      'm/config.json: hidden_size: must be a whole number of at least 1, got "big"',
    ]);
    expect(modelFromHfConfig('m/config.json', [1, 2], 'm').issues.map(formatIssue)).toEqual(['m/config.json: not a Hugging Face config: expected a JSON object']);
  });
});

describe('the CLI reads a config.json named as the model', () => {
  it('plans from it end to end, with the precision its quantization_config sets', () => {
    const result = cli(['plan', fixture('models/config-spec.yaml'), '--no-verify', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.model).toBe('llama-3.3-70b-instruct-fp8-dynamic');
    expect(plan.precision.weights).toBe('fp8');
    const table = cli(['plan', fixture('models/config-spec.yaml'), '--no-verify', '--format', 'table']);
    expect(table.stdout).toMatch(/^llama-3\.3-70b-instruct-fp8-dynamic \(fp8 weights, bf16 KV cache\)/);
  });

  it('reports a bad config with its file and field, exit 2, no stack trace', () => {
    const result = cli(['validate', fixture('models/broken-spec.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^test\/fixtures\/models\/broken\/config\.json: num_hidden_layers: missing/),
      'test/fixtures/models/broken/config.json: vocab_size: must be a whole number of at least 1, got "lots"',
    ]);
  });

  it('reports a missing config at the spec line that names it, and malformed JSON at its line', () => {
    const missing = cli(['validate', fixture('models/missing-spec.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('test/fixtures/models/missing-spec.yaml:1:8: model: ./nowhere/config.json: not readable');
    const garbled = cli(['estimate', '--model', fixture('models/garbled/config.json'), '--gpu', 'h100-sxm', '--concurrency', '1', '--input-tokens', '10', '--output-tokens', '10']);
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toMatch(/^test\/fixtures\/models\/garbled\/config\.json(:\d+:\d+)?: not valid JSON/);
    expect(garbled.stderr).not.toMatch(/\n\s+at /);
  });

  it('estimates from a config.json or a quantised name, warning where --weights contradicts it', () => {
    const args = ['--gpu', 'h100-sxm', '--tp', '2', '--concurrency', '8', '--input-tokens', '1000', '--output-tokens', '100'];
    const fromConfig = cli(['estimate', '--model', fixture('models/Llama-3.3-70B-Instruct-FP8-dynamic/config.json'), ...args]);
    expect(fromConfig.code).toBe(0);
    expect(fromConfig.stdout).toMatch(/^llama-3\.3-70b-instruct-fp8-dynamic on 2 × h100-sxm \(tp 2, pp 1\), fp8 weights/);
    // What was read shows: the parameters beside the weights' bytes, in text and JSON.
    expect(fromConfig.stdout).toMatch(/^ {2}weights +\S+ GiB +a 70\.6B-parameter model$/m);
    const json = JSON.parse(cli(['estimate', '--model', fixture('models/Llama-3.3-70B-Instruct-FP8-dynamic/config.json'), ...args, '--format', 'json']).stdout);
    expect(json.input.parameters / 1e9).toBeCloseTo(70.6, 1);
    expect(json.input.activeParameters).toBeLessThan(json.input.parameters);
    const awq = cli(['estimate', '--model', 'hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4', ...args]);
    expect(awq.stdout).toMatch(/^llama-3\.1-70b on 2 × h100-sxm \(tp 2, pp 1\), int4 weights/);
    const contradicted = cli(['estimate', '--model', 'RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic', '--weights', 'bf16', ...args]);
    expect(contradicted.stdout).toMatch(/bf16 weights/);
    expect(contradicted.stderr).toMatch(/^--model: warning: --weights bf16 contradicts the fp8 weights/);
  });

  it('prints spec warnings on stderr as file:line:col: warning', () => {
    const result = cli(['validate', fixture('models/contradiction-spec.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^test\/fixtures\/models\/contradiction-spec\.yaml:2:23: warning: precision\.weights: bf16 contradicts/);
    expect(cli(['-q', 'validate', fixture('models/contradiction-spec.yaml')]).stderr).toBe('');
  });
});

describe('measurement rows resolve their model names the same way', () => {
  it('takes the weights of a row without a weights cell from its model name', () => {
    const result = cli(['accuracy', fixture('models/quantised-names.csv'), '--format', 'json']);
    expect(result.code).toBe(0);
    const [tagged, explicit, plain] = JSON.parse(result.stdout).rows;
    expect(tagged.predictedTpotMs).toBe(explicit.predictedTpotMs);
    expect(plain.predictedTpotMs).toBeGreaterThan(explicit.predictedTpotMs);
  });
});
