import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../src/plan/plan.js';
import { ROOT } from './helpers.js';
import { runPlanner } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'planner-spec-deploy-'));

/** Flags of an engine's real command line (test/fixtures/engine-flags, source and version in each). */
function flagList(name: string): Set<string> {
  const text = readFileSync(join(ROOT, 'test/fixtures/engine-flags', `${name}.txt`), 'utf8');
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
}
const FLAGS = { vllm: flagList('vllm'), sglang: flagList('sglang'), trtllm: flagList('trtllm') };
const TRTLLM_OPTIONS = flagList('trtllm-extra-options');

const NVIDIA = ['--set', 'planning.gpus=[h100-sxm, h200]'];
const block = (method: string, k: number, more: string[]) => ['--set', `speculative.method=${method}`, '--set', `speculative.tokens=${k}`, ...more.flatMap((m) => ['--set', `speculative.${m}`])];
/** Chat plans with speculative decoding (NVIDIA GPUs, so TensorRT-LLM renders them too), planned without verification. */
const PLANS: Record<string, string[]> = {
  eagle: [...NVIDIA, ...block('eagle', 3, ['acceptance=0.7'])],
  draft: [...NVIDIA, ...block('draft', 4, ['acceptance=0.6', 'draft_model=llama-3.2-1b'])],
  ngram: [...NVIDIA, ...block('ngram', 3, ['accepted_length=1.5'])],
  none: NVIDIA,
};
const paths = new Map<string, string>();

beforeAll(async () => {
  for (const [name, args] of Object.entries(PLANS)) {
    const path = join(dir, `${name}.json`);
    const result = await runPlanner(['plan', 'presets/examples/chat.yaml', ...args, '--no-verify', '--format', 'json', '--out', path]);
    expect(result.code, result.stderr).toBe(0);
    paths.set(name, path);
  }
}, 120_000);

const HEAD = '/models/eagle3-llama-3.1-70b';

/** The launch script `planner deploy` prints for a plan and engine, or its refusal. */
async function deploy(name: string, target: string, extra: string[] = []) {
  return runPlanner(['deploy', paths.get(name)!, '--target', target, ...extra]);
}

/** The server flags of a launch script (lines that start with --). */
const scriptFlags = (script: string) => [...script.matchAll(/^\s+(--[a-z][\w-]*)/gm)].map((m) => m[1]!);

/** The extra-options documents of a TensorRT-LLM script. */
const trtllmDocs = (script: string) => [...script.matchAll(/<<'PLANNER_EOF'\n([\s\S]*?)PLANNER_EOF/g)].map((m) => m[1]!).filter((t) => !t.trimStart().startsWith('{')).map((t) => parse(t) as Record<string, any>);

const keys = (obj: Record<string, unknown>, prefix = ''): string[] =>
  Object.entries(obj).flatMap(([k, v]) => [`${prefix}${k}`, ...(v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [])]);

describe('planner deploy: speculative decoding', () => {
  it('gives vLLM the EAGLE head in --speculative-config, with k draft tokens', async () => {
    const plan = JSON.parse(readFileSync(paths.get('eagle')!, 'utf8')) as Plan;
    expect(plan.speculative).toMatchObject({ method: 'eagle', tokens: 3 });
    const result = await deploy('eagle', 'vllm', ['--draft-model-path', HEAD]);
    expect(result.code, result.stderr).toBe(0);
    const configs = [...result.stdout.matchAll(/--speculative-config '([^']+)'/g)].map((m) => JSON.parse(m[1]!));
    expect(configs.length).toBe(plan.pools.length);
    for (const config of configs) expect(config).toEqual({ method: 'eagle3', model: HEAD, num_speculative_tokens: 3 });
    // vLLM's CUDA-graph capture sizes count tokens: k + 1 per decoding sequence, within the token budget.
    const captures = [...result.stdout.matchAll(/--max-cudagraph-capture-size (\d+)/g)].map((m) => Number(m[1]));
    expect(captures).toEqual(plan.pools.map((p) => Math.min(4 * p.launch.maxNumSeqs, p.launch.maxNumBatchedTokens)));
    for (const flag of scriptFlags(result.stdout)) expect(FLAGS.vllm.has(flag), flag).toBe(true);
    expect(result.stdout).toContain(`# Drafting: speculative decoding with EAGLE head ${HEAD}, 3 draft tokens per step.`);
  });

  it('gives SGLang the algorithm, k steps of one token and k + 1 verified tokens', async () => {
    const result = await deploy('eagle', 'sglang', ['--draft-model-path', 'org/EAGLE-llama-head']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/--speculative-algorithm EAGLE \\\n\s+--speculative-draft-model-path org\/EAGLE-llama-head \\\n\s+--speculative-num-steps 3 \\\n\s+--speculative-eagle-topk 1 \\\n\s+--speculative-num-draft-tokens 4/);
    for (const flag of scriptFlags(result.stdout)) expect(FLAGS.sglang.has(flag), flag).toBe(true);
  });

  it('writes TensorRT-LLM\'s speculative_config with real keys only', async () => {
    const eagle = await deploy('eagle', 'trtllm', ['--draft-model-path', HEAD]);
    expect(eagle.code, eagle.stderr).toBe(0);
    const draft = await deploy('draft', 'trtllm');
    const ngram = await deploy('ngram', 'trtllm');
    for (const result of [eagle, draft, ngram]) {
      expect(result.code, result.stderr).toBe(0);
      for (const flag of scriptFlags(result.stdout)) expect(FLAGS.trtllm.has(flag), flag).toBe(true);
      for (const doc of trtllmDocs(result.stdout)) for (const key of keys(doc)) expect(TRTLLM_OPTIONS.has(key), key).toBe(true);
    }
    expect(trtllmDocs(eagle.stdout)[0]!.speculative_config).toEqual({ decoding_type: 'Eagle', max_draft_len: 3, speculative_model_dir: HEAD });
    // The draft model is the plan's, as its preset's Hugging Face id.
    expect(trtllmDocs(draft.stdout)[0]!.speculative_config).toEqual({ decoding_type: 'DraftTarget', max_draft_len: 4, speculative_model_dir: 'meta-llama/Llama-3.2-1B-Instruct' });
    expect(trtllmDocs(ngram.stdout)[0]!.speculative_config).toEqual({ decoding_type: 'NGram', max_draft_len: 3, max_matching_ngram_size: 5 });
  });

  it('carries the settings into Kubernetes and llm-d', async () => {
    const k8s = await deploy('eagle', 'k8s', ['--draft-model-path', HEAD]);
    expect(k8s.code, k8s.stderr).toBe(0);
    expect(k8s.stdout).toContain(`- '{"method":"eagle3","model":"${HEAD}","num_speculative_tokens":3}'`);
    const llmd = await deploy('ngram', 'llm-d');
    expect(llmd.code, llmd.stderr).toBe(0);
    expect(llmd.stdout).toContain('{"method":"ngram","num_speculative_tokens":3,"prompt_lookup_max":5,"prompt_lookup_min":5}');
  });

  it('refuses an EAGLE plan without its head, and methods an engine does not run, with exit 2 naming the pool', async () => {
    const noHead = await deploy('eagle', 'vllm');
    expect(noHead.code).toBe(2);
    expect(noHead.stderr).toMatch(/the plan speculates with an EAGLE head: give its checkpoint with --draft-model-path/);
    expect(noHead.stdout).toBe('');
    const draft = await deploy('draft', 'vllm');
    expect(draft.code).toBe(2);
    expect(draft.stderr).toMatch(/pool h\w+-sxm\/tp\d\/pp1\/colocated: vLLM v0\.11 runs no draft-model speculation/);
    expect(draft.stderr).not.toMatch(/at .*\.ts:\d+/);
    const stray = await deploy('none', 'vllm', ['--draft-model-path', HEAD]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--draft-model-path: the plan has no speculative decoding/);
  });

  it('leaves a plan without speculation as it was', async () => {
    const result = await deploy('none', 'vllm');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/speculative|Drafting/);
  });
});

describe('planner simulate --plan: speculative decoding must be the spec\'s', () => {
  it('refuses a plan whose speculative block differs from the spec\'s, either way, with exit 2 naming both', async () => {
    const simulate = (plan: string, more: string[]) => runPlanner(['simulate', 'presets/examples/chat.yaml', '--plan', paths.get(plan)!, ...NVIDIA, ...more, '--duration', '10s']);
    const specHasNone = await simulate('eagle', []);
    expect(specHasNone.code).toBe(2);
    expect(specHasNone.stderr).toMatch(/the plan assumes speculative decoding eagle, k=3, acceptance 0\.7 \(2\.53 tokens per step\), the spec has no speculative decoding/);
    const otherK = await simulate('eagle', block('eagle', 4, ['acceptance=0.7']));
    expect(otherK.code).toBe(2);
    expect(otherK.stderr).toMatch(/the spec asks for speculative decoding eagle, k=4, acceptance 0\.7/);
    const otherAcceptance = await simulate('eagle', block('eagle', 3, ['acceptance=0.8']));
    expect(otherAcceptance.code).toBe(2);
    expect(otherAcceptance.stderr).toMatch(/acceptance 0\.8 \(2\.95 tokens per step\)/);
    const planHasNone = await simulate('none', block('ngram', 3, ['accepted_length=1.5']));
    expect(planHasNone.code).toBe(2);
    expect(planHasNone.stderr).toMatch(/the plan assumes no speculative decoding, the spec asks for speculative decoding ngram, k=3, acceptance [\d.]+ \(1\.50 tokens per step\)/);
    const same = await simulate('eagle', block('eagle', 3, ['acceptance=0.7']));
    expect(same.stderr).not.toMatch(/speculative decoding/);
    expect([0, 1]).toContain(same.code);
  }, 60_000);
});
