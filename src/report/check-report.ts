import type { CheckResult } from '../plan/check.js';
import { costLine, diffMarkdown } from './diff-report.js';
import { markdownText, plainText } from './escape.js';
import { usdText } from './format.js';

/** The check as terminal text: each threshold, the verdict, and the cost delta against a baseline. */
export function checkText(result: CheckResult): string {
  const lines = [
    `${result.passed ? 'PASS' : 'FAIL'}: ${usdText(result.costPerHour)}/h`,
    ...result.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'} ${plainText(c.name)}: ${plainText(c.message)}`),
  ];
  if (result.checks.length === 0) lines.push('  (no thresholds: give --max-cost-per-hour, --max-increase with --baseline, or budget: in the spec)');
  if (result.diff) {
    lines.push('', costLine(result.diff));
    const { added, removed, resized } = result.diff.pools;
    for (const c of [...added, ...removed, ...resized]) {
      lines.push(`  ${plainText(c.gpu)} tp${c.tp} ${plainText(c.role)}: ${c.baseCount} → ${c.headCount}`);
    }
  }
  return lines.join('\n');
}

/** The check as markdown for a pull-request comment. */
export function checkMarkdown(result: CheckResult): string {
  const head = `### ${result.passed ? '✅ Cost check passed' : '❌ Cost check failed'}: ${usdText(result.costPerHour)}/h`;
  const checks = result.checks.map((c) => `- ${c.passed ? '✅' : '❌'} ${markdownText(c.name)}: ${markdownText(c.message)}`);
  return [head, '', ...checks, ...(result.diff ? ['', diffMarkdown(result.diff).replace(/^### /, '#### ')] : []), ''].join('\n');
}
