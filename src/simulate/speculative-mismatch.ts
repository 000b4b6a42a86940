import { tokensPerStep } from '../perf/speculative.js';
import type { PlanSpeculative } from '../plan/plan.js';
import { planSpeculative } from '../plan/plan-speculative.js';
import { round6 } from '../plan/round.js';
import type { SpeculativeDecoding } from '../input/types.js';

/** A speculative setting in words: `eagle, k=3, acceptance 0.7 (2.53 tokens per step)` (and the draft model), or `no speculative decoding`. */
function describe(s: { method: string; tokens: number; acceptance: number; draftModel: string | null } | undefined): string {
  if (!s) return 'no speculative decoding';
  return `speculative decoding ${s.method}, k=${s.tokens}, acceptance ${round6(s.acceptance)} (${tokensPerStep(s.acceptance, s.tokens).toFixed(2)} tokens per step)${s.draftModel ? `, draft model ${s.draftModel}` : ''}`;
}

/**
 * Why a plan's speculative decoding is not the spec's (null: the same, or neither has one): the
 * plan was sized for its method, k and acceptance, so simulating it under another says nothing.
 */
export function speculativeMismatch(plan: PlanSpeculative | undefined, spec: SpeculativeDecoding | undefined): string | null {
  const fromSpec = spec && planSpeculative(spec);
  if (!plan && !fromSpec) return null;
  const same = plan && fromSpec && plan.method === fromSpec.method && plan.tokens === fromSpec.tokens && Math.abs(plan.acceptance - fromSpec.acceptance) < 1e-6 && (plan.draftModel ?? null) === fromSpec.draftModel;
  return same ? null : `the plan assumes ${describe(plan)}, the spec ${fromSpec ? 'asks for ' : 'has '}${describe(fromSpec)}`;
}
