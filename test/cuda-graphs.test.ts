import { describe, expect, it } from 'vitest';
import { asLaunched, cudaGraphCeiling, withCudaGraphCeiling } from '../src/perf/cuda-graphs.js';
import type { Deployment } from '../src/perf/deployment.js';
import { stepTiming } from '../src/perf/roofline.js';
import type { EngineProfile } from '../src/input/types.js';
import { cli, presets } from './helpers.js';

function deployment(model: string, gpu: string, tp = 1): Deployment {
  const { models, catalog } = presets();
  return { model: models.resolve(model)!, gpu: catalog.gpus[gpu], tp, pp: 1, ep: 1, weights: 'bf16', kvCache: 'bf16' };
}
const engines = () => presets().catalog.engines;
const decode = (d: Deployment, engine: EngineProfile, batch: number, prefill = false) =>
  stepTiming(d, { prefill: prefill ? [{ count: 1, tokens: 512, prefixTokens: 0 }] : [], decodeSequences: batch, decodeContextTokens: 600 }, engine);

describe('CUDA-graph ceilings', () => {
  it('reads each engine\'s default: SGLang by GPU memory and TP, vLLM 512 tokens, TensorRT-LLM 128', () => {
    const { sglang, vllm, trtllm } = engines();
    // sglang memory_hook.py: an L40-class GPU (48 GB) at tp 1 captures up to 32, at tp 4 up to 160.
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'l40s'))).toBe(32);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'l40s', 4))).toBe(160);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'a10g'))).toBe(48);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'h100-sxm'))).toBe(256);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'h100-sxm', 8))).toBe(512);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'h200', 2))).toBe(256);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'b200'))).toBe(512);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'mi300x'))).toBe(512);
    // Under DP attention SGLang's tp_size counts every GPU of the stage: tp 1 × dp 8 takes the tp ≥ 4 tier.
    expect(cudaGraphCeiling(sglang, { ...deployment('gpt-oss-120b', 'h100-sxm'), ep: 8, dp: 8 })).toBe(512);
    for (const gpu of ['l40s', 'h100-sxm', 'mi300x']) {
      expect(cudaGraphCeiling(vllm, deployment('llama-3.1-8b', gpu))).toBe(512);
      expect(cudaGraphCeiling(trtllm, deployment('llama-3.1-8b', gpu, 4))).toBe(128);
    }
    // vLLM counts query tokens: a verification of 3 drafts carries 4 per sequence.
    expect(cudaGraphCeiling(vllm, deployment('llama-3.1-8b', 'h100-sxm'), 4)).toBe(128);
    expect(cudaGraphCeiling(sglang, deployment('llama-3.1-8b', 'h100-sxm'), 4)).toBe(256);
    // A profile that names none (the 2023 engine of Splitwise's static batches), or no tier for the GPU, runs every batch under a graph.
    expect(cudaGraphCeiling(engines()['splitwise-2023'], deployment('llama-3.1-8b', 'h100-sxm'))).toBe(Infinity);
    const small = { ...sglang, cudaGraphMaxBatch: [{ memoryBelowBytes: 10 * 2 ** 30, batch: 8, batchAtTp4: 8 }] };
    expect(cudaGraphCeiling(small, deployment('llama-3.1-8b', 'l40s'))).toBe(Infinity);
  });

  it('plans and launches with graphs for every batch; a profile without graphs stays without', () => {
    const { vllm, sglang } = engines();
    expect(cudaGraphCeiling(asLaunched(vllm), deployment('llama-3.1-8b', 'h100-sxm'), 4)).toBe(Infinity);
    expect(cudaGraphCeiling(asLaunched(sglang), deployment('llama-3.1-8b', 'l40s'))).toBe(Infinity);
    expect(cudaGraphCeiling(asLaunched(withCudaGraphCeiling(vllm, 0)), deployment('llama-3.1-8b', 'l40s'))).toBe(0);
    expect(asLaunched(engines()['splitwise-2023'])).toBe(engines()['splitwise-2023']);
  });
});

describe('decode steps past the ceiling', () => {
  it('take the longer of the GPU\'s kernels and the host issuing them one by one', () => {
    // A 1B model on a B200: its kernels are short, so the host's issue time shows.
    const d = deployment('llama-3.2-1b', 'b200');
    const graphs = asLaunched(engines().sglang);
    const capped = withCudaGraphCeiling(engines().sglang, 32);
    expect(decode(d, capped, 32).latencySeconds).toBe(decode(d, graphs, 32).latencySeconds);
    const under = decode(d, graphs, 33);
    const eager = decode(d, capped, 33);
    const kernels = under.ops.reduce((sum, op) => sum + op.count * op.kernels, 0);
    const issue = kernels * capped.eagerLaunchSeconds!;
    expect(issue).toBeGreaterThan(under.stageSeconds);
    expect(eager.latencySeconds).toBeCloseTo(under.latencySeconds - under.stageSeconds + issue, 12);
    expect(eager.byBound.overhead - under.byBound.overhead).toBeCloseTo(issue - under.stageSeconds, 12);
    expect(eager.latencySeconds / under.latencySeconds).toBeGreaterThan(1.5);
    // An iteration that carries a prompt chunk is not a graphed decode batch: unchanged.
    expect(decode(d, capped, 33, true).latencySeconds).toBe(decode(d, graphs, 33, true).latencySeconds);
  });

  it('cost a large model nothing: its GPU work hides the launches', () => {
    const d = deployment('llama-3.1-70b', 'h100-sxm', 4);
    const vllm = engines().vllm;
    expect(decode(d, withCudaGraphCeiling(vllm, 256), 300).latencySeconds).toBe(decode(d, asLaunched(vllm), 300).latencySeconds);
  });
});

describe('planner estimate and CUDA graphs', () => {
  const args = ['estimate', '--model', 'llama-3.2-1b', '--gpu', 'l40s', '--engine', 'sglang', '--concurrency', '64', '--input-tokens', '512', '--output-tokens', '256'];

  it('says when the running batch passes the engine\'s default ceiling', () => {
    const text = cli(args);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/CUDA graphs\s+up to 32\s+sequences per rank, the sglang profile's ceiling on l40s at tp 1: larger decode batches run eagerly/);
    const json = JSON.parse(cli([...args, '--format', 'json']).stdout);
    expect(json).toMatchObject({ cudaGraphMaxBatch: 32, cudaGraphCounts: 'sequences', cudaGraphMaxSequences: 32, eagerDecode: true });
  });

  it('takes the ceiling an instance was launched with, and refuses one that is not a count', () => {
    const launched = JSON.parse(cli([...args, '--format', 'json', '--cuda-graph-max-batch', '1024']).stdout);
    expect(launched).toMatchObject({ cudaGraphMaxBatch: 1024, eagerDecode: false });
    // vLLM's ceiling is in tokens, as its flag: 512 of them are 128 sequences of a 3-draft verification.
    const vllm = ['estimate', '--model', 'llama-3.2-1b', '--gpu', 'h100-sxm', '--engine', 'vllm', '--concurrency', '200', '--input-tokens', '512', '--output-tokens', '256', '--speculative', 'ngram', '--spec-tokens', '3', '--acceptance', '0.6'];
    expect(JSON.parse(cli([...vllm, '--format', 'json', '--cuda-graph-max-batch', '512']).stdout)).toMatchObject({ cudaGraphMaxBatch: 512, cudaGraphCounts: 'tokens', cudaGraphMaxSequences: 128, eagerDecode: true });
    expect(cli([...vllm, '--cuda-graph-max-batch', '512']).stdout).toMatch(/up to 128\s+sequences per rank \(512 tokens, 4 per sequence\), as --cuda-graph-max-batch gives/);
    expect(cli([...args, '--cuda-graph-max-batch', '1024']).stdout).not.toMatch(/CUDA graphs/);
    const bad = cli([...args, '--cuda-graph-max-batch', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cuda-graph-max-batch: must be a whole number ≥ 0, got "-1"/);
  });
});
