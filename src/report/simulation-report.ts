import { atPercentile } from '../simulate/outcomes.js';
import type { GroupOutcome, SloOutcome } from '../simulate/outcomes.js';
import type { SimulationReport } from '../simulate/simulate.js';
import { markdownText, plainText } from './escape.js';
import type { Escape } from './escape.js';
import { formatCount, msText, sig, usdText } from './format.js';
import { markdownCell, mdTable } from './plan-markdown.js';
import { renderTable } from './table.js';

/** Output formats of a simulation. */
export const SIMULATION_FORMATS = ['table', 'json', 'markdown'] as const;
/** One of the simulation output formats. */
export type SimulationFormat = (typeof SIMULATION_FORMATS)[number];

const percentText = (value: number | null) => (value === null ? '-' : `${sig(value, 4)}%`);

/** One line saying what was simulated (names through `esc`). */
export function simulationHeadline(report: SimulationReport, esc: Escape = plainText): string {
  const a = report.arrivals;
  const source = a.source === 'trace' ? `the trace ${esc(String(a.trace))}` : a.source === 'poisson' ? 'Poisson arrivals' : `bursty arrivals (cv ${sig(a.cv!)})`;
  const name = report.plan.name ? `${esc(report.plan.name)}: ` : '';
  return `${name}simulated ${sig(report.durationSeconds)} s of ${source} — ${formatCount(a.requests)} requests, ${sig(a.ratePerSecond)} req/s — through ${report.plan.instances} instances (${usdText(report.plan.costPerHourUsd)}/h), seed ${report.seed}; the first ${sig(report.warmupSeconds)} s are not measured`;
}

function sloRows(report: SimulationReport): Array<{ group: string; slo: SloOutcome }> {
  return report.classes.flatMap((c) => c.slos.map((slo) => ({ group: c.name, slo })));
}

function latencyRows(g: GroupOutcome): string[][] {
  return (['ttftMs', 'tpotMs', 'e2eMs'] as const).map((key) => [
    key.slice(0, -2).toUpperCase(),
    ...(['p50', 'p90', 'p95', 'p99'] as const).map((p) => msText(g[key][p])),
  ]);
}

/** "SLOs missed: default p99 TPOT (97.4% within 15 ms), …" (for a run where some miss; names through `esc`). */
export function missedSlos(report: SimulationReport, esc: Escape = plainText): string {
  const missed = sloRows(report).filter((r) => !r.slo.holds);
  return `SLOs missed: ${missed.map((r) => `${esc(r.group)} p${r.slo.percentile} ${r.slo.metric.toUpperCase()} (${percentText(r.slo.attainmentPercent)} within ${msText(r.slo.targetMs)})`).join(', ')}`;
}

/** The simulation as terminal text: SLO attainment, latency percentiles, pools and slices. */
export function simulationText(report: SimulationReport, paintHeader: (t: string) => string = (t) => t): string {
  const slos = renderTable(
    [{ header: 'CLASS' }, { header: 'SLO' }, { header: 'TARGET', align: 'right' }, { header: 'PCTL', align: 'right' }, { header: 'ATTAINED', align: 'right' }, { header: 'AT PCTL', align: 'right' }, { header: 'HOLDS' }],
    sloRows(report).map(({ group, slo }) => [group, slo.metric.toUpperCase(), msText(slo.targetMs), `p${slo.percentile}`, percentText(slo.attainmentPercent), msText(slo.atPercentileMs), slo.holds ? 'yes' : 'NO']),
    paintHeader,
  );
  const latency = renderTable(
    [{ header: 'ALL' }, { header: 'P50', align: 'right' }, { header: 'P90', align: 'right' }, { header: 'P95', align: 'right' }, { header: 'P99', align: 'right' }],
    latencyRows(report.overall),
    paintHeader,
  );
  const pools = renderTable(
    [
      { header: 'POOL' },
      { header: 'COUNT', align: 'right' },
      { header: 'DOWN', align: 'right' },
      { header: 'BUSY', align: 'right' },
      { header: 'MEAN QUEUE', align: 'right' },
      { header: 'MAX QUEUE', align: 'right' },
      { header: 'PREEMPTED', align: 'right' },
      { header: 'REFUSED', align: 'right' },
    ],
    report.pools.map((p) => [p.id, String(p.count), String(p.down), `${Math.round(p.utilization * 100)}%`, sig(p.meanQueue), String(p.maxQueue), String(p.preemptions), String(p.rejected)]),
    paintHeader,
  );
  const p = Math.max(...report.classes.flatMap((c) => c.slos.map((s) => s.percentile)), 50);
  const slices = renderTable(
    [
      { header: 'SLICE' },
      { header: 'CLASS' },
      { header: 'REQUESTS', align: 'right' },
      { header: `TTFT P${p}`, align: 'right' },
      { header: 'PREDICTED', align: 'right' },
      { header: `TPOT P${p}`, align: 'right' },
      { header: 'PREDICTED', align: 'right' },
    ],
    report.slices.map((s) => [
      s.id,
      s.class,
      String(s.requests + s.unfinished),
      msText(atPercentile(s.ttftMs, p)),
      msText(s.predicted.ttftMs),
      msText(atPercentile(s.tpotMs, p)),
      msText(s.predicted.tpotMs),
    ]),
    paintHeader,
  );
  const verdict = report.holds ? 'every SLO holds at its percentile' : missedSlos(report);
  return [
    simulationHeadline(report),
    '',
    slos,
    '',
    verdict,
    ...report.notes.map((n) => `note: ${plainText(n)}`),
    '',
    latency,
    '',
    pools,
    '',
    slices,
  ].join('\n');
}

/** The simulation as markdown (for a pull-request comment). */
export function simulationMarkdown(report: SimulationReport): string {
  return [
    `### Simulation: ${report.holds ? 'SLOs hold' : 'SLOs missed'}`,
    '',
    simulationHeadline(report, markdownText),
    '',
    mdTable(
      ['Class', 'SLO', 'Target', 'Percentile', 'Attained', 'At percentile', 'Holds'],
      sloRows(report).map(({ group, slo }) => [group, slo.metric.toUpperCase(), msText(slo.targetMs), `p${slo.percentile}`, percentText(slo.attainmentPercent), msText(slo.atPercentileMs), slo.holds ? 'yes' : markdownCell('**no**')]),
      [false, false, true, true, true, true, false],
    ),
    '',
    mdTable(['All requests', 'p50', 'p90', 'p95', 'p99'], latencyRows(report.overall), [false, true, true, true, true]),
    ...(report.notes.length > 0 ? ['', ...report.notes.map((n) => `- ${markdownText(n)}`)] : []),
  ].join('\n');
}

/** Renders a simulation report in any of its formats. */
export function renderSimulation(report: SimulationReport, format: SimulationFormat, paintHeader?: (t: string) => string): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (format === 'markdown') return simulationMarkdown(report);
  return simulationText(report, paintHeader);
}
