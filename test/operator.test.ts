import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSolver } from '../dist/optimize/solver.js';
import type { Plan } from '../src/plan/plan.js';
import { planFleet } from '../src/planning/plan-fleet.js';
import type { SimulationReport } from '../src/simulate/simulate.js';
import { loadInputs } from '../src/cli/inputs.js';
import type { Inputs } from '../src/cli/inputs.js';
import { loadSpec } from '../src/input/load.js';
import { kvTransferSeconds } from '../src/perf/transfer.js';
import { kvBytesPerSequence } from '../src/perf/kv-cache.js';
import { cheapestMachines, instanceCostPerHour, machineShapes } from '../src/optimize/machines.js';
import { ROOT, cli, presets, specFromText } from './helpers.js';

const solver = createSolver('highs');
afterAll(() => solver.close());
const TMP = mkdtempSync(join(tmpdir(), 'planner-operator-'));

/**
 * The default catalog with its pods on an RDMA cluster fabric (what a user's overlay for a
 * cluster says), and H100s at a contract price where they prefill cheaper than MI300Xs but
 * decode dearer (so pairing across vendors pays).
 */
const CLUSTER = join(TMP, 'cluster.yaml');
writeFileSync(
  CLUSTER,
  ['gpus:', ...['l40s', 'mi300x', 'h100-sxm'].map((g) => `  ${g}:\n    network: { bandwidth: 400Gb/s, per: gpu, fabric: rdma }`)].join('\n') +
    '\n    price: { usd_per_hour: 2.50, source: a cluster contract, date: 2026-12-02 }\n',
);
let cluster: Inputs | undefined;

async function planOf(text: string, inputs: Inputs = presets()): Promise<Plan> {
  const loaded = loadSpec(inputs.check, { path: 'spec.yaml', text }, inputs);
  if (!loaded.value) throw new Error(JSON.stringify(loaded.issues));
  const result = await planFleet(loaded.value, inputs.catalog, solver, { baselines: false });
  if (!('plan' in result)) throw new Error(result.infeasible.join('; '));
  return result.plan;
}

/** Plans on the cluster overlay. */
const onCluster = (text: string) => planOf(text, (cluster ??= loadInputs([CLUSTER], ROOT)));

/** A spec where, on the cluster overlay, splitting prefill and decode across vendors is cheapest (H100 prompts, MI300X decoding). */
const MIXED = (planning: string, minSaving = '0', promptMedian = 3000) => `model: llama-3.1-8b
workload:
  rate: 40/s
  input_tokens: { distribution: lognormal, median: ${promptMedian}, sigma: 0.6, max: 16k }
  output_tokens: { distribution: lognormal, median: 150, sigma: 0.6, max: 1k }
slo: { ttft: 1s, tpot: 40ms }
planning: { gpus: [l40s, mi300x, h100-sxm], disaggregation: only, min_saving: ${minSaving}, ${planning} }
`;

/** Per route, the share of its requests each pairing class's prefill (or decode) pools take. */
function classShares(plan: Plan, role: string) {
  return plan.routes.map((r) => {
    const byClass = new Map<string, number>();
    for (const s of r.shares) {
      const pool = plan.pools.find((p) => p.id === s.pool)!;
      if (pool.role === role) byClass.set(pool.pairClass!, (byClass.get(pool.pairClass!) ?? 0) + s.share);
    }
    return Object.fromEntries([...byClass].sort());
  });
}

describe('disaggregation that can be built', () => {
  it('KV moves at the slower side: an RDMA fabric per GPU against a pod\'s one TCP link, and pays for resharding when TP differs', () => {
    const { catalog, models } = presets();
    const model = models.resolve('llama-3.1-70b')!;
    const at = (gpu: string, tp: number, network?: object) => ({ model, gpu: { ...catalog.gpus[gpu], ...(network ? { network } : {}) }, tp, pp: 1, ep: 1, weights: 'bf16' as const, kvCache: 'bf16' as const });
    const rdma = { bandwidth: 50e9, per: 'gpu', fabric: 'rdma' };
    const pod = { bandwidth: 12.5e6, per: 'instance', fabric: 'tcp' };
    const bytes = kvBytesPerSequence(model, 'bf16', 4000);
    const eff = catalog.gpus['h100-sxm'].efficiency.communication;
    // Each of the 4 GPUs sends its shard over its own 50 GB/s link; the pod receives over one 12.5 MB/s link.
    const slow = kvTransferSeconds(at('h100-sxm', 4, rdma), at('h100-sxm', 4, pod), 4000, 'network');
    expect(slow).toBeCloseTo(bytes / (eff * 12.5e6), 1);
    const fast = kvTransferSeconds(at('h100-sxm', 4, rdma), at('h100-sxm', 4, rdma), 4000, 'network');
    expect(fast).toBeCloseTo(catalog.gpus['h100-sxm'].efficiency.commLatencySeconds + bytes / (eff * 4 * 50e9), 6);
    expect(kvTransferSeconds(at('h100-sxm', 2, rdma), at('h100-sxm', 4, rdma), 4000, 'network')).toBeGreaterThan(kvTransferSeconds(at('h100-sxm', 4, rdma), at('h100-sxm', 4, rdma), 4000, 'network'));
    // Inside one node the interconnect carries it; two instances that do not fit one node have no such link.
    expect(kvTransferSeconds(at('h100-sxm', 2), at('h100-sxm', 2), 4000, 'node')).toBeLessThan(fast);
    expect(kvTransferSeconds(at('h100-sxm', 8), at('h100-sxm', 2), 4000, 'node')).toBe(Infinity);
  });

  it("on the default catalog's pods (TCP at 100 Mbps between them) prefill and decode pools share one node", async () => {
    const plan = await planOf(MIXED('disaggregation_pairs: any', '0', 3000));
    expect(plan.pools.every((p) => p.pairClass?.endsWith('@node'))).toBe(true);
    for (const cls of new Set(plan.pools.map((p) => p.pairClass))) {
      const gpus = plan.pools.filter((p) => p.pairClass === cls).reduce((sum, p) => sum + p.gpus, 0);
      expect(gpus, cls!).toBeLessThanOrEqual(presets().catalog.gpus[plan.pools.find((p) => p.pairClass === cls)!.gpu].gpusPerNode);
    }
  }, 30_000);

  it('by default a prefill pool hands its KV only to decode pools of its own vendor', async () => {
    const plan = await onCluster(MIXED(''));
    const vendorOf = (gpu: string) => presets().catalog.gpus[gpu].vendor;
    for (const p of plan.pools.filter((x) => x.role !== 'colocated')) expect(vendorOf(p.pairClass!.replace('@node', ''))).toBe(vendorOf(p.gpu));
    // Every route's prefilled requests have decode pools of their class to go to, in proportion.
    expect(classShares(plan, 'decode')).toEqual(classShares(plan, 'prefill').map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, expect.closeTo(v, 5)]))));
    expect(plan.pools.some((p) => p.role === 'prefill')).toBe(true);
  });

  it('pairs across vendors only when the spec allows it (disaggregation_pairs: any), never cheaper by default', async () => {
    const any = await onCluster(MIXED('disaggregation_pairs: any'));
    const same = await onCluster(MIXED(''));
    expect(any.totalCostPerHour).toBeLessThan(same.totalCostPerHour);
    const vendorOf = (gpu: string) => presets().catalog.gpus[gpu].vendor;
    expect(any.pools.some((p) => p.role === 'prefill' && vendorOf(p.gpu) !== vendorOf(p.pairClass!.replace('@node', '')))).toBe(true);
    const gpu = await onCluster(MIXED('disaggregation_pairs: same-gpu'));
    expect(gpu.pools.every((p) => p.pairClass!.replace('@node', '') === p.gpu)).toBe(true);
    expect(gpu.totalCostPerHour).toBeGreaterThanOrEqual(same.totalCostPerHour - 1e-9);
  }, 30_000);
});

describe('simplicity is worth money', () => {
  /** Long prompts under a tight TPOT: splitting prefill from decode saves about a tenth. */
  const tightTpot = (planning: string) => `model: llama-3.1-8b
workload:
  rate: 40/s
  input_tokens: { distribution: lognormal, median: 3000, sigma: 0.6, max: 16k }
  output_tokens: { distribution: lognormal, median: 150, sigma: 0.6, max: 1k }
slo: { ttft: 1s, tpot: 20ms }
planning: { gpus: [mi300x, h100-sxm], ${planning} }
`;

  it('the colocated-only plan wins when disaggregation saves less than min_saving', async () => {
    const cheapest = await onCluster(tightTpot('disaggregation: auto, min_saving: 0'));
    expect(cheapest.pools.some((p) => p.role !== 'colocated')).toBe(true);
    // What disaggregation saves there, against the best colocated plan:
    const colocated = await onCluster(tightTpot('disaggregation: off'));
    const saving = 1 - cheapest.totalCostPerHour / colocated.totalCostPerHour;
    expect(saving).toBeGreaterThan(0);
    const above = await onCluster(tightTpot(`disaggregation: auto, min_saving: ${Math.ceil(saving * 100 + 1)}%`));
    expect(above.pools.every((p) => p.role === 'colocated')).toBe(true);
    expect(above.totalCostPerHour).toBeCloseTo(colocated.totalCostPerHour, 6);
    expect(above.simplicity.limits[0]).toBe('colocated');
    expect(above.simplicity.cheapest.costPerHour).toBeCloseTo(cheapest.totalCostPerHour, 6);
  }, 60_000);

  it('a second vendor, GPU type or pool stays out when it saves less than min_saving', async () => {
    const cheapest = await onCluster(MIXED('disaggregation_pairs: any'));
    const simple = await onCluster(MIXED('disaggregation_pairs: any', '20%'));
    const vendors = (p: Plan) => new Set(p.pools.map((x) => presets().catalog.gpus[x.gpu].vendor)).size;
    expect(vendors(cheapest)).toBeGreaterThan(1);
    expect(vendors(simple)).toBe(1);
    expect(simple.totalCostPerHour).toBeLessThanOrEqual(cheapest.totalCostPerHour / 0.8 + 1e-9);
    expect(simple.pools.length).toBeLessThanOrEqual(cheapest.pools.length);
  }, 30_000);

  it('max_pools and max_gpu_types bound the plan outright', async () => {
    const rag = readFileSync(`${ROOT}presets/examples/rag-long-context.yaml`, 'utf8');
    const free = await planOf(rag.replace('disaggregation: auto', 'disaggregation: auto\n  min_saving: 0'));
    expect(free.pools.length).toBeGreaterThan(1);
    const one = await planOf(rag.replace('disaggregation: auto', 'disaggregation: auto\n  min_saving: 0\n  max_pools: 1'));
    expect(one.pools).toHaveLength(1);
    expect(one.totalCostPerHour).toBeGreaterThanOrEqual(free.totalCostPerHour);
    const types = await onCluster(MIXED('disaggregation_pairs: any, max_gpu_types: 1'));
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
    // Chat at a fifth of its rate: one instance serves it.
    const chat = readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8').replace('rate: 10/s', 'rate: 2/s');
    const none = await planOf(chat);
    const one = await planOf(`${chat}planning: { redundancy: 1 }\n`);
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

describe('hardware as it is rented', () => {
  const l4 = () => presets().catalog.gpus.l4;

  it('prices an instance by the machine it packs into: L4 by the 1-GPU size, 2-GPU instances two to a 4-GPU machine', () => {
    expect(instanceCostPerHour(l4(), 1)).toBeCloseTo(0.8048, 6);
    expect(instanceCostPerHour(l4(), 2)).toBeCloseTo(4.6016 / 2, 6);
    expect(instanceCostPerHour(l4(), 8)).toBeCloseTo(13.3504, 6);
    expect(instanceCostPerHour(l4(), 16)).toBeCloseTo(2 * 13.3504, 6);
    // Per-GPU offerings: GPUs times the price.
    expect(instanceCostPerHour(presets().catalog.gpus['h100-sxm'], 2)).toBeCloseTo(2 * presets().catalog.gpus['h100-sxm'].price.usdPerHour, 6);
  });

  it('rents the cheapest whole machines that hold the instances (each on one machine)', () => {
    const shapes = machineShapes(l4())!;
    const cost = (sizes: number[]) => cheapestMachines(shapes, sizes).reduce((sum, m, k) => sum + m * shapes[k].usdPerHour, 0);
    expect(cheapestMachines(shapes, [1])).toEqual([1, 0, 0]);
    expect(cheapestMachines(shapes, [2, 2, 2])).toEqual([0, 2, 0]);
    expect(cheapestMachines(shapes, [4, 1])).toEqual([1, 1, 0]);
    expect(cheapestMachines(shapes, [8, 16])).toEqual([0, 0, 3]);
    // Never cheaper than the GPUs at the best per-GPU price, never dearer than one 1-GPU machine per GPU where they fit.
    for (const sizes of [[1, 1, 1], [2], [4, 4, 2, 1], [8]]) {
      expect(cost(sizes)).toBeGreaterThanOrEqual(sizes.reduce((a, b) => a + b, 0) * 0.8048 - 1e-9);
    }
  });

  it('an 8-GPU node sold whole is paid whole', async () => {
    const node = join(TMP, 'node.yaml');
    writeFileSync(node, 'gpus:\n  h100-sxm:\n    price:\n      usd_per_hour: 3.99\n      machines: [{ gpus: 8, usd_per_hour: 31.92 }]\n');
    const spec = readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8').replace('rate: 10/s', 'rate: 2/s');
    const plan = await planOf(`${spec}planning: { gpus: [h100-sxm] }\n`, loadInputs([node], ROOT));
    const used = plan.pools.reduce((sum, p) => sum + p.gpus, 0);
    expect(used).toBeLessThan(8);
    expect(plan.machines).toEqual([{ gpu: 'h100-sxm', gpusPerMachine: 8, count: 1, name: null, costPerHour: 31.92 }]);
    expect(plan.totalCostPerHour).toBeCloseTo(31.92, 6);
    expect(plan.pools.reduce((sum, p) => sum + p.costPerHour, 0)).toBeCloseTo(31.92, 4);
  }, 30_000);
});
