import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/plan/plan.js';
import { blocksOf, scheduleCostPerHour } from '../src/planning/plan-schedule.js';
import type { ScheduleProblem } from '../src/optimize/schedule-program.js';
import { TraceAccumulator } from '../src/workload/trace-summary.js';
import { runPlanner } from './in-process.js';

const TMP = mkdtempSync(join(tmpdir(), 'planner-schedule-'));
function file(name: string, text: string): string {
  const path = join(TMP, name);
  writeFileSync(path, text);
  return path;
}

const BASE = `name: chat-day
model: llama-3.1-8b
workload:
  rate: 30/s
  input_tokens: { distribution: lognormal, median: 800, sigma: 0.9, max: 8k }
  output_tokens: { distribution: lognormal, median: 250, sigma: 0.7, max: 2k }
PROFILE
slo:
  ttft: 800ms
  tpot: 50ms
planning:
  gpus: [h100-sxm]
PLANNING
`;
const spec = (name: string, profile: string, planning = '') => file(name, BASE.replace('PROFILE', profile).replace('PLANNING', planning));
const hourly = (xs: number[]) => `  profile:\n    hourly: [${xs.join(', ')}]`;
/** A day at a third of the peak but for a 3-hour peak. */
const PEAKY = Array.from({ length: 24 }, (_, h) => (h >= 11 && h < 14 ? 1 : 1 / 3));
// A test's own committed and spot prices for h100-sxm (an overlay, as a user's quote would be).
const OVERLAY = file(
  'overlay.yaml',
  `gpus:
  h100-sxm:
    price:
      usd_per_hour: 3.99
      source: test
      date: 2026-12-01
      committed: { usd_per_hour: 2.50, term: 1 year, source: test quote, date: 2026-12-01 }
      spot: { usd_per_hour: 1.60, source: test quote, date: 2026-12-01 }
`,
);

async function plan(args: string[]): Promise<Plan> {
  const r = await runPlanner(['plan', ...args, '--no-verify', '--format', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Plan;
}

describe('plans over a load profile', () => {
  it('a flat profile bought on demand reproduces the static plan: same pools, same cost', async () => {
    const fixed = await plan([spec('static.yaml', '')]);
    const flat = await plan([spec('flat.yaml', hourly(Array(24).fill(1)), '  purchase: [on_demand]')]);
    expect(fixed.schedule).toBeUndefined();
    expect(flat.pools).toEqual(fixed.pools);
    expect(flat.totals.costPerHour).toBe(fixed.totals.costPerHour);
    expect(flat.purchase!.costPerMonth).toBeCloseTo(fixed.totals.costPerMonth, 6);
    expect(flat.purchase!.savingPercent).toBe(0);
    expect(flat.schedule).toHaveLength(1);
    expect(flat.schedule![0].pools.map((p) => p.onDemand)).toEqual(fixed.pools.map((p) => p.count));
  });

  it('a 3x peak costs less with on-demand burst than the static peak plan', async () => {
    const p = await plan([spec('peaky.yaml', hourly(PEAKY), '  purchase: [on_demand]')]);
    const peak = p.schedule!.find((b) => b.fraction === 1)!;
    const quiet = p.schedule!.find((b) => b.fraction < 1)!;
    expect(peak.pools[0].onDemand).toBe(p.pools[0].count);
    expect(quiet.pools[0].onDemand).toBeLessThan(peak.pools[0].onDemand);
    expect(p.purchase!.costPerMonth).toBeLessThan(p.purchase!.staticCostPerMonth);
    expect(p.totals.costPerMonth).toBe(p.purchase!.costPerMonth);
    expect(p.purchase!.savingPercent).toBeGreaterThan(30);
  });

  it('committed + on-demand never costs more than on-demand only, and buys the base committed', async () => {
    const onDemand = await plan([spec('od.yaml', hourly(PEAKY), '  purchase: [on_demand]'), '--catalog', OVERLAY]);
    const mixed = await plan([spec('mixed.yaml', hourly(PEAKY), '  purchase: [committed, on_demand]'), '--catalog', OVERLAY]);
    expect(mixed.purchase!.costPerMonth).toBeLessThanOrEqual(onDemand.purchase!.costPerMonth);
    expect(mixed.schedule!.every((b) => b.pools[0].committed > 0)).toBe(true);
    // Same instances every hour, only bought differently.
    expect(mixed.schedule!.map((b) => b.pools[0].committed + b.pools[0].onDemand)).toEqual(onDemand.schedule!.map((b) => b.pools[0].onDemand));
  });

  it('a trace\'s day (presets/examples/chat-day.yaml): the peak hour runs the plan\'s own fleet, no hour more, and the day costs less', async () => {
    const day = await plan(['presets/examples/chat-day.yaml']);
    const counts = new Map(day.pools.map((p) => [p.id, p.count]));
    const total = (b: NonNullable<Plan['schedule']>[number], id: string) => {
      const p = b.pools.find((x) => x.pool === id)!;
      return p.committed + p.onDemand + p.spot;
    };
    // The fleet verification simulates and the plan's machines and node-local pairs hold is the peak's.
    for (const b of day.schedule!) {
      for (const [id, n] of counts) {
        if (b.fraction === 1) expect(total(b, id), `${id} at ${b.startHour}h`).toBe(n);
        else expect(total(b, id), `${id} at ${b.startHour}h`).toBeLessThanOrEqual(n);
      }
    }
    expect(day.schedule!.length).toBe(24);
    expect(day.purchase!.costPerMonth).toBeLessThan(day.purchase!.staticCostPerMonth);
    const committed = await plan(['presets/examples/chat-day.yaml', '--catalog', OVERLAY]);
    expect(committed.purchase!.costPerMonth).toBeLessThan(day.purchase!.costPerMonth);
  });

  it('at the same counts, moving the always-on base to a cheaper commitment never raises the cost', () => {
    const blocks = blocksOf([1, 1, 0.5, 0.2]);
    const problem = (committed?: number) => ({ prices: [{ onDemand: 4, ...(committed === undefined ? {} : { committed }) }], blocks, leadHours: [0.01], minInstances: 1 }) as unknown as ScheduleProblem;
    const totals = [5, 3, 1];
    const odOnly = scheduleCostPerHour(problem(), { committed: [0], blocks: totals.map((n) => ({ onDemand: [n], spot: [0] })) });
    for (const price of [1, 2.5, 3.99]) {
      const base = Math.min(...totals);
      const mixed = scheduleCostPerHour(problem(price), { committed: [base], blocks: totals.map((n) => ({ onDemand: [n - base], spot: [0] })) });
      expect(mixed).toBeLessThanOrEqual(odOnly + 1e-12);
    }
  });

  it('spot only in pools with redundancy, at most `redundancy` spot instances per pool', async () => {
    const none = await plan([spec('spot0.yaml', hourly(PEAKY)), '--catalog', OVERLAY]);
    expect(none.schedule!.every((b) => b.pools.every((p) => p.spot === 0))).toBe(true);
    const some = await plan([spec('spot1.yaml', hourly(PEAKY), '  redundancy: 1'), '--catalog', OVERLAY]);
    expect(some.schedule!.some((b) => b.pools[0].spot === 1)).toBe(true);
    expect(some.schedule!.every((b) => b.pools[0].spot <= 1)).toBe(true);
  });

  it('table output charts the day without colour; markdown has the schedule table; --chart writes an SVG', async () => {
    const svg = join(TMP, 'day.svg');
    const table = await runPlanner(['plan', spec('chart.yaml', hourly(PEAKY)), '--no-verify', '--format', 'table', '--chart', svg]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/over the day \(workload\.profile\): \$[\d,.]+\/month/);
    expect(table.stdout).toMatch(/^12 +30 +▒+ \d+ +\$[\d.]+$/m);
    expect(table.stdout).not.toMatch(/\x1b\[/);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    const md = await runPlanner(['plan', spec('md.yaml', hourly(PEAKY)), '--no-verify', '--format', 'markdown']);
    expect(md.stdout).toMatch(/\| 11–13 \| 30 \| \d+ \+ \d+ \+ 0 \|/);
  });

  it('bad profiles and flags: file:line messages, exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      [hourly(Array(23).fill(1)), /:8:5: workload\.profile\.hourly: 23 shares; give 24/],
      [hourly(Array(24).fill(0.8)), /:8:5: workload\.profile\.hourly: the busiest hour's share is 0\.8, expected 1/],
      [hourly([...Array(23).fill(1), 1.5]), /:8:\d+: workload\.profile\.hourly.*(1\.5|<= 1|maximum)/],
      ['  profile:\n    from_trace: true', /:8:\d+: workload\.profile\.from_trace: from_trace needs a trace workload/],
    ];
    for (const [profile, message] of cases) {
      const r = await runPlanner(['plan', spec('bad.yaml', profile), '--no-verify']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const chart = await runPlanner(['plan', spec('nochart.yaml', ''), '--no-verify', '--chart', join(TMP, 'x.svg')]);
    expect(chart.code).toBe(2);
    expect(chart.stderr).toMatch(/--chart: .*no workload\.profile/);
  });

  it('from_trace: a trace shorter than a day is refused where the spec says so', async () => {
    const path = file(
      'trace-day.yaml',
      `model: llama-3.1-8b\nworkload:\n  trace: { file: ${join(process.cwd(), 'presets/examples/traces/burstgpt-sample.csv')} }\n  profile: { from_trace: true }\nslo: { ttft: 800ms, tpot: 50ms }\n`,
    );
    const r = await runPlanner(['plan', path, '--no-verify', '--allow-path', join(process.cwd(), 'presets')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/workload\.profile\.from_trace: the trace covers \d+ of the 24 hours/);
  });
});

describe('a trace\'s hourly profile', () => {
  it('counts the hours a trace covers by arithmetic: three days and a bit as an hour-by-hour count, and a 30-million-year span at once', () => {
    const covered = (start: number, end: number) => {
      const acc = new TraceAccumulator(60);
      acc.add({ timestampSeconds: start, inputTokens: 100, outputTokens: 10 });
      acc.add({ timestampSeconds: end, inputTokens: 100, outputTokens: 10 });
      return acc.summary(99).hourly.coveredSeconds;
    };
    // Relative timestamps count from the first request; Unix ones (from 2001 on) by the clock.
    for (const start of [0, 1_794_873_600 + 5_000]) {
      const end = start + 3 * 86_400 + 5 * 3600 + 1234;
      const from = start > 0 ? start : 0;
      const byHour = Array.from({ length: 24 }, () => 0);
      for (let h = Math.floor(from / 3600); h <= Math.floor(end / 3600); h++) byHour[h % 24] += Math.max(0, Math.min(end, (h + 1) * 3600) - Math.max(from, h * 3600));
      expect(covered(start, end), `from ${start}`).toEqual(byHour);
    }
    const began = performance.now();
    expect(covered(0, 1e15).every((c) => c > 0)).toBe(true);
    expect(performance.now() - began).toBeLessThan(1000);
  });

  it('rates per hour of the day, relative to the busiest, over the time covered', () => {
    const acc = new TraceAccumulator(60);
    // Two days: 1 request a minute, 3 a minute from 12:00 to 13:00 (relative clock).
    for (let t = 0; t < 48 * 3600; t += 20) {
      const hour = Math.floor(t / 3600) % 24;
      if (hour === 12 || t % 60 === 0) acc.add({ timestampSeconds: t, inputTokens: 100, outputTokens: 10 });
    }
    const h = acc.summary(99).hourly;
    expect(h.clock).toBe('relative');
    expect(h.fractions![12]).toBe(1);
    expect(h.fractions![3]).toBeCloseTo(1 / 3, 2);
  });

  it('Unix timestamps count by UTC hour; a short trace has no profile', () => {
    const acc = new TraceAccumulator(60);
    const start = Date.UTC(2026, 0, 5, 10) / 1000;
    for (let t = 0; t < 600; t++) acc.add({ timestampSeconds: start + t, inputTokens: 10, outputTokens: 10 });
    const h = acc.summary(99).hourly;
    expect(h.clock).toBe('utc');
    expect(h.ratesPerSecond[10]).toBeCloseTo(1, 2);
    expect(h.fractions).toBeNull();
  });
});
