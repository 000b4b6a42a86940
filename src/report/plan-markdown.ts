import type { Plan } from '../plan/plan.js';
import { evidenceText } from './evidence.js';
import { formatUsd, sig } from './format.js';
import { launchLines, machineLines, placementLines, routeLines } from './plan-routes.js';
import { baselineLines, msText, poolCells, simplicityLine, usdText, verificationLine } from './plan-text.js';

/** Escapes a table cell for GitHub-flavoured markdown. */
export function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** A markdown table from a header row and cell rows (numbers right-aligned by `right`). */
export function mdTable(header: string[], rows: string[][], right: boolean[] = []): string {
  const align = header.map((_, i) => (right[i] ? '---:' : '---'));
  return [header, align, ...rows].map((r) => `| ${r.map(mdCell).join(' | ')} |`).join('\n');
}

/** The plan as markdown, for a pull-request comment. */
export function planMarkdown(plan: Plan): string {
  const t = plan.totals;
  const pct = plan.predicted.percentile;
  const pools = mdTable(
    ['#', 'GPU', 'count', 'tp', 'pp', 'role', 'routes', `TTFT p${pct}`, `TPOT p${pct}`, 'util', '$/h'],
    plan.pools.map((p, i) => [`${i + 1}`, ...poolCells(plan, p)]),
    [true, false, true, true, true, false, false, true, true, true, true],
  );
  return [
    `### Serving plan${plan.name ? `: ${plan.name}` : ''}`,
    '',
    `**${usdText(t.costPerHour)}/h** (${usdText(t.costPerMonth)}/month, ${formatUsd(t.costPerMillionTokens)} per million tokens) — ${t.gpus} GPUs, ${sig(t.powerKw)} kW — ${plan.model} (${plan.precision.weights}) at ${sig(plan.workload.ratePerSecond)} req/s on ${plan.engine}`,
    '',
    pools,
    '',
    `Predicted at p${pct} (worst slice): TTFT ${msText(plan.predicted.ttftMs)}, TPOT ${msText(plan.predicted.tpotMs)}. Binding: ${plan.binding.detail}.`,
    ...(plan.gpuEvidence && Object.keys(plan.gpuEvidence).length > 0 ? ['', `Performance factors: ${evidenceText(plan.gpuEvidence)}.`] : []),
    '',
    `${verificationLine(plan)}.`,
    ...(simplicityLine(plan) ? ['', `${simplicityLine(plan)}.`] : []),
    '',
    '<details><summary>Routes and launch settings</summary>',
    '',
    ...routeLines(plan).map((l) => `- ${mdCell(l)}`),
    '',
    ...[...launchLines(plan), ...placementLines(plan), ...machineLines(plan)].map((l) => `- ${mdCell(l)}`),
    '',
    '</details>',
    ...(plan.baselines.length > 0 ? ['', ...baselineLines(plan).map((l) => `- ${l}`)] : []),
    '',
  ].join('\n');
}
