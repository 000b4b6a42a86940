import type { EngineProfile } from '../input/types.js';
import type { Deployment } from './deployment.js';
import type { StepLoad } from './operators.js';
import type { Bound, StepTiming } from './roofline.js';
import { draftDeployment, tokensPerStep } from './speculative.js';

/** What a speculative decode step is made of. */
export interface SpeculativeStep {
  /** Draft tokens per sequence (k), and the passes of the drafter that propose them. */
  draftTokens: number;
  draftSeconds: number;
  /** One decode-only draft pass (its operators, for a breakdown); absent for ngram (prompt lookup on the host). */
  draftPass?: StepTiming;
  /** The target's forward pass over k + 1 tokens per decoding sequence (with the step's prompt chunks). */
  verifySeconds: number;
  /** Tokens a sequence gains per step on average: (1 − α^(k+1)) / (1 − α). */
  tokensPerStep: number;
}

/**
 * A decode iteration under speculative decoding, as vLLM, SGLang and TensorRT-LLM run it: k
 * passes of the drafter over the decoding sequences (the first also over the step's prompt
 * chunks, which the drafter must see to build its own KV cache), then one pass of the target
 * over k + 1 tokens of each sequence, all reading that sequence's one context — the same
 * weight reads as a plain decode step with (k + 1)× the GEMM rows, so nearly free at small
 * batch and compute-bound at large. Draft passes carry no host overhead of their own (engines
 * run them inside the iteration, under CUDA graphs). `time` is one plain forward pass.
 */
export function speculativeStepTiming(
  d: Deployment,
  load: StepLoad,
  engine: EngineProfile,
  time: (d: Deployment, load: StepLoad, engine: EngineProfile) => StepTiming,
): StepTiming {
  const spec = d.speculative!;
  const k = spec.tokens;
  const verify = time(d, { ...load, queryTokensPerSequence: k + 1 }, engine);
  const drafter = draftDeployment(d);
  let draftSeconds = 0;
  let draftPass: StepTiming | undefined;
  const byBound: Record<Bound, number> = { ...verify.byBound };
  if (drafter) {
    const inIteration = { ...engine, stepOverheadSeconds: 0, prefillLayerOverheadSeconds: 0 };
    const decodeOnly = { prefill: [], decodeSequences: load.decodeSequences, decodeContextTokens: load.decodeContextTokens };
    draftPass = time(drafter, decodeOnly, inIteration);
    const first = load.prefill.length > 0 ? time(drafter, { ...decodeOnly, prefill: load.prefill }, inIteration) : draftPass;
    draftSeconds = first.latencySeconds + (k - 1) * draftPass.latencySeconds;
    for (const b of Object.keys(byBound) as Bound[]) byBound[b] += first.byBound[b] + (k - 1) * draftPass.byBound[b];
  }
  const bound = (Object.keys(byBound) as Bound[]).reduce((a, b) => (byBound[b] > byBound[a] ? b : a));
  return {
    ...verify,
    latencySeconds: verify.latencySeconds + draftSeconds,
    byBound,
    bound,
    speculative: { draftTokens: k, draftSeconds, ...(draftPass ? { draftPass } : {}), verifySeconds: verify.latencySeconds, tokensPerStep: tokensPerStep(spec.acceptance, k) },
  };
}
