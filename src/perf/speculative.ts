import type { EngineProfile, ModelArch, SpeculativeDecoding } from '../input/types.js';
import type { Deployment } from './deployment.js';

/**
 * Expected tokens one verification step yields with k draft tokens, each accepted with
 * probability α until the first rejection, plus the target's own token:
 * E = Σ_{j=0..k} α^j = (1 − α^(k+1)) / (1 − α) (Leviathan et al. 2023, eq. 1). 1 at α = 0.
 */
export function tokensPerStep(acceptance: number, tokens: number): number {
  if (acceptance <= 0) return 1;
  if (acceptance >= 1) return tokens + 1;
  return (1 - Math.pow(acceptance, tokens + 1)) / (1 - acceptance);
}

/** The per-token acceptance α whose expected tokens per step with k drafts is `acceptedLength` (1 ≤ L < k + 1). */
export function acceptanceForLength(acceptedLength: number, tokens: number): number {
  if (acceptedLength <= 1) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tokensPerStep(mid, tokens) < acceptedLength) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Most sequences an instance runs at once: the engine's sequence limit and, where decodes share
 * the token budget with prompt chunks (mixed scheduling: vLLM's max_num_batched_tokens and
 * TensorRT-LLM's max_num_tokens count every scheduled token), the budget's room for the k + 1
 * tokens a speculative step verifies of each sequence — past it vLLM leaves running sequences
 * out of the step. SGLang's decode batches do not draw on its prefill chunk size.
 */
export function sequenceLimit(d: Pick<Deployment, 'speculative'>, engine: Pick<EngineProfile, 'maxSequences' | 'maxBatchedTokens' | 'scheduling'>): number {
  if (!d.speculative || engine.scheduling !== 'mixed') return engine.maxSequences;
  return Math.min(engine.maxSequences, Math.max(1, Math.floor(engine.maxBatchedTokens / (d.speculative.tokens + 1))));
}

/** Tokens a deployment's decode step yields per sequence on average (1 without speculation). */
export function deploymentTokensPerStep(d: Pick<Deployment, 'speculative'>): number {
  const s = d.speculative;
  return s ? tokensPerStep(s.acceptance, s.tokens) : 1;
}

/**
 * Probabilities of the number of tokens one step yields (index j: j + 1 tokens): j drafts
 * accepted then a rejection, α^j (1 − α) for j < k; all k accepted, α^k.
 */
export function acceptedLengthDistribution(acceptance: number, tokens: number): number[] {
  const p = Array.from({ length: tokens + 1 }, (_, j) => Math.pow(acceptance, j) * (j < tokens ? 1 - acceptance : 1));
  return p;
}

/**
 * The drafter as a model of its own, timed and sized like one:
 *  - draft: the draft model;
 *  - mtp: one multi-token-prediction module — a decoder layer of the target's own kind (MLA and
 *    MoE for DeepSeek-V3, technical report §2.2) — run once per draft token (engines reuse the
 *    module for k beyond the modules the checkpoint has, as vLLM and SGLang do with DeepSeek-V3's one);
 *  - eagle: one decoder layer of the target's width with a dense MLP of the target's (dense)
 *    intermediate size (EAGLE, Li et al. 2024 §4; EAGLE-3 keeps the one layer, 2025);
 *  - ngram: none (prompt lookup runs on the host).
 * MTP and EAGLE heads reuse the target's embedding and LM head: their own weights are the one
 * layer (the input projection of 2–3 × hidden to hidden is left out: under a tenth of the layer).
 */
export function draftArch(target: ModelArch, spec: SpeculativeDecoding): ModelArch | undefined {
  if (spec.method === 'ngram') return undefined;
  if (spec.method === 'draft') return spec.draftModel;
  const { mtpLayers: _mtp, moe, ...rest } = target;
  const layer: ModelArch = { ...rest, id: `${target.id}-${spec.method}-head`, name: `${target.name} ${spec.method} head`, layers: 1, slidingWindow: undefined, linearAttention: undefined, mlpLayers: undefined, attentionOutputGate: spec.method === 'mtp' ? target.attentionOutputGate : undefined };
  if (spec.method === 'eagle' || !moe) return layer;
  return { ...layer, moe: { ...moe, denseLayers: 0 } };
}

/** Whether the drafter shares the target's embedding and LM head (an MTP or EAGLE head), so holds no vocabulary weights of its own. */
export function sharesVocabulary(spec: SpeculativeDecoding): boolean {
  return spec.method === 'mtp' || spec.method === 'eagle';
}

/**
 * The drafter as a deployment on the target's GPUs: the same tensor-parallel group (vLLM and
 * SGLang shard a draft model, EAGLE or MTP head over the target's TP ranks), one pipeline stage,
 * no speculation of its own; a draft model in its released precision, a head in the target's.
 * Undefined for ngram.
 */
export function draftDeployment(d: Deployment): Deployment | undefined {
  if (!d.speculative) return undefined;
  // Asked for every KV lookup of a speculative deployment (the simulator's engine loop among them): built once per deployment.
  if (drafters.has(d)) return drafters.get(d);
  const arch = draftArch(d.model, d.speculative);
  const tp = arch && arch.attention !== 'mla' && arch.heads % d.tp !== 0 ? largestDivisor(arch.heads, d.tp) : d.tp;
  const drafter = arch && { model: arch, gpu: d.gpu, tp, pp: 1, ep: 1, weights: d.speculative.method === 'draft' ? arch.nativePrecision : d.weights, kvCache: d.kvCache };
  drafters.set(d, drafter);
  return drafter;
}

/** The drafter of each speculative deployment object (deployments are plain data, not changed once built). */
const drafters = new WeakMap<Deployment, Deployment | undefined>();

/** Largest divisor of `heads` that is at most `tp` (a small draft model's heads may not split the target's way). */
function largestDivisor(heads: number, tp: number): number {
  for (let t = tp; t > 1; t--) if (heads % t === 0) return t;
  return 1;
}
