import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../src/perf/deployment.js';
import { shapeProblems } from '../src/perf/deployment.js';
import { kvBytesPerSequence, kvBytesPerToken } from '../src/perf/kv-cache.js';
import { kvBytesPerSequencePerGpu, kvBytesPerTokenPerGpu, memoryPlan, runningLimit } from '../src/perf/memory.js';
import { stepOperators } from '../src/perf/operators.js';
import { stepTiming } from '../src/perf/roofline.js';
import { draftArch } from '../src/perf/speculative.js';
import { kvTransferSeconds } from '../src/perf/transfer.js';
import { instanceTiming } from '../src/simulate/timing.js';
import { cli, presets, specFromText } from './helpers.js';

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  const { models, catalog } = presets();
  return { model: models.resolve('qwen3-next-80b-a3b')!, gpu: catalog.gpus['h100-sxm'], tp: 1, pp: 1, ep: 1, weights: 'bf16', kvCache: 'bf16', ...overrides };
}

// Qwen3-Next: 36 Gated DeltaNet layers (32 value heads of 128 × 128 state, 16 key heads; a 4-tap
// convolution over 2 × 16 × 128 + 32 × 128 = 8192 channels) and 12 attention layers of 2 KV heads of 256.
const RECURRENT = 32 * 128 * 128;
const CONV = 8192 * 3;

describe('linear-attention layers (Qwen3-Next)', () => {
  it('keep a fixed state per sequence and no KV cache: KV per token counts the 12 attention layers only', () => {
    const model = deployment().model;
    expect(kvBytesPerToken(model, 'bf16')).toBe(12 * 2 * 2 * 256 * 2);
    expect(kvBytesPerSequence(model, 'bf16', 1000) - kvBytesPerSequence(model, 'bf16', 0)).toBe(1000 * 12 * 2 * 2 * 256 * 2);
    expect(kvBytesPerSequence(model, 'bf16', 0)).toBe(36 * (RECURRENT + CONV) * 2);
  });

  it('split their state over tensor parallelism by heads (where attention KV heads replicate), whatever the KV dtype', () => {
    const state = (d: Deployment) => kvBytesPerSequencePerGpu(d, 0);
    expect(state(deployment({ tp: 4 }))).toBe((36 * (RECURRENT + CONV) * 2) / 4);
    // fp8 KV halves the attention layers' bytes, not the state (vLLM's --mamba-cache-dtype is apart).
    expect(state(deployment({ tp: 4, kvCache: 'fp8' }))).toBe(state(deployment({ tp: 4 })));
    // The 2 KV heads replicate at tp 4: one head of 256 per GPU per attention layer.
    expect(memoryPlan(deployment({ tp: 4 }), 8192).kvBytesPerToken).toBe(12 * 2 * 256 * 2);
    // An fp32 recurrent state (Qwen3.5's mamba_ssm_dtype) doubles that part; the convolution's stays 16-bit.
    const fp32 = deployment();
    fp32.model = { ...fp32.model, linearAttention: { ...fp32.model.linearAttention!, stateDtype: 'fp32' } };
    expect(state(fp32)).toBe(36 * (RECURRENT * 4 + CONV * 2));
  });

  it('keep a state copy per drafted token under speculative decoding', () => {
    const spec = deployment({ speculative: { method: 'mtp', tokens: 3, acceptance: 0.7, given: 'acceptance' } });
    // Four state blocks, each convolution state three inputs longer (vLLM: kernel − 1 + k rows),
    // beside one KV block of the three draft slots: a page of one layer's state with them,
    // (RECURRENT + 2 · CONV) · 2 bytes over 2 KiB per token, 560 tokens (in 16s).
    expect(kvBytesPerSequencePerGpu(spec, 0, presets().catalog.engines.vllm) - 560 * kvBytesPerTokenPerGpu(spec)).toBe(4 * 36 * (RECURRENT + 2 * CONV) * 2);
  });

  it("hold their KV in vLLM's enlarged blocks: a page as big as one layer's state", () => {
    // One layer's state, 1,097,728 bytes, over 2 KiB of KV per token per layer: 536 tokens, 544 in 16s.
    const kv = (tokens: number) => kvBytesPerSequencePerGpu(deployment(), tokens, presets().catalog.engines.vllm);
    expect(kv(1)).toBe(kv(544));
    expect(kv(545) - kv(544)).toBe(544 * 12 * 2 * 2 * 256 * 2);
    // At tp 4 the state splits 4 ways, the 2 KV heads 2: blocks of 272.
    const tp4 = (tokens: number) => kvBytesPerSequencePerGpu(deployment({ tp: 4 }), tokens, presets().catalog.engines.vllm);
    expect(tp4(273) - tp4(272)).toBe(272 * 12 * 2 * 256 * 2);
    // Only where the engine profile says its pages align so (vLLM's): not the 2023 engine's, nor without an engine.
    expect(kvBytesPerSequencePerGpu(deployment(), 545) - kvBytesPerSequencePerGpu(deployment(), 544)).toBe(12 * 2 * 2 * 256 * 2);
    expect(kvBytesPerSequencePerGpu(deployment(), 545, presets().catalog.engines['splitwise-2023']) - kvBytesPerSequencePerGpu(deployment(), 544, presets().catalog.engines['splitwise-2023'])).toBe(12 * 2 * 2 * 256 * 2);
    // SGLang's states sit in their own pool: no such blocks.
    expect(kvBytesPerSequencePerGpu(deployment(), 545, presets().catalog.engines.sglang) - kvBytesPerSequencePerGpu(deployment(), 544, presets().catalog.engines.sglang)).toBe(12 * 2 * 2 * 256 * 2);
  });

  it("draft with Qwen3-Next's own MTP layer (gated attention, no linear attention); an EAGLE head is a plain layer", () => {
    const target = deployment().model;
    const mtp = draftArch(target, { method: 'mtp', tokens: 2, acceptance: 0.7, given: 'acceptance' })!;
    expect(mtp).toMatchObject({ layers: 1, attentionOutputGate: true });
    expect(mtp.linearAttention).toBeUndefined();
    expect(draftArch(target, { method: 'eagle', tokens: 2, acceptance: 0.7, given: 'acceptance' })!.attentionOutputGate).toBeUndefined();
  });

  it('run in 3 of every 4 layers: attention operators in the rest, the decode scan streaming each state in and out', () => {
    const ops = Object.fromEntries(stepOperators(deployment(), { prefill: [], decodeSequences: 8, decodeContextTokens: 1000 }).map((op) => [op.name, op]));
    expect(ops.qkv_proj.layerShare).toBe(0.25);
    expect(ops.decode_attention.layerShare).toBe(0.25);
    expect(ops.linear_in_proj.layerShare).toBe(0.25 * 3);
    // The gated attention: the query projection also yields a gate per query value (16 heads × 256 twice, 2 KV heads).
    expect(ops.qkv_proj.flops).toBe(2 * 8 * 2048 * (16 + 16 + 2 * 2) * 256);
    expect(ops.attn_output_gate.layerShare).toBe(0.25);
    // q, k (16 heads × 128 each), v and the gate z (32 × 128 each), β and the decay per value head.
    expect(ops.linear_in_proj.flops).toBe(2 * 8 * 2048 * (2 * 16 * 128 + 2 * 32 * 128 + 2 * 32));
    expect(ops.linear_decode_scan.bytes).toBe(8 * (2 * (RECURRENT + CONV) * 2 + (2 * 16 * 128 + 2 * 32 * 128) * 2));
    // A long context costs only the attention layers' reads: a quarter of what all 48 layers of attention would.
    const at = (context: number, model = deployment().model) => stepTiming({ ...deployment(), model }, { prefill: [], decodeSequences: 64, decodeContextTokens: context }, presets().catalog.engines.vllm).latencySeconds;
    const attentionOnly = { ...deployment().model, linearAttention: undefined };
    const hybridGrowth = at(32_000) - at(1000);
    expect(hybridGrowth).toBeGreaterThan(0);
    expect(hybridGrowth / (at(32_000, attentionOnly) - at(1000, attentionOnly))).toBeCloseTo(0.25, 1);
  });

  it('prefill a prompt in chunks whose state passes from one to the next: a long prompt is a chain one compute unit runs', () => {
    const scan = (tokens: number) => stepOperators(deployment({ tp: 4 }), { prefill: [{ count: 1, tokens, prefixTokens: 0 }], decodeSequences: 0, decodeContextTokens: 0 }).find((op) => op.name === 'linear_prefill_scan')!;
    expect(scan(8192).tiles!.longestSteps).toBe(128);
    // 8 value heads per GPU, two 64-column tiles each, 128 chunks.
    expect(scan(8192).tiles!.totalSteps).toBe(8 * 2 * 128);
  });

  it('with MLPs in fewer layers than mixers (Nemotron-H): the MLP operators, weights and norms in that share', () => {
    const base = deployment({ tp: 2 });
    const dense = { ...base.model, moe: undefined, ffnSize: 8192 };
    const fewer = { ...dense, mlpLayers: 12 };
    const ops = (model: Deployment['model']) => Object.fromEntries(stepOperators({ ...base, model }, { prefill: [], decodeSequences: 4, decodeContextTokens: 100 }).map((op) => [op.name, op]));
    expect(ops(fewer).mlp_up.layerShare).toBe(0.25);
    expect(ops(fewer).ffn_norm.layerShare).toBe(0.25);
    expect(ops(fewer).mlp_allreduce.layerShare).toBe(0.25);
    expect(ops(dense).mlp_up.layerShare).toBeUndefined();
    // 36 fewer MLPs of 3 × 2048 × 8192 weights, split over the two GPUs.
    const weights = (model: Deployment['model']) => memoryPlan({ ...base, model }, 8192).weightBytes;
    expect(weights(dense) - weights(fewer)).toBeCloseTo((36 * 3 * 2048 * 8192 * 2) / 2, -3);
  });

  it("plan a hybrid's prefix cache off unless the spec turns it on, and launch vLLM to match", () => {
    const spec = (planning: string) => `model: qwen3-next-80b-a3b\nworkload:\n  rate: 5/s\n  input_tokens: 2000\n  output_tokens: 200\n  reuse: 70%\nslo: { ttft: 1s, tpot: 50ms, percentile: 90 }\nplanning: { gpus: [h100-sxm]${planning} }\n`;
    const off = specFromText(spec(''));
    expect(off.value!.planning.prefixCache).toBe(false);
    expect(off.value!.classes[0].reuse).toBeUndefined();
    expect(off.warnings!.map((w) => w.message)).toEqual([expect.stringMatching(/^model: a hybrid model .*planned without the prefix cache.*set planning\.prefix_cache: on/)]);
    const on = specFromText(spec(', prefix_cache: on'));
    expect(on.value!.planning.prefixCache).toBe(true);
    expect(on.warnings).toEqual([]);
    // SGLang caches hybrid prefixes by default (its MambaRadixCache).
    const sglang = specFromText(spec(', engine: sglang'));
    expect(sglang.value!.planning.prefixCache).toBe(true);
    expect(sglang.warnings).toEqual([]);
    // Not beside speculative decoding, which SGLang's default mamba radix cache refuses.
    const speculating = specFromText(`${spec(', engine: sglang')}speculative: { method: mtp, tokens: 2, acceptance: 0.7 }\n`);
    expect(speculating.value!.planning.prefixCache).toBe(false);
    expect(speculating.warnings!.map((w) => w.message)).toEqual([expect.stringMatching(/sglang does not keep for such models by default or beside speculative decoding/)]);
    // Without reuse in the spec there is nothing to warn of.
    expect(specFromText(spec('').replace('  reuse: 70%\n', '')).warnings).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-'));
    const launch = (planning: string) => {
      writeFileSync(join(dir, 'spec.yaml'), spec(planning));
      expect(cli(['plan', join(dir, 'spec.yaml'), '--no-verify', '--quiet', '--out', join(dir, 'plan.json')]).code).toBe(0);
      return cli(['deploy', join(dir, 'plan.json'), '--target', 'vllm']).stdout;
    };
    expect(launch('')).not.toMatch(/--enable-prefix-caching/);
    // An inline (or config.json) hybrid, which deploy finds no preset for: the plan says it is one.
    writeFileSync(join(dir, 'inline.yaml'), 'model:\n  id: my-hybrid\n  layers: 8\n  hidden_size: 1024\n  heads: 8\n  kv_heads: 2\n  ffn_size: 4096\n  vocab_size: 32000\n  linear_attention: { kind: mamba2, layers: 6, key_heads: 1, value_heads: 32, key_head_dim: 64, value_head_dim: 64, conv_kernel: 4 }\nworkload: { rate: 2/s, input_tokens: 500, output_tokens: 100 }\nslo: { ttft: 1s, tpot: 50ms, percentile: 90 }\nplanning: { gpus: [l4] }\n');
    expect(cli(['plan', join(dir, 'inline.yaml'), '--no-verify', '--quiet', '--out', join(dir, 'inline.json')]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'inline.json'), 'utf8')).hybrid).toBe(true);
    expect(cli(['deploy', join(dir, 'inline.json'), '--target', 'vllm', '--model-path', './my-hybrid']).stdout).not.toMatch(/--enable-prefix-caching/);
    expect(cli(['render', join(dir, 'inline.json')]).code).toBe(0);
    // The flag alone: later vLLM releases choose their mamba cache mode from it (align), and the
    // launched v0.11 has no --mamba-cache-mode (test/fixtures/engine-flags/vllm.txt).
    expect(launch(', prefix_cache: on')).toMatch(/--enable-prefix-caching/);
    expect(launch(', prefix_cache: on')).not.toMatch(/--mamba-cache-mode/);
  });

  it("leave the state with the sequence in the simulator: a cached prefix block holds only the attention layers' KV", () => {
    const timing = instanceTiming(deployment({ tp: 4 }), presets().catalog.engines.vllm, [1000], 2000);
    expect(timing.kvBytes(544) - timing.blockBytes(544)).toBe((36 * (RECURRENT + CONV) * 2) / 4);
    expect(timing.blockBytes(544)).toBe(544 * 12 * 2 * 256 * 2);
  });

  it('move their state from prefill to decode over every GPU of the instance, where the KV goes over its KV heads', () => {
    // At tp 8 the 2 KV heads sit on 2 GPUs' links; the state is split over all 8 (an RDMA link per GPU).
    const gpu = { ...deployment().gpu, network: { bandwidth: 50e9, per: 'gpu' as const, fabric: 'rdma' as const } };
    const send = kvTransferSeconds(deployment({ tp: 8, gpu }), deployment({ tp: 8, gpu }), 2000, 'network');
    const stateBytes = 36 * (RECURRENT + CONV) * 2;
    const kvBytes = 2000 * 12 * 2 * 2 * 256 * 2;
    expect(send - gpu.efficiency.commLatencySeconds).toBeCloseTo((kvBytes / 2 + stateBytes / 8) / (gpu.efficiency.communication * 50e9), 9);
  });

  it('split over TP only where their heads divide evenly, as vLLM asserts', () => {
    const { model } = deployment();
    const shaped = (tp: number, la: Partial<NonNullable<Deployment['model']['linearAttention']>>) => shapeProblems(deployment({ tp, model: { ...model, heads: 64, linearAttention: { ...model.linearAttention!, ...la } } }));
    expect(shaped(8, {})).toEqual([]);
    expect(shaped(8, { valueHeads: 36, keyHeads: 12 })).toEqual(['36 linear-attention value heads do not split 8 ways']);
    expect(shaped(8, { valueHeads: 32, keyHeads: 4 })).toEqual(['4 linear-attention key heads do not split 8 ways']);
    // Mamba-2 replicates its groups instead.
    expect(shaped(8, { kind: 'mamba2', valueHeads: 32, keyHeads: 4 })).toEqual([]);
  });

  it('under SGLang and TensorRT-LLM, sit in states set aside up front that cap the running sequences; under vLLM, come out of the KV pool', () => {
    const engines = presets().catalog.engines;
    const d = deployment({ tp: 4 });
    const shared = memoryPlan(d, 8192, engines.vllm);
    expect(shared.stateSlots).toBeUndefined();
    expect(shared.kvRoomBytes).toBe(memoryPlan(d, 8192).kvRoomBytes);
    // SGLang: 0.9 / 1.9 of the room for states, kept in fp32 (--mamba-ssm-dtype), the KV cache gets the rest.
    const sglang = memoryPlan(d, 8192, engines.sglang);
    const fp32State = (36 * (RECURRENT * 4 + CONV * 2)) / 4;
    expect(sglang.stateBytesPerSequence).toBe(fp32State);
    expect(sglang.stateSlots).toBe(Math.floor((0.474 * shared.kvRoomBytes) / fp32State));
    expect(sglang.kvRoomBytes).toBe(shared.kvRoomBytes - sglang.stateSlots! * fp32State);
    // A sequence's own bytes then leave the state out, and the states cap the running batch.
    expect(kvBytesPerSequencePerGpu(d, 1000, engines.sglang)).toBe(1000 * 12 * 2 * 256 * 2);
    expect(runningLimit(d, engines.sglang, sglang)).toBe(sglang.stateSlots);
    const estimate = cli(['estimate', '--model', 'qwen3-next-80b-a3b', '--gpu', 'h100-sxm', '--tp', '4', '--engine', 'sglang', '--concurrency', '2000', '--input-tokens', '200', '--output-tokens', '200', '--format', 'json']);
    const json = JSON.parse(estimate.stdout);
    expect(json.maxSequencesBound).toBe('state-slots');
    // A static batch larger than the states is refused, saying so.
    const statics = cli(['estimate', '--model', 'qwen3-next-80b-a3b', '--gpu', 'h100-sxm', '--tp', '4', '--engine', 'sglang', '--mode', 'static', '--concurrency', String(sglang.stateSlots! + 1), '--input-tokens', '200', '--output-tokens', '200']);
    expect(statics.stdout + statics.stderr).toMatch(new RegExp(`does not fit: ${sglang.stateSlots! + 1} sequence\\(s\\) need as many linear-attention states, and sglang's share of the cache holds \\d+`));
    // TensorRT-LLM: a state per batch slot, so the plan's max_batch_size is what the states hold.
    const trt = memoryPlan(d, 8192, engines.trtllm);
    expect(runningLimit(d, engines.trtllm, trt)).toBe(Math.min(2048, trt.stateSlots!));
  });

  it('refuse an inline model with no attention layer left, naming the field', () => {
    const spec = `model:\n  id: pure-ssm\n  layers: 4\n  hidden_size: 256\n  heads: 4\n  ffn_size: 512\n  vocab_size: 1000\n  linear_attention: { kind: mamba2, layers: 4, key_heads: 1, value_heads: 8, key_head_dim: 16, value_head_dim: 32, conv_kernel: 4 }\nworkload: { rate: 1/s, input_tokens: 100, output_tokens: 10 }\nslo: { ttft: 1s, tpot: 100ms, percentile: 90 }\n`;
    const loaded = specFromText(spec);
    expect(loaded.issues.map((i) => `${i.file}:${i.line}: ${i.message}`)).toEqual([expect.stringMatching(/^spec\.yaml:8: .*4 linear-attention layers leave none of the 4 layers with attention/)]);
  });

  it('show in planner models and estimate: the layers, the state per sequence beside the KV per token', () => {
    const models = cli(['models', 'qwen3-next-80b-a3b']);
    expect(models.code).toBe(0);
    expect(models.stdout).toContain('GQA on 12 of 48 layers, Gated DeltaNet on 36 (37.7 MiB of state per sequence)');
    const estimate = cli(['estimate', '--model', 'qwen3-next-80b-a3b', '--gpu', 'h100-sxm', '--tp', '4', '--concurrency', '16', '--input-tokens', '2000', '--output-tokens', '200']);
    expect(estimate.code).toBe(0);
    expect(estimate.stdout).toMatch(/tokens at 12 KiB per token, and 9\.4\d MiB of linear-attention state per sequence/);
  });
});
