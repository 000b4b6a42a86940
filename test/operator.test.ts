import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSolver } from '../dist/optimize/solver.js';
import type { Plan } from '../src/plan/plan.js';
import { planFleet } from '../src/planning/plan-fleet.js';
import type { SimulationReport } from '../src/simulate/simulate.js';
import { ROOT, cli, presets, specFromText } from './helpers.js';

const solver = createSolver('highs');
afterAll(() => solver.close());
const TMP = mkdtempSync(join(tmpdir(), 'planner-operator-'));

async function planOf(text: string): Promise<Plan> {
  const loaded = specFromText(text);
  if (!loaded.value) throw new Error(JSON.stringify(loaded.issues));
  const result = await planFleet(loaded.value, presets().catalog, solver, { baselines: false });
  if (!('plan' in result)) throw new Error(result.infeasible.join('; '));
  return result.plan;
}

/** A spec where splitting prefill and decode across vendors would be cheapest (L40S prompts, MI300X decoding). */
const MIXED = (planning: string, minSaving = '0') => `model: llama-3.1-8b
workload:
  rate: 40/s
  input_tokens: { distribution: lognormal, median: 3000, sigma: 0.6, max: 16k }
  output_tokens: { distribution: lognormal, median: 150, sigma: 0.6, max: 1k }
slo: { ttft: 1s, tpot: 40ms }
planning: { gpus: [l40s, mi300x, h100-sxm], disaggregation: only, min_saving: ${minSaving}, ${planning} }
`;

/** The vendors a route's prefill-side and decode-side pools belong to, with their shares. */
function vendorShares(plan: Plan, roles: string[]) {
  const vendorOf = (gpu: string) => presets().catalog.gpus[gpu].vendor;
  return plan.routes.map((r) => {
    const byVendor = new Map<string, number>();
    for (const s of r.shares) {
      const pool = plan.pools.find((p) => p.id === s.pool)!;
      if (roles.includes(pool.role)) byVendor.set(vendorOf(pool.gpu), (byVendor.get(vendorOf(pool.gpu)) ?? 0) + s.share);
    }
    return Object.fromEntries([...byVendor].sort());
  });
}

describe('disaggregation that can be built', () => {
  it('by default a prefill pool hands its KV only to decode pools of its own vendor', async () => {
    const plan = await planOf(MIXED(''));
    expect(plan.pools.filter((p) => p.role !== 'colocated').every((p) => p.pairClass === presets().catalog.gpus[p.gpu].vendor)).toBe(true);
    const prefill = vendorShares(plan, ['prefill']);
    const decode = vendorShares(plan, ['decode']);
    prefill.forEach((shares, i) => {
      for (const [vendor, share] of Object.entries(shares)) expect(decode[i][vendor], `route ${i + 1} ${vendor}`).toBeCloseTo(share, 5);
    });
  });

  it('pairs across vendors only when the spec allows it (disaggregation_pairs: any), never cheaper by default', async () => {
    const any = await planOf(MIXED('disaggregation_pairs: any'));
    const same = await planOf(MIXED(''));
    expect(any.totalCostPerHour).toBeLessThanOrEqual(same.totalCostPerHour + 1e-9);
    expect(any.pools.every((p) => p.pairClass === null)).toBe(true);
    const gpu = await planOf(MIXED('disaggregation_pairs: same-gpu'));
    expect(gpu.pools.every((p) => p.pairClass === p.gpu)).toBe(true);
    expect(gpu.totalCostPerHour).toBeGreaterThanOrEqual(same.totalCostPerHour - 1e-9);
  }, 30_000);
});

describe('simplicity is worth money', () => {
  const multiTenant = readFileSync(`${ROOT}presets/examples/multi-tenant.yaml`, 'utf8');

  it('the colocated-only plan wins when disaggregation saves less than min_saving', async () => {
    const cheapest = await planOf(multiTenant.replace('disaggregation: auto', 'disaggregation: auto\n  min_saving: 0'));
    expect(cheapest.pools.some((p) => p.role !== 'colocated')).toBe(true);
    // What disaggregation saves there, against the best colocated plan:
    const colocated = await planOf(multiTenant.replace('disaggregation: auto', 'disaggregation: off'));
    const saving = 1 - cheapest.totalCostPerHour / colocated.totalCostPerHour;
    expect(saving).toBeGreaterThan(0);
    const above = await planOf(multiTenant.replace('disaggregation: auto', `disaggregation: auto\n  min_saving: ${Math.ceil(saving * 100 + 1)}%`));
    expect(above.pools.every((p) => p.role === 'colocated')).toBe(true);
    expect(above.totalCostPerHour).toBeCloseTo(colocated.totalCostPerHour, 6);
    expect(above.simplicity.limits[0]).toBe('colocated');
    expect(above.simplicity.cheapest.costPerHour).toBeCloseTo(cheapest.totalCostPerHour, 6);
  }, 60_000);

  it('a second vendor, GPU type or pool stays out when it saves less than min_saving', async () => {
    const cheapest = await planOf(MIXED('disaggregation_pairs: any'));
    const simple = await planOf(MIXED('disaggregation_pairs: any', '20%'));
    const vendors = (p: Plan) => new Set(p.pools.map((x) => presets().catalog.gpus[x.gpu].vendor)).size;
    expect(vendors(cheapest)).toBeGreaterThan(1);
    expect(vendors(simple)).toBe(1);
    expect(simple.totalCostPerHour).toBeLessThanOrEqual(cheapest.totalCostPerHour / 0.8 + 1e-9);
    expect(simple.pools.length).toBeLessThanOrEqual(cheapest.pools.length);
  }, 30_000);

  it('max_pools and max_gpu_types bound the plan outright', async () => {
    const chat = readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8');
    const free = await planOf(`${chat}planning: { min_saving: 0 }\n`);
    expect(free.pools.length).toBeGreaterThan(1);
    const one = await planOf(`${chat}planning: { min_saving: 0, max_pools: 1 }\n`);
    expect(one.pools).toHaveLength(1);
    expect(one.totalCostPerHour).toBeGreaterThanOrEqual(free.totalCostPerHour);
    const types = await planOf(MIXED('disaggregation_pairs: any, max_gpu_types: 1'));
    expect(new Set(types.pools.map((p) => p.gpu)).size).toBe(1);
  }, 30_000);
});

describe('redundancy', () => {
  it('with redundancy 1 every pool keeps its SLOs in simulation with one instance down', () => {
    const result = cli(['plan', 'presets/examples/chat.yaml', '--set', 'planning.redundancy=1', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.redundancy).toBe(1);
    const path = join(TMP, 'chat-r1.json');
    writeFileSync(path, result.stdout);
    plan.pools.forEach((pool, i) => {
      expect(pool.count, pool.id).toBeGreaterThanOrEqual(2);
      // The load the pool carries fits the capacity of its other instances.
      expect((pool.utilization * pool.count) / (pool.count - 1)).toBeLessThanOrEqual(plan.loadFactor + 1e-6);
      const down = cli(['simulate', 'presets/examples/chat.yaml', '--plan', path, '--down', `#${i + 1}=1`, '--duration', '300s', '--format', 'json']);
      const report = JSON.parse(down.stdout) as SimulationReport;
      expect(report.pools[i].down).toBe(1);
      expect(report.holds, `${pool.id} with one instance down: ${JSON.stringify(report.classes[0].slos)}`).toBe(true);
    });
  }, 60_000);

  it('buys spares: with redundancy 1 every pool has a second instance, and the plan costs more than without', async () => {
    const rag = readFileSync(`${ROOT}presets/examples/rag-long-context.yaml`, 'utf8');
    const none = await planOf(rag);
    const one = await planOf(rag.replace('disaggregation: auto', 'disaggregation: auto\n  redundancy: 1'));
    expect(none.pools.some((p) => p.count === 1)).toBe(true);
    expect(one.pools.every((p) => p.count >= 2)).toBe(true);
    expect(one.totalCostPerHour).toBeGreaterThan(none.totalCostPerHour);
  }, 30_000);

  it('simulate --down names what it cannot take down (exit 2)', () => {
    const plan = cli(['plan', 'presets/examples/chat.yaml', '--format', 'json']);
    const path = join(TMP, 'chat.json');
    writeFileSync(path, plan.stdout);
    for (const [flag, message] of [
      ['#9=1', /--down: #9=1: the plan has (one pool|pools #1–#\d+)/],
      ['mi300x/tp3/pp1/colocated=1', /no pool mi300x\/tp3\/pp1\/colocated in the plan/],
      ['#1=99', /N must be a whole number from 0 to the pool's \d+ instances/],
    ] as const) {
      const result = cli(['simulate', 'presets/examples/chat.yaml', '--plan', path, '--down', flag]);
      expect(result.code, flag).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
