import type { PlanDiff, PoolChange, PredictionChange } from '../plan/diff.js';
import { mdTable } from './plan-markdown.js';
import { shapeText } from './plan-routes.js';
import { renderTable } from './table.js';
import { msText, usdText } from './format.js';

/** "+$1.20/h" or "−$3.40/h". */
export function signedUsd(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${usdText(Math.abs(value))}/h`;
}

function signedPercent(value: number | null): string {
  if (value === null) return 'from a baseline that costs $0';
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(1)}%`;
}

function poolName(c: PoolChange): string {
  return `${c.gpu} ${shapeText(c)} ${c.role}`;
}

function poolRows(diff: PlanDiff): string[][] {
  const rows = (kind: string, changes: PoolChange[]) => changes.map((c) => [kind, poolName(c), String(c.baseCount), String(c.headCount), signedUsd(c.costPerHourDelta)]);
  return [...rows('added', diff.pools.added), ...rows('removed', diff.pools.removed), ...rows('resized', diff.pools.resized)];
}

/** The biggest prediction moves shown in text and markdown (JSON has them all). */
const SHOWN_PREDICTIONS = 10;

function predictionRows(changes: PredictionChange[]): string[][] {
  const label = { ttftMs: 'TTFT', tpotMs: 'TPOT', e2eMs: 'E2E' } as const;
  return changes.slice(0, SHOWN_PREDICTIONS).map((p) => [p.slice, label[p.metric], msText(p.base), msText(p.head), msText(p.sloMs)]);
}

function morePredictions(changes: PredictionChange[]): string[] {
  return changes.length > SHOWN_PREDICTIONS ? [`… and ${changes.length - SHOWN_PREDICTIONS} more (--format json lists them all)`] : [];
}

/** One line: "cost $10.00/h → $12.00/h (+$2.00/h, +20.0%)". */
export function costLine(diff: PlanDiff): string {
  return `cost ${usdText(diff.base.costPerHour)}/h → ${usdText(diff.head.costPerHour)}/h (${signedUsd(diff.costPerHourDelta)}, ${signedPercent(diff.costDeltaPercent)}; ${signedUsd(diff.costPerMonthDelta).replace('/h', '/month')})`;
}

/** The diff as terminal text. */
export function diffText(diff: PlanDiff, paintHeader?: (t: string) => string): string {
  const parts = [costLine(diff)];
  const pools = poolRows(diff);
  parts.push(
    pools.length === 0
      ? `pools: unchanged (${diff.pools.unchanged})`
      : renderTable([{ header: 'CHANGE' }, { header: 'POOL' }, { header: 'BASE', align: 'right' }, { header: 'HEAD', align: 'right' }, { header: '$/H', align: 'right' }], pools, paintHeader),
  );
  if (diff.predictions.length > 0) {
    parts.push(
      'predictions that moved more than 5% (largest first):',
      [
        renderTable([{ header: 'SLICE' }, { header: 'METRIC' }, { header: 'BASE', align: 'right' }, { header: 'HEAD', align: 'right' }, { header: 'SLO', align: 'right' }], predictionRows(diff.predictions), paintHeader),
        ...morePredictions(diff.predictions),
      ].join('\n'),
    );
  }
  return parts.join('\n\n');
}

/** The diff as markdown, ready to post as a pull-request comment. */
export function diffMarkdown(diff: PlanDiff): string {
  const pools = poolRows(diff);
  const verdict = diff.costPerHourDelta > 0 ? '📈' : diff.costPerHourDelta < 0 ? '📉' : '➖';
  return [
    `### ${verdict} Serving cost: ${signedUsd(diff.costPerHourDelta)} (${signedPercent(diff.costDeltaPercent)})`,
    '',
    `${usdText(diff.base.costPerHour)}/h → **${usdText(diff.head.costPerHour)}/h** (${signedUsd(diff.costPerMonthDelta).replace('/h', '/month')}), ${diff.base.gpus} → ${diff.head.gpus} GPUs`,
    '',
    pools.length === 0 ? `Pools unchanged (${diff.pools.unchanged}).` : mdTable(['change', 'pool', 'base', 'head', '$/h'], pools, [false, false, true, true, true]),
    ...(diff.predictions.length > 0
      ? ['', '<details><summary>Predictions that moved more than 5%</summary>', '', mdTable(['slice', 'metric', 'base', 'head', 'SLO'], predictionRows(diff.predictions), [false, false, true, true, true]), ...morePredictions(diff.predictions).flatMap((l) => ['', l]), '', '</details>']
      : []),
    '',
  ].join('\n');
}
