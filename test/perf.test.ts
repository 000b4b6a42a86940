import { describe, expect, it } from 'vitest';
import { allReduceTime } from '../src/perf/collectives.js';
import type { Deployment } from '../src/perf/deployment.js';
import { kvBytesPerSequence, kvBytesPerToken } from '../src/perf/kv-cache.js';
import { kvBytesPerTokenPerGpu, memoryPlan, weightBytesPerGpu } from '../src/perf/memory.js';
import { stepOperators } from '../src/perf/operators.js';
import { stepTiming, stepTimingByContext } from '../src/perf/roofline.js';
import { predictClosedLoop, predictStaticBatch } from '../src/perf/serving.js';
import { presets } from './helpers.js';

function deployment(model: string, gpu: string, overrides: Partial<Deployment> = {}): Deployment {
  const { models, catalog } = presets();
  return { model: models.resolve(model)!, gpu: catalog.gpus[gpu], tp: 1, pp: 1, ep: 1, weights: 'bf16', kvCache: 'bf16', ...overrides };
}
const vllm = () => presets().catalog.engines.vllm;
const decode = (sequences: number, context: number) => ({ prefill: [], decodeSequences: sequences, decodeContextTokens: context });

describe('operator FLOPs and bytes (hand-computed, Llama-3.1-8B, one sequence decoding at 1000 tokens of context)', () => {
  const ops = Object.fromEntries(stepOperators(deployment('llama-3.1-8b', 'h100-sxm'), decode(1, 1000)).map((op) => [op.name, op]));

  it('projections: 2 FLOPs per weight, every weight read once (bf16)', () => {
    // q: 32 heads × 128, k and v: 8 heads × 128 each → 4096 × 6144
    expect(ops.qkv_proj.flops).toBe(2 * 4096 * 6144);
    expect(ops.qkv_proj.bytes).toBe(4096 * 6144 * 2 + (4096 + 6144) * 2);
    expect(ops.o_proj.flops).toBe(2 * 4096 * 4096);
    // gate and up (2 × 14336), then down
    expect(ops.mlp_up.flops).toBe(2 * 4096 * 28672);
    expect(ops.mlp_down.flops).toBe(2 * 14336 * 4096);
    expect(ops.lm_head.flops).toBe(2 * 4096 * 128256);
    expect(ops.lm_head.perStep).toBe(true);
  });

  it('decode attention streams the K and V cache of the context: 2 × 8 heads × 128 × 2 bytes per token', () => {
    expect(ops.decode_attention.flops).toBe(4 * 1000 * 32 * 128);
    expect(ops.decode_attention.bytes).toBe(1000 * 2 * 8 * 128 * 2 + 2 * 32 * 128 * 2);
  });

  it('a decode step reads the weights once: 15.0 GB for the 8B model in bf16', () => {
    const layerWeights = ['qkv_proj', 'o_proj', 'mlp_up', 'mlp_down'].reduce((sum, name) => sum + ops[name].flops / 2, 0);
    expect(32 * layerWeights + ops.lm_head.flops / 2).toBe(32 * 4096 * (6144 + 4096 + 28672 + 14336) + 4096 * 128256);
    expect((32 * layerWeights + ops.lm_head.flops / 2) * 2 / 1e9).toBeCloseTo(15.01, 1);
  });

  it('tensor parallelism splits the projections and adds two all-reduces per layer', () => {
    const tp4 = Object.fromEntries(stepOperators(deployment('llama-3.1-8b', 'h100-sxm', { tp: 4 }), decode(1, 1000)).map((op) => [op.name, op]));
    expect(tp4.qkv_proj.flops).toBe(ops.qkv_proj.flops / 4);
    expect(tp4.mlp_down.flops).toBe(ops.mlp_down.flops / 4);
    expect(tp4.attn_allreduce.bytes).toBe(4096 * 2);
    expect(tp4.mlp_allreduce.kind).toBe('allreduce');
  });
});

describe('KV cache and memory', () => {
  it('GQA: 2 (K and V) × KV heads × head size × layers × bytes', () => {
    expect(kvBytesPerToken(presets().models.resolve('llama-3.1-70b')!, 'bf16')).toBe(2 * 8 * 128 * 80 * 2);
    expect(kvBytesPerToken(presets().models.resolve('llama-3.1-8b')!, 'fp8')).toBe(2 * 8 * 128 * 32);
  });

  it('MLA caches the compressed latent and the RoPE key: (512 + 64) × 61 layers', () => {
    expect(kvBytesPerToken(presets().models.resolve('deepseek-v3')!, 'bf16')).toBe((512 + 64) * 61 * 2);
  });

  it('sliding-window layers cache at most the window', () => {
    const model = presets().models.resolve('gpt-oss-120b')!;
    const perLayerPerToken = 2 * 8 * 64 * 2;
    expect(kvBytesPerSequence(model, 'bf16', 4096)).toBe(perLayerPerToken * (18 * 4096 + 18 * 128));
  });

  it('KV heads split across tensor-parallel GPUs, and are replicated once tp exceeds them', () => {
    const perGpu = (tp: number) => kvBytesPerTokenPerGpu(deployment('llama-3.1-70b', 'h100-sxm', { tp }));
    expect(perGpu(4)).toBe(perGpu(1) / 4);
    expect(perGpu(8)).toBe(perGpu(1) / 8);
    const qwen = (tp: number) => kvBytesPerTokenPerGpu(deployment('qwen3-235b-a22b', 'h100-sxm', { tp }));
    expect(qwen(8)).toBe(qwen(4));
  });

  it('weights split by tp; a 70B model in bf16 does not fit one 80 GB GPU', () => {
    const one = memoryPlan(deployment('llama-3.1-70b', 'h100-sxm'), 8192);
    expect(one.fits).toBe(false);
    expect(one.weightBytes / 1e9).toBeCloseTo(141, 0);
    expect(weightBytesPerGpu(deployment('llama-3.1-70b', 'h100-sxm', { tp: 4 })) / 1e9).toBeCloseTo(141 / 4, 0);
    expect(memoryPlan(deployment('llama-3.1-70b', 'h100-sxm', { tp: 4 }), 8192).maxKvTokens).toBeGreaterThan(100_000);
  });

  it('fp8 weights take half the bytes of bf16', () => {
    const bf16 = weightBytesPerGpu(deployment('llama-3.1-8b', 'l4'));
    const fp8 = weightBytesPerGpu(deployment('llama-3.1-8b', 'l4', { weights: 'fp8' }));
    const lookupAndHead = 2 * 128256 * 4096 * 2;
    expect((fp8 - lookupAndHead) / (bf16 - lookupAndHead)).toBeCloseTo(0.5, 2);
  });
});

describe('communication', () => {
  it('ring all-reduce: α + 2(n−1)/n · bytes / (η · link bandwidth)', () => {
    const gpu = presets().catalog.gpus['h100-sxm'];
    const { commLatencySeconds: alpha, communication: eta } = gpu.efficiency;
    expect(allReduceTime(gpu, 8, 1e6)).toBeCloseTo(alpha + (2 * 7) / 8 * (1e6 / (eta * 450e9)), 12);
    expect(allReduceTime(gpu, 1, 1e6)).toBe(0);
  });

  it('PCIe-only GPUs all-reduce far slower than NVLink ones', () => {
    const { gpus } = presets().catalog;
    expect(allReduceTime(gpus.l40s, 4, 64e6)).toBeGreaterThan(5 * allReduceTime(gpus['h100-sxm'], 4, 64e6));
    // an H100 NVL's bridge joins pairs only: a group of four falls back to PCIe
    expect(allReduceTime(gpus['h100-nvl'], 4, 64e6)).toBeGreaterThan(3 * allReduceTime(gpus['h100-nvl'], 2, 64e6));
  });
});

describe('operator mechanisms', () => {
  it('a GEMM near the ridge point reaches neither roof; a tiny one takes its kernel floor', () => {
    const d = deployment('llama-3.1-8b', 'a100-80gb');
    const mlpUp = (tokens: number) => stepTiming(d, decode(tokens, 1), vllm()).ops.find((op) => op.name === 'mlp_up')!;
    const knee = mlpUp(256);
    expect(knee.seconds).toBeGreaterThan(1.2 * Math.max(knee.computeSeconds, knee.memorySeconds));
    const tiny = stepTiming(deployment('llama-3.1-8b', 'a100-80gb', { tp: 8 }), decode(1, 1), vllm()).ops.find((op) => op.name === 'o_proj')!;
    expect(tiny.seconds).toBeGreaterThanOrEqual(d.gpu.efficiency.kernelFloorSeconds.gemm);
  });

  it('prefill attention over few heads leaves compute units idle: TP4 is less than 4× faster than TP1', () => {
    const chunk = { prefill: [{ count: 1, tokens: 4096, prefixTokens: 0 }], decodeSequences: 0, decodeContextTokens: 0 };
    const time = (tp: number) => stepTiming(deployment('llama-3.1-8b', 'a100-80gb', { tp }), chunk, vllm()).ops.find((op) => op.name === 'prefill_attention')!.seconds;
    expect(time(1) / time(4)).toBeGreaterThan(2);
    expect(time(1) / time(4)).toBeLessThan(3.5);
  });

  it('small all-reduces take the engine\'s one-shot kernel inside NVLink, NCCL otherwise', () => {
    const h100 = presets().catalog.gpus['h100-sxm'];
    expect(allReduceTime(h100, 4, 64e3, vllm())).toBeLessThan(allReduceTime(h100, 4, 64e3) / 2);
    expect(allReduceTime(h100, 4, 64e6, vllm())).toBeCloseTo(allReduceTime(h100, 4, 64e6), 12);
    expect(allReduceTime(presets().catalog.gpus.l40s, 4, 64e3, vllm())).toBeCloseTo(allReduceTime(presets().catalog.gpus.l40s, 4, 64e3), 12);
  });
});

describe('engine profiles', () => {
  it.each(['vllm', 'sglang', 'trtllm'])('%s: TTFT does not fall as a closed loop grows from one client', (engine) => {
    const d = deployment('llama-3.3-70b', 'h100-sxm', { tp: 2, weights: 'fp8' });
    let previous = 0;
    for (const clients of [1, 2, 5, 10, 20]) {
      const p = predictClosedLoop(d, clients, { inputTokens: 5000, outputTokens: 500 }, presets().catalog.engines[engine]);
      if ('reason' in p) throw new Error(p.reason);
      expect(p.ttftSeconds, `${clients} clients`).toBeGreaterThanOrEqual(previous * 0.999);
      previous = p.ttftSeconds;
    }
    // NVIDIA measures 407 ms for one client on TensorRT-LLM; nothing scales with the request's whole cycle.
    const one = predictClosedLoop(d, 1, { inputTokens: 5000, outputTokens: 500 }, presets().catalog.engines[engine]);
    expect('reason' in one ? Infinity : one.ttftSeconds).toBeLessThan(1);
  });

  it.each(['vllm', 'sglang', 'trtllm'])('%s: a closed loop keeps every client somewhere (Little\'s law: X · E2E = C), one-token answers too', (engine) => {
    // With one-token answers no iteration stretches as prompts fill the engine: the clients
    // queue for their prefill instead (the mixed loop once lost 41% of them here).
    const d = deployment('llama-3.1-70b', 'h100-sxm', { tp: 4 });
    for (const outputTokens of [1, 2, 200]) {
      for (const clients of [1, 16, 64]) {
        const p = predictClosedLoop(d, clients, { inputTokens: 8000, outputTokens }, presets().catalog.engines[engine]);
        if ('reason' in p) throw new Error(p.reason);
        expect(p.requestsPerSecond * p.e2eSeconds, `${outputTokens} tokens, ${clients} clients`).toBeCloseTo(clients, 3);
        // The wait is reported (estimate says it) only where the prompts fill the engine.
        if (outputTokens === 200) expect(p.prefillQueueSeconds).toBe(0);
        if (outputTokens === 1 && clients === 64) expect(p.prefillQueueSeconds).toBeGreaterThan(0);
      }
    }
  });

  it("a mixed closed loop's prompts get what the running decodes leave of the token budget", () => {
    // 100 clients of 1,000-token prompts: 99 decodes ride in each prompt's iteration. A budget of
    // 1,099 leaves the prompt its 1,000 tokens; one of 1,050 leaves 951, and the prompt's last 49
    // tokens take a second iteration.
    const d = deployment('llama-3.1-8b', 'h100-sxm', {});
    const shape = { inputTokens: 1000, outputTokens: 200 };
    const at = (maxBatchedTokens: number) => {
      const p = predictClosedLoop(d, 100, shape, { ...vllm(), maxBatchedTokens, prefillClustering: 0 });
      if ('reason' in p) throw new Error(p.reason);
      return p;
    };
    const whole = at(1099);
    const split = at(1050);
    expect(split.ttftSeconds - whole.ttftSeconds).toBeGreaterThan(0.5 * whole.decodeStep.latencySeconds);
  });

  it('TensorRT-LLM reserves a whole request of KV at admission, vLLM pages it as it grows', () => {
    const { trtllm, vllm: v } = presets().catalog.engines;
    expect(trtllm.kvReservation).toBe('whole-request');
    expect(v.kvReservation).toBe('incremental');
    const d = deployment('llama-3.1-70b', 'h100-sxm', { tp: 2 });
    const shape = { inputTokens: 2000, outputTokens: 2000 };
    const a = predictClosedLoop(d, 512, shape, trtllm);
    const b = predictClosedLoop(d, 512, shape, { ...trtllm, kvReservation: 'incremental' });
    if ('reason' in a || 'reason' in b) throw new Error('unservable');
    expect(a.maxSequences).toBeLessThan(b.maxSequences);
  });
});

describe('a step re-timed for another decode context', () => {
  it('is the step timed whole at that context, for every kind of attention, MoE and speculative decoding', () => {
    const chunk = { count: 1, tokens: 2048, prefixTokens: 512 };
    const deployments = [
      deployment('llama-3.1-70b', 'h100-sxm', { tp: 4, pp: 2 }),
      deployment('deepseek-v3', 'h200', { tp: 8, weights: 'fp8', kvCache: 'fp8' }),
      deployment('gpt-oss-120b', 'h100-sxm', { tp: 2, ep: 2 }),
      deployment('llama-3.1-8b', 'h100-sxm', { speculative: { method: 'eagle', tokens: 3, acceptance: 0.7, given: 'acceptance' } }),
    ];
    for (const d of deployments) {
      for (const decodes of [1, 6]) {
        const byContext = stepTimingByContext(d, { prefill: [chunk], decodeSequences: decodes }, vllm());
        for (const context of [3000, 700, 12_000, 3000]) {
          expect(byContext(context), `${d.model.id} ${decodes} decodes at ${context}`).toEqual(stepTiming(d, { prefill: [chunk], decodeSequences: decodes, decodeContextTokens: context }, vllm()));
        }
      }
    }
  });
});

describe('invariants', () => {
  it('more batch never lowers the step time', () => {
    const d = deployment('llama-3.1-70b', 'h100-sxm', { tp: 4 });
    let previous = 0;
    for (const batch of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) {
      const t = stepTiming(d, decode(batch, 2000), vllm()).latencySeconds;
      expect(t).toBeGreaterThanOrEqual(previous);
      previous = t;
    }
    let prefill = 0;
    for (const tokens of [16, 128, 512, 2048, 8192]) {
      const t = stepTiming(d, { prefill: [{ count: 1, tokens, prefixTokens: 0 }], decodeSequences: 8, decodeContextTokens: 1000 }, vllm()).latencySeconds;
      expect(t).toBeGreaterThanOrEqual(prefill);
      prefill = t;
    }
  });

  it('more memory bandwidth never slows a memory-bound step', () => {
    const base = deployment('llama-3.1-8b', 'h100-sxm');
    const step = stepTiming(base, decode(8, 1000), vllm());
    expect(step.bound).toBe('memory');
    const faster = { ...base, gpu: { ...base.gpu, memoryBandwidth: base.gpu.memoryBandwidth * 1.5 } };
    expect(stepTiming(faster, decode(8, 1000), vllm()).latencySeconds).toBeLessThan(step.latencySeconds);
  });

  it('a decode step of a large model is memory-bound, a long prefill compute-bound', () => {
    const d = deployment('llama-3.1-70b', 'h100-sxm', { tp: 4 });
    expect(stepTiming(d, decode(4, 1000), vllm()).bound).toBe('memory');
    expect(stepTiming(d, { prefill: [{ count: 1, tokens: 8192, prefixTokens: 0 }], decodeSequences: 0, decodeContextTokens: 0 }, vllm()).bound).toBe('compute');
  });

  it('a closed loop: more clients raise throughput and never lower TTFT or TPOT', () => {
    const d = deployment('qwen3-32b', 'h100-sxm', { tp: 2 });
    let last = { x: 0, ttft: 0, tpot: 0 };
    for (const c of [1, 4, 16, 64]) {
      const p = predictClosedLoop(d, c, { inputTokens: 1024, outputTokens: 256 }, vllm());
      if ('reason' in p) throw new Error(p.reason);
      expect(p.requestsPerSecond).toBeGreaterThan(last.x);
      expect(p.ttftSeconds).toBeGreaterThanOrEqual(last.ttft);
      expect(p.tpotSeconds).toBeGreaterThanOrEqual(last.tpot);
      last = { x: p.requestsPerSecond, ttft: p.ttftSeconds, tpot: p.tpotSeconds };
    }
  });

  it('a static batch: TTFT is the prefill of every prompt, TPOT one decode step', () => {
    const d = deployment('llama-2-70b', 'a100-80gb', { tp: 4, weights: 'fp16' });
    const p = predictStaticBatch(d, 8, { inputTokens: 512, outputTokens: 128 }, vllm());
    if ('reason' in p) throw new Error(p.reason);
    expect(p.ttftSeconds).toBeCloseTo(stepTiming(d, { prefill: [{ count: 8, tokens: 512, prefixTokens: 0 }], decodeSequences: 0, decodeContextTokens: 0 }, vllm()).latencySeconds, 9);
    expect(p.tpotSeconds).toBeCloseTo(stepTiming(d, decode(8, 576), vllm()).latencySeconds, 9);
  });

  it('says "does not fit" with the numbers', () => {
    const p = predictClosedLoop(deployment('llama-3.1-405b', 'a100-80gb', { tp: 8 }), 1, { inputTokens: 100, outputTokens: 10 }, vllm());
    expect('reason' in p && p.reason).toMatch(/does not fit: 9\d\.\d GiB of weights .* exceed the 72\.0 GiB usable on a100-80gb \(tp 8, pp 1\)/);
  });

  it('FP8 weights run at FP8 speed on an H100 but dequantise to BF16 on an A100', () => {
    const load = { prefill: [{ count: 1, tokens: 4096, prefixTokens: 0 }], decodeSequences: 0, decodeContextTokens: 0 };
    // The weight GEMMs (attention, norms and all-reduces run in 16 bits either way).
    const gemms = (gpu: string, weights: 'bf16' | 'fp8') =>
      stepTiming(deployment('llama-3.1-70b', gpu, { tp: 4, weights }), load, vllm()).ops.filter((op) => op.kind === 'gemm').reduce((sum, op) => sum + op.count * op.seconds, 0);
    const h100 = (weights: 'bf16' | 'fp8') => gemms('h100-sxm', weights);
    const a100 = (weights: 'bf16' | 'fp8') => gemms('a100-80gb', weights);
    expect(h100('fp8')).toBeLessThan(0.8 * h100('bf16'));
    expect(a100('fp8')).toBeGreaterThanOrEqual(a100('bf16'));
  });
});
