import { markdownText, plainText } from './escape.js';

/**
 * The markdown of a `planner check` that could not check (bad input, no plan meets the SLOs, an
 * internal error): a report a pull-request comment can post, with every reason — never an empty one.
 */
export function checkFailureMarkdown(title: string, reasons: string[]): string {
  return [`### ❌ Cost check failed: ${markdownText(title)}`, '', ...reasons.map((r) => `- ${markdownText(r)}`), ''].join('\n');
}

/** The line a check's report adds when its plan does not hold in simulation (markdown or text). */
export function unverifiedLine(reason: string, format: 'markdown' | 'text'): string {
  return format === 'markdown' ? `- ❌ simulation: the plan does not hold: ${markdownText(reason)}` : `  FAIL simulation: the plan does not hold: ${plainText(reason)}`;
}
