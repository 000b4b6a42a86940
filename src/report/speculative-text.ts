import type { PlanSpeculative } from '../plan/plan.js';

/**
 * What a plan assumed of speculative decoding, in a line:
 * "speculative decoding: eagle, k=3, acceptance 0.7 (given by the spec) → 2.53 tokens per step".
 */
export function speculativeLine(s: PlanSpeculative, esc: (text: string) => string, givenBy = ' by the spec'): string {
  const what = s.method === 'draft' && s.draftModel ? `draft model ${esc(s.draftModel)}` : s.method;
  const given = s.given === 'acceptance'
    ? `acceptance ${round(s.acceptance, 3)} (given${givenBy})`
    : `accepted length ${round(s.tokensPerStep, 3)} (given${givenBy}; acceptance ${round(s.acceptance, 3)})`;
  return `speculative decoding: ${what}, k=${s.tokens}, ${given} → ${round(s.tokensPerStep, 2)} ${s.tokensPerStep === 1 ? 'token' : 'tokens'} per step`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
