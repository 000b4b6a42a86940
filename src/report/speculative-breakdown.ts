import type { StepTiming } from '../perf/roofline.js';
import { breakdownText } from './estimate-report.js';
import { formatDuration } from './format.js';

/**
 * A speculative decode step in parts: the k draft passes (one pass's operators), the target's
 * verification over k + 1 tokens per sequence, and what a token costs (the step over the tokens it yields).
 */
export function speculativeBreakdownText(step: StepTiming): string {
  const s = step.speculative;
  if (!s) return '';
  const lines = [
    `speculative decode step: ${s.draftTokens} draft ${s.draftTokens === 1 ? 'pass' : 'passes'} ${formatDuration(s.draftSeconds)} + verification ${formatDuration(s.verifySeconds)} = ${formatDuration(step.latencySeconds)}; ${s.tokensPerStep.toFixed(2)} tokens per step → ${formatDuration(step.latencySeconds / s.tokensPerStep)} per token`,
  ];
  if (s.draftPass) lines.push('', breakdownText('one draft pass, per GPU', s.draftPass));
  else lines.push('(prompt lookup drafts on the host: no GPU time)');
  return lines.join('\n');
}
