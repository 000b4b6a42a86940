/**
 * The plan's speculative decoding as each engine is told it: vLLM's `--speculative-config` JSON,
 * SGLang's `--speculative-*` flags, TensorRT-LLM's `speculative_config`, and the pools an engine
 * cannot run so. Chain drafting throughout (one draft token per step, k steps), as the plan timed it.
 */
import type { PlanPool, PlanSpeculative } from '../plan/plan.js';
import type { DeployEngine, DeploySpeculative } from './types.js';

/** Whether an EAGLE checkpoint is an EAGLE-3 head, by its name (EAGLE3, eagle-3, Eagle3...). */
export function isEagle3(path: string): boolean {
  return /eagle-?3/i.test(path);
}

/**
 * The checkpoint the drafter loads and the problem where there is none: the EAGLE head or draft
 * model from --draft-model-path, else (method draft) the plan's draft model as a Hugging Face id.
 * MTP modules live in the target's checkpoint and n-gram lookup has none.
 */
export function deploySpeculative(plan: PlanSpeculative, draftModelPath: string | undefined, draftCheckpoint: string | undefined): DeploySpeculative {
  const draftPath = plan.method === 'eagle' || plan.method === 'draft' ? draftModelPath ?? (plan.method === 'draft' ? draftCheckpoint : undefined) ?? null : null;
  return { method: plan.method, tokens: plan.tokens, draftPath };
}

/** What the drafter lacks to launch at all, on any engine (empty: nothing). */
export function drafterProblems(spec: DeploySpeculative): string[] {
  const problems: string[] = [];
  if (spec.method === 'eagle' && spec.draftPath === null) {
    problems.push('the plan speculates with an EAGLE head: give its checkpoint with --draft-model-path (an EAGLE or EAGLE-3 head trained for this model, e.g. yuhuili/EAGLE3-LLaMA3.1-Instruct-8B for Llama 3.1 8B); deploy writes no launch that would run without it');
  }
  if (spec.method === 'draft' && spec.draftPath === null) {
    problems.push('the plan\'s draft model names no Hugging Face checkpoint: give the one to load with --draft-model-path');
  }
  return problems;
}

/** Why an engine cannot launch a pool with the plan's speculative decoding (empty: it can). */
export function speculativeProblems(spec: DeploySpeculative, engine: DeployEngine, pool: PlanPool): string[] {
  const problems: string[] = [];
  switch (engine) {
    case 'vllm':
      // V1 refuses method draft_model in v0.11 ("Draft model speculative decoding is not supported yet").
      if (spec.method === 'draft') problems.push('vLLM v0.11 runs no draft-model speculation (its V1 engine refuses method draft_model): deploy it with --target sglang (STANDALONE) or --target trtllm (DraftTarget)');
      if (pool.pp > 1) problems.push(`vLLM does not run speculative decoding with pipeline parallelism (pp ${pool.pp}): re-plan without pipeline stages or deploy it with --target sglang`);
      break;
    case 'sglang':
      if (spec.method === 'ngram' && (pool.dp ?? 1) > 1) problems.push(`SGLang's NGRAM speculation does not run with DP attention (dp ${pool.dp}): use --target vllm`);
      break;
    case 'trtllm':
      // Every method has a decoding_type; the PyTorch backend's Eagle is EAGLE-3 (see trtllmSpeculativeConfig).
      break;
  }
  return problems;
}

/** vLLM's MTP method for the plan's model: DeepSeek-V3's own loader (deepseek_mtp) for DeepSeek models, else the generic `mtp`. */
function vllmMtpMethod(modelId: string): string {
  return /deepseek/i.test(modelId) ? 'deepseek_mtp' : 'mtp';
}

/** vLLM's `--speculative-config` (SpeculativeConfig of v0.11: method, model, num_speculative_tokens, prompt_lookup_max/min). */
export function vllmSpeculativeConfig(spec: DeploySpeculative, modelId: string): string {
  const k = spec.tokens;
  switch (spec.method) {
    case 'eagle':
      return JSON.stringify({ method: isEagle3(spec.draftPath ?? '') ? 'eagle3' : 'eagle', model: spec.draftPath, num_speculative_tokens: k });
    case 'mtp':
      return JSON.stringify({ method: vllmMtpMethod(modelId), num_speculative_tokens: k });
    case 'ngram':
      // vLLM's own defaults (5 and 5 when neither is given), written out so the script says what it runs.
      return JSON.stringify({ method: 'ngram', num_speculative_tokens: k, prompt_lookup_max: 5, prompt_lookup_min: 5 });
    case 'draft':
      return JSON.stringify({ method: 'draft_model', model: spec.draftPath, num_speculative_tokens: k });
  }
}

/** SGLang's speculative flags: the algorithm, k steps of one draft token (top-k 1), k + 1 tokens verified, the draft checkpoint. */
export function sglangSpeculativeFlags(spec: DeploySpeculative): Array<[string, string | number | undefined]> {
  const k = spec.tokens;
  const algorithm = { eagle: isEagle3(spec.draftPath ?? '') ? 'EAGLE3' : 'EAGLE', mtp: 'NEXTN', draft: 'STANDALONE', ngram: 'NGRAM' }[spec.method];
  const chain = spec.method !== 'ngram';
  return [
    ['--speculative-algorithm', algorithm],
    // MTP (NEXTN) loads the modules from the target's own checkpoint.
    ['--speculative-draft-model-path', spec.draftPath ?? undefined],
    ['--speculative-num-steps', chain ? k : undefined],
    ['--speculative-eagle-topk', chain ? 1 : undefined],
    ['--speculative-num-draft-tokens', k + 1],
  ];
}

/** TensorRT-LLM's `speculative_config` (LLM API DecodingBaseConfig subclasses, chosen by decoding_type). */
export function trtllmSpeculativeConfig(spec: DeploySpeculative): Record<string, string | number> {
  const k = spec.tokens;
  switch (spec.method) {
    case 'eagle':
      return { decoding_type: 'Eagle', max_draft_len: k, speculative_model_dir: spec.draftPath ?? '' };
    case 'mtp':
      // The checkpoint's one MTP module run k times (MTP_EAGLE mode): max_draft_len follows num_nextn_predict_layers.
      return { decoding_type: 'MTP', num_nextn_predict_layers: k };
    case 'ngram':
      return { decoding_type: 'NGram', max_draft_len: k, max_matching_ngram_size: 5 };
    case 'draft':
      return { decoding_type: 'DraftTarget', max_draft_len: k, speculative_model_dir: spec.draftPath ?? '' };
  }
}

/** The speculative setting in a line, for script and manifest headers. */
export function speculativeSummary(spec: DeploySpeculative): string {
  const drafter = spec.method === 'eagle' ? `EAGLE head ${spec.draftPath}` : spec.method === 'draft' ? `draft model ${spec.draftPath}` : spec.method === 'mtp' ? 'the model\'s MTP module' : 'prompt n-gram lookup';
  return `speculative decoding with ${drafter}, ${spec.tokens} draft tokens per step`;
}
