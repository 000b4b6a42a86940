import type { SweepResult } from '../planning/sweep.js';
import { csvCell, plainText } from './escape.js';
import { sig, usdText } from './format.js';
import { shapeText } from './plan-routes.js';
import { renderTable } from './table.js';

const CHART_WIDTH = 40;

/** The swept value as a person reads it: "20/s" or "500 ms". */
export function sweepValueText(result: SweepResult, value: number): string {
  if (result.unit === 'requests/s') return `${sig(value)}/s`;
  return value >= 1 ? `${sig(value)} s` : `${sig(value * 1000)} ms`;
}

/** Cost against the swept quantity: a table, then a bar chart of the cost. */
export function sweepText(result: SweepResult, paintHeader?: (t: string) => string): string {
  const label = result.variable === 'rate' ? 'RATE' : result.variable.toUpperCase();
  const table = renderTable(
    [{ header: label, align: 'right' }, { header: '$/H', align: 'right' }, { header: 'GPUS', align: 'right' }, { header: 'MIX' }],
    result.points.map((p) => [
      sweepValueText(result, p.value),
      p.costPerHour === null ? '-' : usdText(p.costPerHour),
      p.gpus === null ? '-' : String(p.gpus),
      p.feasible ? p.mix : `no plan: ${plainText(String(p.reason))}`,
    ]),
    paintHeader,
  );
  const max = Math.max(0, ...result.points.map((p) => p.costPerHour ?? 0));
  const width = Math.max(...result.points.map((p) => sweepValueText(result, p.value).length));
  // Counts grow with load; a change of GPU types, shapes or roles is what a reader looks for.
  const shapes = result.points.map((p) => p.pools.map((x) => `${x.gpu}/${shapeText(x)}/${x.role}`).sort().join(','));
  const chart = result.points.map((p, i) => {
    const changed = i > 0 && shapes[i] !== shapes[i - 1] ? '  ← new GPU mix' : '';
    const bar = p.costPerHour === null ? '×' : '█'.repeat(Math.max(1, Math.round((p.costPerHour / (max || 1)) * CHART_WIDTH)));
    return `${sweepValueText(result, p.value).padStart(width)} │${bar} ${p.costPerHour === null ? 'no plan' : usdText(p.costPerHour)}${changed}`;
  });
  return [table, '', 'cost per hour:', ...chart].join('\n');
}

/** The sweep as CSV (one row per point; the value in SI units). */
export function sweepCsv(result: SweepResult): string {
  const header = `${result.variable === 'rate' ? 'rate_per_second' : `${result.variable}_seconds`},feasible,cost_per_hour,gpus,mix`;
  return [
    header,
    ...result.points.map((p) => [String(p.value), String(p.feasible), p.costPerHour === null ? '' : String(p.costPerHour), p.gpus === null ? '' : String(p.gpus), csvCell(p.feasible ? p.mix : p.reason ?? '')].join(',')),
  ].join('\n');
}
