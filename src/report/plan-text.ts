import type { Plan, PlanPool } from '../plan/plan.js';
import { scheduleLines } from './schedule-report.js';
import { plainText } from './escape.js';
import type { Escape } from './escape.js';
import { evidenceLine } from './evidence.js';
import { prefixCacheLines } from './plan-prefix.js';
import { formatUsd, msText, sig, usdText } from './format.js';
import { grouped } from '../text/digits.js';
import { launchLines, machineLines, placementLines, poolRoutesText, routeLines } from './plan-routes.js';
import { speculativeLine } from './speculative-text.js';
import { renderTable } from './table.js';

/** Whether a plan's pool tables carry EP and DP columns: some pool runs expert or attention-data parallelism. */
export function hasMoeColumns(plan: Plan): boolean {
  return plan.pools.some((p) => (p.ep ?? 1) > 1 || (p.dp ?? 1) > 1);
}

/** A pool's cells in the plan's pool tables (text and markdown): GPU, count, tp, pp, (ep, dp where {@link hasMoeColumns}), role, routes, TTFT, TPOT, util, $/h. */
export function poolCells(plan: Plan, p: PlanPool, esc: Escape = plainText): string[] {
  return [
    esc(p.gpu),
    String(p.count),
    String(p.tp),
    String(p.pp),
    ...(hasMoeColumns(plan) ? [String(p.ep ?? 1), String(p.dp ?? 1)] : []),
    esc(p.role),
    poolRoutesText(plan, p, esc),
    msText(p.predicted.ttftMs),
    msText(p.predicted.tpotMs),
    `${Math.round(p.utilization * 100)}%`,
    usdText(p.costPerHour),
  ];
}

/**
 * One line per baseline: its cost and what the chosen plan saves against it — or, for a cheaper
 * baseline, that its extra pools, types or vendors save less than the plan's min saving (names through `esc`).
 */
export function baselineLines(plan: Plan, esc: Escape = plainText): string[] {
  return plan.baselines.map((b) => {
    if (!b.feasible) return `${esc(b.name)}: no plan (${esc(String(b.reason))})`;
    const cost = `${esc(b.name)}: ${usdText(b.costPerHour!)}/h`;
    if (b.savingPercent! >= 0) return `${cost} — the plan saves ${sig(b.savingPercent!)}%`;
    return `${cost} — ${sig(-b.savingPercent!)}% cheaper than the plan, but its ${b.pools.length} pools on ${new Set(b.pools.map((p) => p.gpu)).size} GPU types save less than the ${sig(plan.simplicity.minSavingPercent)}% min saving`;
  });
}

/** What the plan keeps to for simplicity, against the cheapest fleet found; empty when it is that fleet (limits through `esc`). */
export function simplicityLine(plan: Plan, esc: Escape = plainText): string | undefined {
  const s = plan.simplicity;
  const limits = s.limits.map(esc).join(', ');
  if (s.limits.length === 0) return undefined;
  const c = s.cheapest;
  const cheapest = `${c.pools} ${c.pools === 1 ? 'pool' : 'pools'}, ${c.gpuTypes} GPU ${c.gpuTypes === 1 ? 'type' : 'types'}, ${c.vendors} ${c.vendors === 1 ? 'vendor' : 'vendors'}${c.disaggregated ? ', disaggregated' : ''}`;
  if (s.costAbovePercent === 0) return `kept simple: ${limits} — as cheap as the richest fleet found (${cheapest})`;
  return `kept simple: ${limits} — ${sig(s.costAbovePercent)}% above the cheapest fleet found (${usdText(c.costPerHour)}/h: ${cheapest}), which saves less than the ${sig(s.minSavingPercent)}% min saving (planning.min_saving)`;
}

/** What `plan --verify` found, in one line; without it, that the predictions are per slice (names through `esc`). */
export function verificationLine(plan: Plan, esc: Escape = plainText): string {
  const v = plan.verification;
  if (!v && plan.pools.length > 0 && plan.pools.every((p) => p.binding === 'measured')) return 'not simulated: every pool is planned from measured capacities, which the simulator (timed by the performance model) cannot judge';
  if (!v) return 'not simulated (--no-verify): the predictions are the analytic model\'s, which treats each slice as if it had its pools to itself; `planner simulate --plan` checks a saved plan request by request';
  const source = v.arrivals === 'trace' ? 'the trace' : v.arrivals === 'poisson' ? 'Poisson arrivals' : 'bursty arrivals';
  const slos = v.slos.map((s) => `${s.class === 'default' ? '' : `${esc(s.class)} `}${esc(s.metric.toUpperCase())} p${s.percentile} ${s.attainmentPercent === null ? '-' : `${sig(s.attainmentPercent, 4)}%`} within ${msText(s.targetMs)}`).join(', ');
  const lowest = Math.min(...v.derated.map((d) => d.factor));
  const derated = v.derated.length > 0 ? `; modelled capacity lowered for ${v.derated.length} slice–pool ${v.derated.length === 1 ? 'pair' : 'pairs'} (down to ×${sig(lowest)})` : '';
  const verdict = v.holds ? 'holds' : `does not hold: ${esc(String(v.reason))}`;
  const requests = Math.min(...v.slos.map((s) => s.requests));
  return `verified by simulation (${sig(v.durationSeconds)} s of ${source}, at least ${grouped(requests)} requests per class, seed ${v.seed}, ${v.rounds} ${v.rounds === 1 ? 'round' : 'rounds'}): ${slos} — ${verdict}${derated}`;
}

/** The plan as terminal text: pools, slices, totals, baselines and what binds. */
export function planText(plan: Plan, paintHeader: (t: string) => string = (t) => t): string {
  const title = plainText(`${plan.name ? `${plan.name}: ` : ''}${plan.model} (${plan.precision.weights} weights, ${plan.precision.kvCache} KV cache) on ${plan.engine}, ${sig(plan.workload.ratePerSecond)} req/s`);
  const pools = renderTable(
    [
      { header: 'POOL' },
      { header: 'GPU' },
      { header: 'COUNT', align: 'right' },
      { header: 'TP', align: 'right' },
      { header: 'PP', align: 'right' },
      ...(hasMoeColumns(plan) ? [{ header: 'EP', align: 'right' as const }, { header: 'DP', align: 'right' as const }] : []),
      { header: 'ROLE' },
      { header: 'ROUTES' },
      { header: `TTFT P${plan.predicted.percentile}`, align: 'right' },
      { header: `TPOT P${plan.predicted.percentile}`, align: 'right' },
      { header: 'UTIL', align: 'right' },
      { header: '$/H', align: 'right' },
    ],
    plan.pools.map((p, i) => [`#${i + 1}`, ...poolCells(plan, p)]),
    paintHeader,
  );
  const slices = renderTable(
    [
      { header: 'SLICE' },
      { header: 'ROUTE' },
      { header: 'CLASS' },
      { header: 'INPUT', align: 'right' },
      { header: 'OUTPUT', align: 'right' },
      { header: 'REQ/S', align: 'right' },
      { header: 'TTFT (SLO)', align: 'right' },
      { header: 'TPOT (SLO)', align: 'right' },
    ],
    plan.workload.slices.map((s) => [
      s.id,
      s.route,
      s.class,
      String(s.inputTokens),
      String(s.outputTokens),
      sig(s.ratePerSecond),
      `${msText(s.predicted.ttftMs)} (${msText(s.slo.ttftMs)})`,
      `${msText(s.predicted.tpotMs)} (${msText(s.slo.tpotMs)})`,
    ]),
    paintHeader,
  );
  const t = plan.totals;
  const solver =
    plan.solver.status === 'optimal'
      ? plan.solver.gapPercent > 0
        ? `optimal (within ${sig(plan.solver.gapPercent)}% of the proven lower bound)`
        : 'optimal'
      : plan.solver.status === 'work-limit'
        ? `work limit reached (the solver's node limit): best verified plan, within ${sig(plan.solver.gapPercent)}% of the lower bound`
        : `wall-clock guard fired (planning.solver_time_limit): best verified plan so far, within ${sig(plan.solver.gapPercent)}% of the lower bound; a faster or quieter machine may find a cheaper one`;
  return [
    title,
    '',
    pools,
    '',
    `total: ${usdText(t.costPerHour)}/h, ${usdText(t.costPerMonth)}/month${plan.purchase ? ' over the profile' : ''}, ${formatUsd(t.costPerMillionTokens)} per million tokens (${formatUsd(t.costPerMillionOutputTokens)} per million output tokens), ${t.gpus} GPUs in ${t.instances} instances, ${sig(t.powerKw)} kW`,
    `predicted at p${plan.predicted.percentile} (worst slice): TTFT ${msText(plan.predicted.ttftMs)}, TPOT ${msText(plan.predicted.tpotMs)}${plan.predicted.e2eMs !== null ? `, E2E ${msText(plan.predicted.e2eMs)}` : ''}`,
    ...(plan.schedule ? ['', ...scheduleLines(plan), ''] : []),
    ...(plan.speculative ? [speculativeLine(plan.speculative, plainText)] : []),
    ...(evidenceLine(plan.gpuEvidence) ? [evidenceLine(plan.gpuEvidence)!] : []),
    `binding: ${plainText(plan.binding.detail)}`,
    ...prefixCacheLines(plan),
    `solver: ${solver} (${plan.solver.candidatesAfterPruning} of ${plan.solver.candidates} candidates after pruning)`,
    verificationLine(plan),
    ...(simplicityLine(plan) ? [simplicityLine(plan)!] : []),
    '',
    'routes (by class and prompt length; the answer length is never a routing key):',
    ...routeLines(plan).map((l) => `  ${l}`),
    '',
    'launch each instance with:',
    ...launchLines(plan).map((l) => `  ${l}`),
    ...placementLines(plan).map((l) => `  ${l}`),
    ...machineLines(plan).map((l) => `  ${l}`),
    ...(plan.baselines.length > 0 ? ['', 'against simpler plans:', ...baselineLines(plan).map((l) => `  ${l}`)] : []),
    '',
    slices,
  ].join('\n');
}
