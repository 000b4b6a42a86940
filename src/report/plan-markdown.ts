import type { Plan } from '../plan/plan.js';
import { scheduleMarkdown } from './schedule-report.js';
import { markdownText } from './escape.js';
import { evidenceText } from './evidence.js';
import { prefixCacheLines } from './plan-prefix.js';
import { formatUsd, msText, sig, usdText } from './format.js';
import { launchLines, machineLines, placementLines, routeLines } from './plan-routes.js';
import { baselineLines, hasMoeColumns, poolCells, simplicityLine, verificationLine } from './plan-text.js';
import { speculativeLine } from './speculative-text.js';

/** A table cell that is markdown already (our own emphasis), which mdTable passes through as it is. */
export interface MarkdownCell {
  markdown: string;
}

/** Marks our own markdown (never a user's string) for a table cell. */
export const markdownCell = (markdown: string): MarkdownCell => ({ markdown });

/** Escapes a table cell for GitHub-flavoured markdown (the user's text shown as it is, on one line). */
export function mdCell(cell: string | MarkdownCell): string {
  return typeof cell === 'string' ? markdownText(cell) : cell.markdown;
}

/** A markdown table from our header row and cell rows (numbers right-aligned by `right`); every text cell is escaped. */
export function mdTable(header: string[], rows: Array<Array<string | MarkdownCell>>, right: boolean[] = []): string {
  const align = header.map((_, i) => markdownCell(right[i] ? '---:' : '---'));
  return [header.map(markdownCell), align, ...rows].map((r) => `| ${r.map(mdCell).join(' | ')} |`).join('\n');
}

/** The plan as markdown, for a pull-request comment. */
export function planMarkdown(plan: Plan): string {
  const t = plan.totals;
  const pct = plan.predicted.percentile;
  const moe = hasMoeColumns(plan);
  const pools = mdTable(
    ['#', 'GPU', 'count', 'tp', 'pp', ...(moe ? ['ep', 'dp'] : []), 'role', 'routes', `TTFT p${pct}`, `TPOT p${pct}`, 'util', '$/h'],
    plan.pools.map((p, i) => [`${i + 1}`, ...poolCells(plan, p)]),
    [true, false, true, true, true, ...(moe ? [true, true] : []), false, false, true, true, true, true],
  );
  return [
    `### Serving plan${plan.name ? `: ${markdownText(plan.name)}` : ''}`,
    '',
    `**${usdText(t.costPerHour)}/h** (${usdText(t.costPerMonth)}/month, ${formatUsd(t.costPerMillionTokens)} per million tokens) — ${t.gpus} GPUs, ${sig(t.powerKw)} kW — ${markdownText(plan.model)} (${markdownText(plan.precision.weights)}) at ${sig(plan.workload.ratePerSecond)} req/s on ${markdownText(plan.engine)}`,
    '',
    pools,
    '',
    ...(plan.schedule ? [...scheduleMarkdown(plan, markdownText), ''] : []),
    `Predicted at p${pct} (worst slice): TTFT ${msText(plan.predicted.ttftMs)}, TPOT ${msText(plan.predicted.tpotMs)}. Binding: ${markdownText(plan.binding.detail)}.`,
    ...(plan.speculative ? ['', `${speculativeLine(plan.speculative, markdownText)}.`] : []),
    ...(plan.gpuEvidence && Object.keys(plan.gpuEvidence).length > 0 ? ['', `Performance factors: ${evidenceText(plan.gpuEvidence, markdownText)}.`] : []),
    ...(plan.workload.prefixCache ? ['', ...prefixCacheLines(plan, markdownText).map((l, i) => (i === 0 ? `${l.charAt(0).toUpperCase()}${l.slice(1)}.` : `- ${l.trim()}`))] : []),
    '',
    `${verificationLine(plan, markdownText)}.`,
    ...(simplicityLine(plan, markdownText) ? ['', `${simplicityLine(plan, markdownText)}.`] : []),
    '',
    '<details><summary>Routes and launch settings</summary>',
    '',
    ...routeLines(plan, markdownText).map((l) => `- ${l}`),
    '',
    ...[...launchLines(plan, markdownText), ...placementLines(plan, markdownText), ...machineLines(plan, markdownText)].map((l) => `- ${l}`),
    '',
    '</details>',
    ...(plan.baselines.length > 0 ? ['', ...baselineLines(plan, markdownText).map((l) => `- ${l}`)] : []),
    '',
  ].join('\n');
}
