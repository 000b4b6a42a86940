import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allReduceTime, allToAllTime } from '../src/perf/collectives.js';
import { shapeProblems } from '../src/perf/deployment.js';
import type { Deployment } from '../src/perf/deployment.js';
import { alltoallBytesPerGpu, dispatchValueBytes, expertsTouched } from '../src/perf/expert-parallel.js';
import { kvBytesPerTokenPerGpu, memoryPlan, weightBytesPerGpu } from '../src/perf/memory.js';
import { stepOperators } from '../src/perf/operators.js';
import { operatorKernelSeconds, stepTiming } from '../src/perf/roofline.js';
import { parallelShapes } from '../src/optimize/parallel-shapes.js';
import type { Plan } from '../src/plan/plan.js';
import type { GpuSpec } from '../src/input/types.js';
import { presets } from './helpers.js';
import { runPlanner } from './in-process.js';

/** H100 SXM as a cluster node with one 400 Gb/s RDMA NIC per GPU (test/bench/rdma-fabric.yaml). */
function rdmaH100(): GpuSpec {
  const gpu = presets().catalog.gpus['h100-sxm'];
  return { ...gpu, network: { ...gpu.network, bandwidth: 50e9, per: 'gpu' } };
}

function deployment(model: string, overrides: Partial<Deployment> = {}): Deployment {
  const { models } = presets();
  return { model: models.resolve(model)!, gpu: rdmaH100(), tp: 1, pp: 1, ep: 1, weights: 'fp8', kvCache: 'bf16', ...overrides };
}
const decode = (sequences: number, context: number) => ({ prefill: [], decodeSequences: sequences, decodeContextTokens: context });
const BENCH = ['test/bench/deepseek-v3-h100.yaml', '--catalog', 'test/bench/rdma-fabric.yaml', '--no-verify', '--format', 'json'];

describe('all-to-all dispatch and combine (hand-computed)', () => {
  it('inside one node: latency + (n−1)/n of the bytes over NVLink at the communication efficiency', () => {
    const gpu = rdmaH100();
    // H100 SXM: 450 GB/s NVLink per direction, efficiency 0.55, latency 39.5 µs.
    expect(allToAllTime(gpu, 8, 1e8)).toBeCloseTo(39.5e-6 + (7 / 8) * (1e8 / (0.55 * 450e9)), 12);
    expect(allToAllTime(gpu, 1, 1e8)).toBe(0);
  });

  it('across two nodes: the half bound for the other node goes over the 50 GB/s NIC and sets the time', () => {
    const gpu = rdmaH100();
    const inNode = ((7 / 16) * 1e8) / (0.55 * 450e9);
    const crossNode = ((8 / 16) * 1e8) / (0.55 * 50e9);
    expect(crossNode).toBeGreaterThan(inNode);
    expect(allToAllTime(gpu, 16, 1e8)).toBeCloseTo(39.5e-6 + crossNode, 12);
  });

  it('DeepSeek-V3, 128 tokens per attention rank, tp 1 dp 16 ep 16: dispatch 128 × 8 × 7168 × 1 byte (FP8) × 1.25, combine in 16 bits', () => {
    const d = deployment('deepseek-v3', { dp: 16, ep: 16 });
    expect(dispatchValueBytes(d)).toBe(1);
    expect(alltoallBytesPerGpu(d, 128, 1, 1.25)).toBe(128 * 8 * 7168 * 1.25);
    const ops = Object.fromEntries(stepOperators(d, decode(128, 3000), 1.25).map((op) => [op.name, op]));
    expect(ops.ep_dispatch.bytes).toBe(128 * 8 * 7168 * 1 * 1.25);
    expect(ops.ep_combine.bytes).toBe(128 * 8 * 7168 * 2 * 1.25);
    // Attention TP 8 inside the rank: each GPU sends its eighth of the rank's tokens.
    const tp8 = deployment('deepseek-v3', { tp: 8, dp: 2, ep: 16 });
    expect(alltoallBytesPerGpu(tp8, 128, 2, 1)).toBe((128 / 8) * 8 * 7168 * 2);
    // bf16 experts dispatch in bf16
    expect(dispatchValueBytes(deployment('deepseek-v3', { weights: 'bf16' }))).toBe(2);
  });

  it('the decode step of a wide-EP instance has the all-to-all, and the breakdown times it over the network', () => {
    const d = deployment('deepseek-v3', { dp: 16, ep: 16 });
    const step = stepTiming(d, decode(64, 3000), presets().catalog.engines.vllm);
    const dispatch = step.ops.find((op) => op.name === 'ep_dispatch')!;
    expect(dispatch.count).toBe(58);
    expect(dispatch.bound).toBe('communication');
    expect(dispatch.seconds).toBeCloseTo(allToAllTime(d.gpu, 16, dispatch.bytes) + presets().catalog.engines.vllm.collectiveOverheadSeconds, 12);
  });
});

describe('EP inside a tensor-parallel group (ep = tp, no DP attention)', () => {
  it('has no all-to-all: every GPU holds every token, and the all-reduce combines the experts\' outputs', () => {
    const ep8 = deployment('deepseek-v3', { tp: 8, ep: 8 });
    const names = stepOperators(ep8, decode(16, 2000), 1.25).map((op) => op.name);
    expect(names).not.toContain('ep_dispatch');
    expect(names).not.toContain('ep_combine');
    expect(names).toContain('mlp_allreduce');
  });

  it('decodes about as fast as every expert split tp ways, as InferenceX measured on 8 × H200 (13.82 against 13.81 ms at 4 clients)', () => {
    const engine = presets().catalog.engines.trtllm;
    const h200 = presets().catalog.gpus.h200;
    const tpot = (ep: number) => stepTiming(deployment('deepseek-v3', { gpu: h200, tp: 8, ep }), decode(4, 1400), engine).latencySeconds;
    expect(tpot(8) / tpot(1)).toBeGreaterThan(0.95);
    expect(tpot(8) / tpot(1)).toBeLessThan(1.05);
  });
});

describe('multi-head latent attention', () => {
  it('normalises the compressed query and KV and turns the positional parts (RoPE), writing the key with the latent', () => {
    const ops = Object.fromEntries(stepOperators(deployment('deepseek-v3', { tp: 8 }), decode(4, 1400), 1.25).map((op) => [op.name, op]));
    // DeepSeek-V3: q_lora_rank 1536, kv_lora_rank 512, rope head dim 64, 128 heads / tp 8.
    expect(ops.q_norm.bytes).toBe(4 * 1536 * 3 * 2);
    expect(ops.kv_norm.bytes).toBe(4 * 512 * 3 * 2);
    expect(ops.rope_kv_write.bytes).toBe(4 * (16 * 64 + 512 + 64) * 2 * 2);
    for (const name of ['q_norm', 'kv_norm', 'rope_kv_write']) expect(ops[name].kind, name).toBe('elementwise');
  });
});

describe('FP8 releases quantise their activations before every GEMM', () => {
  const names = (d: Deployment) => stepOperators(d, decode(4, 1400), 1.25).map((op) => op.name);

  it('DeepSeek-V3 (released in FP8) on FP8 tensor cores: one quantisation pass before each weight GEMM, two for the experts', () => {
    const ops = stepOperators(deployment('deepseek-v3', { gpu: presets().catalog.gpus.h200, tp: 8 }), decode(4, 1400), 1.25);
    const byName = Object.fromEntries(ops.map((op) => [op.name, op]));
    for (const gemm of ['qkv_down', 'q_up', 'kv_up_absorb', 'o_proj', 'shared_expert_up', 'shared_expert_down', 'experts']) {
      expect(byName[`${gemm}_quant`]?.kind, gemm).toBe('elementwise');
    }
    expect(byName.experts_quant.kernels).toBe(2);
    // 16-bit GEMMs (router, LM head) need none.
    expect(byName.router_quant).toBeUndefined();
    expect(byName.lm_head_quant).toBeUndefined();
    // 4 tokens × 7168 hidden values, read in 16 bits and written in 8.
    expect(byName.qkv_down_quant.bytes).toBe(4 * 7168 * 3);
    // The experts quantise the hidden states once per token, then each routed token's share of
    // the expert's width (2048 / 8 at tp 8): 4 × 8 routed.
    expect(byName.experts_quant.bytes).toBe((4 * 7168 + 4 * 8 * (2048 / 8)) * 3);
    // TensorRT-LLM's CUTLASS MoE expands first and quantises every routed copy (engine moe_fp8_input: routed).
    const routed = stepOperators(deployment('deepseek-v3', { gpu: presets().catalog.gpus.h200, tp: 8 }), decode(4, 1400), 1.25, presets().catalog.engines.trtllm.moeFp8Input);
    expect(routed.find((op) => op.name === 'experts_quant')!.bytes).toBe((4 * 8 * 7168 + 4 * 8 * (2048 / 8)) * 3);
  });

  it('after an FP8 dispatch (DP attention with EP) the experts quantise only the down projection\'s input', () => {
    const ops = Object.fromEntries(stepOperators(deployment('deepseek-v3', { dp: 16, ep: 16 }), decode(4, 1400), 1.25).map((op) => [op.name, op]));
    expect(ops.experts_quant.kernels).toBe(1);
  });

  it('none for a 16-bit release served in FP8 (the quantisation fuses into the norm), nor where the GPU has no FP8 units', () => {
    expect(names(deployment('qwen3-32b', { gpu: presets().catalog.gpus.h200 })).some((n) => n.endsWith('_quant'))).toBe(false);
    expect(names(deployment('deepseek-v3', { gpu: presets().catalog.gpus['a100-80gb'], tp: 8 })).some((n) => n.endsWith('_quant'))).toBe(false);
  });
});

describe('expert weights and KV cache per GPU', () => {
  it('a step reads only the experts its tokens touch: E · (1 − (1 − k/E)^tokens)', () => {
    expect(expertsTouched(256, 8, 1)).toBeCloseTo(8, 9);
    expect(expertsTouched(256, 8, 4096)).toBeCloseTo(256, 6);
    const d = deployment('deepseek-v3', { dp: 16, ep: 16 });
    const experts = (batch: number) => stepOperators(d, decode(batch, 1000), 1).find((op) => op.name === 'experts')!;
    // 16 ranks × 1 token: 16 tokens over 256 experts, 1/16 of them on each GPU.
    const touched = expertsTouched(256, 8, 16) / 16;
    expect(experts(1).bytes).toBeCloseTo(touched * 3 * 7168 * 2048 + ((16 * 8) / 16) * (2 * 7168 + 2048) * 2, 3);
    expect(experts(1).bytes).toBeLessThan(experts(64).bytes);
  });

  it('EP never increases the per-GPU weight bytes; wide EP puts experts / (tp × dp) on a GPU', () => {
    const moeModels = ['deepseek-v3', 'qwen3-235b-a22b', 'gpt-oss-120b', 'llama-4-scout', 'mixtral-8x7b'];
    for (const model of moeModels) {
      const experts = presets().models.resolve(model)!.moe!.experts;
      for (const tp of [1, 2, 4, 8]) {
        const tpOnly = weightBytesPerGpu(deployment(model, { tp }));
        if (experts % tp === 0) expect(weightBytesPerGpu(deployment(model, { tp, ep: tp })), `${model} tp${tp}`).toBeLessThanOrEqual(tpOnly);
        for (const dp of [2, 4, 8]) {
          if (tp * dp > experts) continue;
          expect(weightBytesPerGpu(deployment(model, { tp, dp, ep: tp * dp })), `${model} tp${tp} dp${dp}`).toBeLessThan(tpOnly);
        }
      }
    }
  });

  it('with DP attention the MLA latent is held by its rank alone: 16 GPUs hold many times the context that TP 8 × PP 2 does', () => {
    const dp16 = deployment('deepseek-v3', { dp: 16, ep: 16 });
    const tp8pp2 = deployment('deepseek-v3', { tp: 8, pp: 2 });
    // Per GPU a token costs 61 (or 31 per stage) layers × 576 latent values, but TP holds every sequence on all 8 GPUs.
    expect(kvBytesPerTokenPerGpu(dp16)).toBe(61 * 576 * 2);
    expect(kvBytesPerTokenPerGpu(tp8pp2)).toBe(31 * 576 * 2);
    const instanceTokens = (d: Deployment, ranks: number) => ranks * memoryPlan(d, 8192).maxKvTokens;
    expect(instanceTokens(dp16, 16)).toBeGreaterThan(3 * instanceTokens(tp8pp2, 1));
  });

  it('shapes: DP attention needs an MoE model and ep = tp × dp, or ep 1 inside one node', () => {
    expect(shapeProblems(deployment('llama-3.1-70b', { dp: 2 })).join('; ')).toMatch(/attention data parallelism needs a mixture-of-experts model/);
    expect(shapeProblems(deployment('deepseek-v3', { dp: 4, ep: 2 })).join('; ')).toMatch(/ep must be 4 or 1/);
    expect(shapeProblems(deployment('deepseek-v3', { dp: 8, ep: 1 }))).toEqual([]);
    expect(shapeProblems(deployment('deepseek-v3', { tp: 2, dp: 4, ep: 1 }))).toEqual([]);
    expect(shapeProblems(deployment('deepseek-v3', { dp: 16, ep: 1 })).join('; ')).toMatch(/one h100-sxm node of 8: use ep 16/);
    expect(shapeProblems(deployment('deepseek-v3', { tp: 8, dp: 4, ep: 32 }))).toEqual([]);
    const tcp = presets().catalog.gpus['h100-sxm'];
    expect(shapeProblems({ ...deployment('deepseek-v3', { dp: 16, ep: 16 }), gpu: { ...tcp, network: { ...tcp.network, bandwidth: 0 } } }).join('; ')).toMatch(/spans nodes/);
  });
});

describe('DP attention with every expert split over the ranks (ep 1: vLLM DP without --enable-expert-parallel, SGLang without --ep-size)', () => {
  const d = deployment('deepseek-v3', { dp: 8, ep: 1 });
  const ops = stepOperators(d, decode(64, 3000), 1.25);
  const byName = Object.fromEntries(ops.map((op) => [op.name, op]));

  it('gathers every rank\'s tokens and reduces them back over all 8 GPUs: no all-to-all, no expert imbalance', () => {
    expect(ops.some((op) => op.kind === 'alltoall')).toBe(false);
    expect(byName.moe_allreduce).toMatchObject({ kind: 'allreduce', group: 8, bytes: 64 * 8 * 7168 * 2 });
    // The dense layers (3 of DeepSeek-V3's 61) run inside a rank of tp 1: nothing to reduce there.
    expect(ops.filter((op) => op.kind === 'allreduce')).toHaveLength(1);
    // Each GPU does an eighth of the routed FLOPs of all 8 × 64 tokens, every expert balanced.
    const ep8 = Object.fromEntries(stepOperators({ ...d, ep: 8 }, decode(64, 3000), 1).map((op) => [op.name, op]));
    expect(byName.experts.flops).toBeCloseTo(ep8.experts.flops, 6);
  });

  it('times the all-reduce over the 8 GPUs of the group, not the rank\'s tp 1', () => {
    const vllm = presets().catalog.engines.vllm;
    const expected = allReduceTime(d.gpu, 8, byName.moe_allreduce.bytes, vllm) + 7 * vllm.collectiveOverheadSeconds;
    expect(operatorKernelSeconds(d, vllm, byName.moe_allreduce)).toBeCloseTo(expected, 12);
    expect(expected).toBeGreaterThan(0);
  });

  it('is searched inside a node only, beside wide EP', () => {
    const shapes = parallelShapes(presets().models.resolve('deepseek-v3')!, 8, [1, 2, 4, 8], [1]);
    expect(shapes).toContainEqual({ tp: 1, pp: 1, ep: 1, dp: 8 });
    expect(shapes).toContainEqual({ tp: 1, pp: 1, ep: 8, dp: 8 });
    expect(shapes).not.toContainEqual({ tp: 1, pp: 1, ep: 1, dp: 16 });
  });

  it('estimate --dp 8 --ep 1 runs it, with the all-reduce in the breakdown', async () => {
    const result = await runPlanner(['estimate', '--model', 'deepseek-v3', '--gpu', 'h200', '--weights', 'fp8', '--concurrency', '64', '--input-tokens', '2000', '--output-tokens', '500', '--dp', '8', '--ep', '1', '--breakdown']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/8 × h200 \(tp 1, pp 1, dp 8\)/);
    expect(result.stdout).toMatch(/moe_allreduce\s+58/);
    expect(result.stdout).not.toMatch(/ep_dispatch/);
  });
});

describe('planning MoE models with EP and DP', () => {
  it('never searches EP or DP for a dense model (nor for Mixtral\'s 8 experts)', () => {
    const { models } = presets();
    for (const model of ['llama-3.1-70b', 'qwen3-32b', 'mixtral-8x7b']) {
      const shapes = parallelShapes(models.resolve(model)!, 8, [1, 2, 4, 8], [1]);
      expect(shapes.every((s) => s.ep === 1 && s.dp === 1), model).toBe(true);
    }
    const wide = parallelShapes(models.resolve('deepseek-v3')!, 8, [1, 2, 4, 8], [1]);
    expect(wide).toContainEqual({ tp: 1, pp: 1, ep: 32, dp: 32 });
    expect(wide).toContainEqual({ tp: 8, pp: 1, ep: 32, dp: 4 });
    expect(Math.max(...wide.map((s) => s.tp * s.dp * s.pp))).toBe(64);
    // GB200 NVL72: the 72-GPU NVLink domain is one node
    expect(parallelShapes(models.resolve('deepseek-v3')!, 72, [1, 2, 4, 8], [1])).toContainEqual({ tp: 1, pp: 1, ep: 72, dp: 72 });
  });

  it('a dense example plans with ep 1 and dp 1 everywhere', async () => {
    const result = await runPlanner(['plan', 'presets/examples/chat.yaml', '--no-verify', '--format', 'json']);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.pools.every((p) => p.ep === 1 && p.dp === 1)).toBe(true);
  });

  it('DeepSeek-V3 at 20 req/s on H100s: at most 48 GPUs, in pools that use EP and DP; H200 and B200 need fewer', async () => {
    const gpus = async (extra: string[] = []) => {
      const result = await runPlanner(['plan', ...BENCH, ...extra]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Plan;
    };
    const h100 = await gpus();
    expect(h100.totals.gpus).toBeLessThanOrEqual(48);
    expect(h100.pools.some((p) => (p.ep ?? 1) > 1 && (p.dp ?? 1) > 1)).toBe(true);
    for (const p of h100.pools) expect(p.gpusPerInstance).toBe(p.tp * (p.dp ?? 1) * p.pp);
    for (const gpu of ['h200', 'b200']) expect((await gpus(['--set', `planning.gpus=[${gpu}]`])).totals.gpus, gpu).toBeLessThan(h100.totals.gpus);
    // Baselines and diffs name the EP/DP shapes too, not "tp1" alone.
    expect(h100.baselines.some((b) => b.pools.some((p) => (p.dp ?? 1) > 1 && (p.ep ?? 1) > 1))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'planner-moe-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(h100));
    writeFileSync(join(dir, 'head.json'), JSON.stringify(await gpus(['--set', 'workload.rate=40/s'])));
    const diff = await runPlanner(['diff', join(dir, 'base.json'), join(dir, 'head.json'), '--format', 'table']);
    expect(diff.stdout).toMatch(/h100-sxm tp1 dp16 ep16 (prefill|decode)/);
  }, 60_000);

  it('estimate --dp with --breakdown shows the all-to-all; a shape that cannot run is refused with exit 2', async () => {
    const base = ['estimate', '--model', 'deepseek-v3', '--gpu', 'h100-sxm', '--catalog', 'test/bench/rdma-fabric.yaml', '--weights', 'fp8', '--concurrency', '64', '--input-tokens', '2000', '--output-tokens', '500'];
    const ok = await runPlanner([...base, '--dp', '16', '--ep', '16', '--breakdown']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/16 × h100-sxm \(tp 1, pp 1, ep 16, dp 16\)/);
    expect(ok.stdout).toMatch(/ep_dispatch\s+58/);
    expect(ok.stdout).toMatch(/ep_combine\s+58/);
    const bad = await runPlanner([...base, '--dp', '16', '--ep', '8']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ep must be 16 or 1/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
