import { tokensPerStep } from '../perf/speculative.js';
import type { SpeculativeDecoding } from '../input/types.js';
import type { PlanSpeculative } from './plan.js';
import { round6 } from './round.js';

/** The spec's (or the flags') speculative setting as a plan records it: method, k, acceptance, tokens per step, and the draft model of a draft method. */
export function planSpeculative(s: SpeculativeDecoding): PlanSpeculative {
  return {
    method: s.method,
    tokens: s.tokens,
    acceptance: round6(s.acceptance),
    tokensPerStep: round6(tokensPerStep(s.acceptance, s.tokens)),
    given: s.given,
    draftModel: s.method === 'draft' ? s.draftModelName ?? s.draftModel?.id ?? null : null,
  };
}
