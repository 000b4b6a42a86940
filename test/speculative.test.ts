import { describe, expect, it } from 'vitest';
import { formatIssue } from '../src/input/issues.js';
import { predictStaticBatch } from '../src/perf/serving.js';
import type { Deployment } from '../src/perf/deployment.js';
import { memoryPlan } from '../src/perf/memory.js';
import { acceptanceForLength, acceptedLengthDistribution, sequenceLimit, tokensPerStep } from '../src/perf/speculative.js';
import { instanceModel } from '../src/perf/open-loop.js';
import { instanceTiming } from '../src/simulate/timing.js';
import { stepTiming } from '../src/perf/roofline.js';
import type { SpeculativeDecoding } from '../src/input/types.js';
import { MINIMAL_SPEC, cli, presets, specFromText } from './helpers.js';

const SHAPE = { inputTokens: 1000, outputTokens: 200 };

function deployment(model: string, gpu: string, tp: number, speculative?: SpeculativeDecoding): Deployment {
  const m = presets().models.resolve(model)!;
  return { model: m, gpu: presets().catalog.gpus[gpu], tp, pp: 1, ep: 1, weights: m.nativePrecision, kvCache: 'bf16', ...(speculative ? { speculative } : {}) };
}

const eagle = (acceptance: number, tokens = 3): SpeculativeDecoding => ({ method: 'eagle', tokens, acceptance, given: 'acceptance' });

function tpot(d: Deployment, batch: number): number {
  const p = predictStaticBatch(d, batch, SHAPE, presets().catalog.engines.vllm);
  if ('reason' in p) throw new Error(p.reason);
  return p.tpotSeconds;
}

describe('tokens per step', () => {
  it('is (1 − α^(k+1)) / (1 − α), by hand', () => {
    // α = 0.8, k = 3: 1 + 0.8 + 0.64 + 0.512 = 2.952.
    expect(tokensPerStep(0.8, 3)).toBeCloseTo(2.952, 12);
    // α = 0.7, k = 3: 1 + 0.7 + 0.49 + 0.343 = 2.533.
    expect(tokensPerStep(0.7, 3)).toBeCloseTo(2.533, 12);
    // α = 0.5, k = 1: 1.5; α = 0: 1 whatever k.
    expect(tokensPerStep(0.5, 1)).toBeCloseTo(1.5, 12);
    expect(tokensPerStep(0, 5)).toBe(1);
  });

  it('inverts: the acceptance for an accepted length gives that length back', () => {
    expect(acceptanceForLength(2.952, 3)).toBeCloseTo(0.8, 9);
    expect(acceptanceForLength(1, 3)).toBe(0);
  });

  it('has a truncated-geometric distribution whose mean is the tokens per step', () => {
    const p = acceptedLengthDistribution(0.7, 3);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p.reduce((sum, x, j) => sum + x * (j + 1), 0)).toBeCloseTo(tokensPerStep(0.7, 3), 12);
  });
});

describe('speculative decode steps', () => {
  it('an absent block leaves step times and memory exactly as they were', () => {
    const plain = deployment('llama-3.1-8b', 'h100-sxm', 1);
    const same = { ...plain, speculative: undefined };
    const load = { prefill: [], decodeSequences: 32, decodeContextTokens: 1100 };
    expect(stepTiming(same, load, presets().catalog.engines.vllm)).toEqual(stepTiming(plain, load, presets().catalog.engines.vllm));
    expect(memoryPlan(same, 8192)).toEqual(memoryPlan(plain, 8192));
  });

  it('at batch 1, EAGLE k=3 α=0.8 cuts TPOT by about the accepted length less the draft passes', () => {
    const plain = deployment('llama-3.1-70b', 'h100-sxm', 4);
    const spec = deployment('llama-3.1-70b', 'h100-sxm', 4, eagle(0.8));
    const step = stepTiming(spec, { prefill: [], decodeSequences: 1, decodeContextTokens: 1100 }, presets().catalog.engines.vllm);
    const s = step.speculative!;
    // By hand: the 80-layer target reads the same weights for 4 tokens as for 1 (memory-bound at
    // batch 1), so verification ≈ a plain step; the one-layer head costs ~1/80 of the layers plus the
    // LM head per pass. TPOT = (verify + 3 drafts) / 2.952.
    const plainTpot = tpot(plain, 1);
    expect(s.verifySeconds / plainTpot).toBeGreaterThan(0.98);
    expect(s.verifySeconds / plainTpot).toBeLessThan(1.15);
    expect(s.draftSeconds / plainTpot).toBeGreaterThan(0.03);
    expect(s.draftSeconds / plainTpot).toBeLessThan(0.3);
    const speedup = plainTpot / tpot(spec, 1);
    expect(speedup).toBeCloseTo((2.952 * plainTpot) / (s.verifySeconds + s.draftSeconds), 6);
    expect(speedup).toBeGreaterThan(2.2);
    expect(speedup).toBeLessThan(2.952);
  });

  it('at large batch the verification pass is compute-bound and the gain shrinks', () => {
    const plain = deployment('llama-3.1-8b', 'h100-sxm', 1);
    const spec = deployment('llama-3.1-8b', 'h100-sxm', 1, eagle(0.8));
    const small = tpot(plain, 1) / tpot(spec, 1);
    const large = tpot(plain, 160) / tpot(spec, 160);
    expect(large).toBeLessThan(small);
  });

  it('acceptance 0 never helps: TPOT at least as long as without, at any batch and method', () => {
    for (const method of ['eagle', 'ngram', 'draft'] as const) {
      const s: SpeculativeDecoding = { method, tokens: 4, acceptance: 0, given: 'acceptance', ...(method === 'draft' ? { draftModel: presets().models.resolve('llama-3.2-1b')! } : {}) };
      for (const batch of [1, 16, 128]) {
        expect(tpot(deployment('llama-3.1-8b', 'h100-sxm', 1, s), batch)).toBeGreaterThanOrEqual(tpot(deployment('llama-3.1-8b', 'h100-sxm', 1), batch));
      }
    }
  });

  it('a draft model costs weights and KV room; prompt lookup costs neither', () => {
    const plain = memoryPlan(deployment('llama-3.1-8b', 'h100-sxm', 1), 8192);
    const draft = memoryPlan(deployment('llama-3.1-8b', 'h100-sxm', 1, { method: 'draft', tokens: 4, acceptance: 0.6, given: 'acceptance', draftModel: presets().models.resolve('llama-3.2-1b')! }), 8192);
    const ngram = memoryPlan(deployment('llama-3.1-8b', 'h100-sxm', 1, { method: 'ngram', tokens: 4, acceptance: 0.6, given: 'acceptance' }), 8192);
    // Llama 3.2 1B in bf16: ~2.5 GB of weights (1.24B parameters).
    expect((draft.weightBytes - plain.weightBytes) / 1e9).toBeGreaterThan(2.2);
    expect((draft.weightBytes - plain.weightBytes) / 1e9).toBeLessThan(2.8);
    expect(draft.kvBytesPerToken).toBeGreaterThan(plain.kvBytesPerToken);
    expect(ngram).toEqual(plain);
  });

  it('MTP on DeepSeek-V3 drafts with one MLA + MoE layer', () => {
    const mtp: SpeculativeDecoding = { method: 'mtp', tokens: 1, acceptance: 0.85, given: 'acceptance' };
    const d = deployment('deepseek-v3', 'h200', 8, mtp);
    const step = stepTiming(d, { prefill: [], decodeSequences: 8, decodeContextTokens: 3000 }, presets().catalog.engines.vllm);
    expect(step.speculative!.draftPass!.ops.map((o) => o.name)).toContain('experts');
    expect(step.speculative!.tokensPerStep).toBeCloseTo(1.85, 12);
  });
});

describe('the token budget bounds the running sequences of a speculating engine', () => {
  const engines = () => presets().catalog.engines;
  it('vLLM and TensorRT-LLM verify k + 1 tokens of each sequence out of their token budget; SGLang decodes outside its chunk size', () => {
    const d = deployment('llama-3.1-8b', 'h100-sxm', 1, eagle(0.7, 15));
    // 8,192 tokens a step over 16 tokens a sequence.
    expect(sequenceLimit(d, engines().vllm)).toBe(512);
    expect(sequenceLimit(d, engines().trtllm)).toBe(512);
    expect(sequenceLimit(d, engines().sglang)).toBe(engines().sglang.maxSequences);
    // k = 3: 2,048 sequences would fit the budget, the engine's own limit binds.
    expect(sequenceLimit(deployment('llama-3.1-8b', 'h100-sxm', 1, eagle(0.7, 3)), engines().vllm)).toBe(engines().vllm.maxSequences);
    expect(sequenceLimit(deployment('llama-3.1-8b', 'h100-sxm', 1), engines().vllm)).toBe(engines().vllm.maxSequences);
  });

  it('the load model and the simulator hold no more sequences than the budget runs', () => {
    const d = deployment('llama-3.1-8b', 'h100-sxm', 1, eagle(0.7, 15));
    const model = instanceModel(d, engines().vllm, 'colocated', { inputTokens: 200, outputTokens: 100 });
    if ('reason' in model) throw new Error(model.reason);
    expect(model.maxSequences).toBe(512);
    expect(instanceTiming(d, engines().vllm, [250], 200).maxSequences).toBe(512);
  });

  it('estimate names the token budget, not KV room, as what holds the others back', () => {
    const out = cli(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--concurrency', '2000', '--input-tokens', '200', '--output-tokens', '100', '--speculative', 'ngram', '--spec-tokens', '15', '--accepted-length', '2']).stdout;
    expect(out).toMatch(/512 running +the engine runs at most 512 sequences \(its 8192-token budget over 16 tokens each\)/);
    expect(out).toMatch(/1488 requests wait for a running slot/);
    const json = JSON.parse(cli(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--concurrency', '2000', '--input-tokens', '200', '--output-tokens', '100', '--speculative', 'ngram', '--spec-tokens', '15', '--accepted-length', '2', '--format', 'json']).stdout);
    expect(json).toMatchObject({ maxSequences: 512, maxSequencesBound: 'token-budget' });
    expect(JSON.parse(cli(['estimate', '--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--tp', '2', '--concurrency', '500', '--input-tokens', '4000', '--output-tokens', '1000', '--format', 'json']).stdout).maxSequencesBound).toBe('kv-cache');
    // Per attention-DP rank: eight ranks' KV room, not the per-rank sequence limit, holds 2,368.
    const dp = cli(['estimate', '--model', 'deepseek-v3', '--gpu', 'h200', '--tp', '1', '--dp', '8', '--ep', '8', '--weights', 'fp8', '--concurrency', '4000', '--input-tokens', '1000', '--output-tokens', '1000']).stdout;
    expect(dp).toMatch(/2368 running +KV room for 2368 sequences of this size/);
    expect(cli(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--mode', 'static', '--concurrency', '8', '--input-tokens', '1000', '--output-tokens', '100']).stdout).toMatch(/8 running +one static batch/);
  });

  it('a plan launches vLLM with that many sequences', async () => {
    const plan = JSON.parse(cli(['plan', 'presets/examples/chat.yaml', '--set', 'speculative.method=ngram', '--set', 'speculative.tokens=15', '--set', 'speculative.accepted_length=2', '--no-verify', '--format', 'json']).stdout);
    expect(plan.pools.length).toBeGreaterThan(0);
    for (const pool of plan.pools) expect(pool.launch.maxNumSeqs).toBe(512);
  });
});

describe('the speculative block of a spec', () => {
  const issues = (block: string, model = 'llama-3.1-8b') =>
    specFromText(MINIMAL_SPEC.replace('model: llama-3.1-8b', `model: ${model}\nspeculative:\n${block}`)).issues.map((i) => formatIssue(i));

  it('reads acceptance, or derives it from accepted_length', () => {
    const ok = specFromText(MINIMAL_SPEC.replace('model: llama-3.1-8b', 'model: llama-3.1-8b\nspeculative: { method: eagle, tokens: 3, accepted_length: 2.952 }'));
    expect(ok.issues).toEqual([]);
    expect(ok.value!.speculative!.acceptance).toBeCloseTo(0.8, 9);
    expect(ok.value!.speculative!.given).toBe('accepted_length');
  });

  it('refuses bad blocks at their line', () => {
    expect(issues('  method: eagle\n  tokens: 3\n')).toEqual([expect.stringMatching(/^spec\.yaml:2:\d+: speculative: missing acceptance/)]);
    expect(issues('  method: eagle\n  tokens: 3\n  acceptance: 1\n')).toEqual([expect.stringMatching(/^spec\.yaml:5:\d+: speculative\.acceptance: must be a per-token acceptance probability from 0 to under 1, got 1/)]);
    expect(issues('  method: eagle\n  tokens: 3\n  acceptance: -0.1\n')[0]).toMatch(/speculative\.acceptance: must be/);
    expect(issues('  method: eagle\n  tokens: 3\n  accepted_length: 4\n')[0]).toMatch(/speculative\.accepted_length: must be the mean tokens per step, from 1 to under k \+ 1 = 4/);
    expect(issues('  method: draft\n  tokens: 3\n  acceptance: 0.7\n')).toEqual([expect.stringMatching(/^spec\.yaml:3:\d+: speculative\.method: method draft needs draft_model/)]);
    expect(issues('  method: draft\n  tokens: 3\n  acceptance: 0.7\n  draft_model: llama-9-tiny\n')[0]).toMatch(/speculative\.draft_model: unknown draft model "llama-9-tiny"/);
    expect(issues('  method: mtp\n  tokens: 1\n  acceptance: 0.7\n')[0]).toMatch(/speculative\.method: llama-3\.1-8b has no multi-token-prediction layers/);
    expect(issues('  method: mtp\n  tokens: 1\n  acceptance: 0.7\n', 'deepseek-v3')).toEqual([]);
  });

  it('the CLI exits 2 with file:line and no stack trace', () => {
    const r = cli(['validate', 'test/fixtures/speculative/mtp-without-layers.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mtp-without-layers\.yaml:4:\d+: speculative\.method: llama-3\.1-8b has no multi-token-prediction layers/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
