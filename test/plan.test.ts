import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { planFleet } from '../src/planning/plan-fleet.js';
import type { Plan } from '../src/plan/plan.js';
import type { ServiceSpec } from '../src/input/types.js';
import { createSolver } from '../dist/optimize/solver.js';
import { ROOT, cli, presets, specFromText } from './helpers.js';
import { runPlanner } from './in-process.js';

const solver = createSolver('highs');
afterAll(() => solver.close());

const EXAMPLES = ['chat', 'rag-long-context', 'batch-summarization', 'code-completion', 'multi-tenant'];
const examplePlans = new Map<string, Plan>();
function examplePlan(name: string): Plan {
  if (!examplePlans.has(name)) {
    const result = cli(['plan', `presets/examples/${name}.yaml`, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    examplePlans.set(name, JSON.parse(result.stdout) as Plan);
  }
  return examplePlans.get(name)!;
}

async function cost(spec: ServiceSpec): Promise<number> {
  const result = await planFleet(spec, presets().catalog, solver);
  if (!('plan' in result)) throw new Error(result.infeasible.join('; '));
  return result.plan.totalCostPerHour;
}

const chatSpec = (rate: string, gpus: string) =>
  specFromText(`model: llama-3.1-8b
workload:
  rate: ${rate}
  input_tokens: { distribution: lognormal, median: 800, sigma: 0.8, max: 8k }
  output_tokens: { distribution: lognormal, median: 200, sigma: 0.6, max: 1k }
slo: { ttft: 500ms, tpot: 40ms }
planning: { gpus: [${gpus}], max_slices: 6, min_saving: 0 }
`).value!;

describe('planner plan on the examples', () => {
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(`${ROOT}schemas/plan.schema.json`, 'utf8')));

  it.each(EXAMPLES)('%s: JSON output matches schemas/plan.schema.json', (name) => {
    const plan = examplePlan(name);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    expect(plan.version).toBe(2);
    expect(plan.pools.length).toBeGreaterThan(0);
  });

  it.each(EXAMPLES)('%s: the plan serves every slice and breaks no constraint', (name) => {
    const plan = examplePlan(name);
    for (const slice of plan.workload.slices) {
      const side = (roles: string[]) =>
        plan.pools.filter((p) => roles.includes(p.role)).reduce((sum, p) => sum + (p.slices.find((s) => s.slice === slice.id)?.share ?? 0), 0);
      expect(side(['colocated', 'prefill']), `${slice.id} prefill side`).toBeCloseTo(1, 4);
      expect(side(['colocated', 'decode']), `${slice.id} decode side`).toBeCloseTo(1, 4);
      // Pools run within their SLO capacity, so the predictions meet the SLOs.
      if (slice.slo.ttftMs !== null) expect(slice.predicted.ttftMs!, `${slice.id} TTFT`).toBeLessThanOrEqual(slice.slo.ttftMs * 1.0001);
      if (slice.slo.tpotMs !== null) expect(slice.predicted.tpotMs!, `${slice.id} TPOT`).toBeLessThanOrEqual(slice.slo.tpotMs * 1.0001);
    }
    for (const pool of plan.pools) {
      expect(pool.utilization).toBeLessThanOrEqual(plan.loadFactor + 1e-6);
      expect(Number.isInteger(pool.count)).toBe(true);
    }
    expect(plan.totalCostPerHour).toBeCloseTo(plan.pools.reduce((sum, p) => sum + p.costPerHour, 0), 4);
  });

  it('respects availability limits and the budget (multi-tenant)', () => {
    const plan = examplePlan('multi-tenant');
    const h100s = plan.pools.filter((p) => p.gpu === 'h100-sxm').reduce((sum, p) => sum + p.gpus, 0);
    expect(h100s).toBeLessThanOrEqual(16);
    expect(plan.totalCostPerHour).toBeLessThanOrEqual(200);
    expect(plan.pools.every((p) => ['a100-80gb', 'h100-sxm', 'h200', 'mi300x'].includes(p.gpu))).toBe(true);
  });

  it('reports baselines: a cheaper one saves less than min_saving against the plan', () => {
    for (const name of EXAMPLES) {
      const plan = examplePlan(name);
      const m = plan.simplicity.minSavingPercent / 100;
      for (const b of plan.baselines.filter((x) => x.feasible)) {
        // The plan costs at most what the baseline does over (1 − min saving).
        expect(plan.totalCostPerHour, `${name}: ${b.name}`).toBeLessThanOrEqual(b.costPerHour! / (1 - m) + 1e-6);
      }
      expect(plan.totalCostPerHour).toBeLessThanOrEqual(plan.simplicity.cheapest.costPerHour / (1 - m) + 1e-6);
      expect(plan.totalCostPerHour).toBeGreaterThanOrEqual(plan.simplicity.cheapest.costPerHour - 1e-6);
    }
  });

  it('is deterministic: the same spec gives byte-identical output', () => {
    const first = cli(['plan', 'presets/examples/chat.yaml', '--format', 'json']).stdout;
    expect(cli(['plan', 'presets/examples/chat.yaml', '--format', 'json']).stdout).toBe(first);
    expect(JSON.parse(first)).toEqual(examplePlan('chat'));
  });
});

describe('plans an operator can launch: routes and memory', () => {
  it.each([...EXAMPLES, 'chat-from-trace'])('%s: routes are by class and prompt length only — every answer length of a route goes to the same pools', (name) => {
    const plan = examplePlan(name);
    for (const route of plan.routes) {
      for (const id of route.slices) {
        for (const pool of plan.pools) {
          const share = pool.slices.find((x) => x.slice === id)?.share ?? 0;
          const routed = route.shares.find((x) => x.pool === pool.id)?.share ?? 0;
          expect(share, `${route.id} ${id} on ${pool.id}`).toBeCloseTo(routed, 5);
        }
      }
      expect(plan.workload.slices.filter((s) => s.route === route.id).map((s) => s.id)).toEqual(route.slices);
    }
    // A class's routes tile its prompt sizes: no gaps, no overlaps.
    for (const cls of new Set(plan.routes.map((r) => r.class))) {
      const ranges = plan.routes.filter((r) => r.class === cls).map((r) => r.inputTokens).sort((a, b) => a[0] - b[0]);
      ranges.forEach((r, i) => {
        expect(r[0]).toBeLessThanOrEqual(r[1]);
        if (i > 0) expect(r[0], `${cls} route ${i}`).toBe(ranges[i - 1][1] + 1);
      });
    }
  });

  it.each([...EXAMPLES, 'chat-from-trace'])('%s: no pool is sent a request longer than its max model length, nor one its KV cache cannot hold', (name) => {
    const plan = examplePlan(name);
    for (const pool of plan.pools) {
      expect(pool.launch.maxModelLen, pool.id).toBeLessThanOrEqual(pool.launch.kvCacheTokens);
      for (const route of plan.routes.filter((r) => r.shares.some((x) => x.pool === pool.id))) {
        const longest = pool.role === 'prefill' ? route.inputTokens[1] + 1 : route.inputTokens[1] + route.maxOutputTokens;
        expect(longest, `${route.id} on ${pool.id}`).toBeLessThanOrEqual(pool.launch.maxModelLen);
      }
    }
  });

  it('plans memory at the longest request: a 70B FP8 model on one H100 cannot take 8k-token prompts', async () => {
    const spec = specFromText(`model: llama-3.3-70b
precision: { weights: fp8 }
workload:
  rate: 2/s
  input_tokens: { distribution: lognormal, median: 800, sigma: 0.9, max: 8k }
  output_tokens: { distribution: lognormal, median: 250, sigma: 0.7, max: 2k }
slo: { ttft: 2s, tpot: 80ms }
planning: { gpus: [h100-sxm], tensor_parallel: [1] }
`).value!;
    const result = await planFleet(spec, presets().catalog, solver);
    expect('infeasible' in result).toBe(true);
    if ('infeasible' in result) expect(result.infeasible.join('\n')).toMatch(/the longest \d+-token request .* needs [\d.]+ GiB of KV cache per GPU, [\d.]+ GiB is left/);
    // With room to hold it (tp 2), the long prompts go to pools launched for them.
    const wider = await planFleet({ ...spec, planning: { ...spec.planning, tensorParallel: [1, 2] } }, presets().catalog, solver);
    if (!('plan' in wider)) throw new Error(wider.infeasible.join('; '));
    const longRoute = wider.plan.routes.find((r) => r.inputTokens[1] === 8000)!;
    for (const { pool } of longRoute.shares) expect(wider.plan.pools.find((p) => p.id === pool)!.tp).toBe(2);
  }, 30_000);

  it('plans an engine only on the GPUs it runs on: TensorRT-LLM on NVIDIA, never on AMD', async () => {
    const { catalog } = presets();
    const plan = await runPlanner(['plan', 'presets/examples/chat.yaml', '--set', 'planning.engine=trtllm', '--no-verify', '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    const pools = (JSON.parse(plan.stdout) as Plan).pools;
    expect(pools.length).toBeGreaterThan(0);
    for (const p of pools) expect(catalog.gpus[p.gpu]!.vendor, p.id).toBe('nvidia');
    // A listed AMD type is left out with a warning; only AMD is refused, naming the field.
    const mixed = await runPlanner(['plan', 'presets/examples/chat.yaml', '--set', 'planning.engine=trtllm', '--set', 'planning.gpus=[h100-sxm, mi300x]', '--no-verify', '--format', 'json']);
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stderr).toMatch(/planning\.gpus: mi300x left out: TensorRT-LLM .* runs on nvidia GPUs only/);
    const amd = await runPlanner(['plan', 'presets/examples/chat.yaml', '--set', 'planning.engine=trtllm', '--set', 'planning.gpus=[mi300x]', '--no-verify']);
    expect(amd.code).toBe(2);
    expect(amd.stderr).toMatch(/planning\.gpus: TensorRT-LLM .* runs on nvidia GPUs only, and none of mi300x is one/);
    const estimate = await runPlanner(['estimate', '--model', 'llama-3.1-70b', '--gpu', 'mi300x', '--tp', '2', '--engine', 'trtllm', '--concurrency', '8', '--input-tokens', '1000', '--output-tokens', '100']);
    expect(estimate.code).toBe(2);
    expect(estimate.stderr).toMatch(/runs on nvidia GPUs only; mi300x is amd/);
  }, 30_000);
});

describe('planner plan properties', () => {
  it('adding a GPU type never raises the cost', async () => {
    const one = await cost(chatSpec('8/s', 'a100-80gb'));
    const two = await cost(chatSpec('8/s', 'a100-80gb, l40s'));
    const three = await cost(chatSpec('8/s', 'a100-80gb, l40s, h100-sxm'));
    expect(two).toBeLessThanOrEqual(one + 1e-9);
    expect(three).toBeLessThanOrEqual(two + 1e-9);
  }, 30_000);

  it('doubling the rate at most doubles the cost plus one instance per pool', async () => {
    const spec = chatSpec('5/s', 'l40s, h100-sxm');
    const result = await planFleet(spec, presets().catalog, solver);
    if (!('plan' in result)) throw new Error('no plan');
    const doubled = await cost(chatSpec('10/s', 'l40s, h100-sxm'));
    const slack = result.plan.pools.reduce((sum, p) => sum + p.costPerHour / p.count, 0);
    expect(doubled).toBeLessThanOrEqual(2 * result.plan.totalCostPerHour + slack + 1e-9);
    expect(doubled).toBeGreaterThan(result.plan.totalCostPerHour);
  }, 30_000);
});

describe('planner plan CLI', () => {
  it('explains an SLO no GPU can meet, with the numbers, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-'));
    writeFileSync(join(dir, 'tight.yaml'), 'model: llama-3.1-70b\nworkload: { rate: 1/s, input_tokens: 32k, output_tokens: 100 }\nslo: { ttft: 100ms }\n');
    const result = cli(['plan', join(dir, 'tight.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no plan meets the SLOs/);
    expect(result.stderr).toMatch(/TTFT p90 for 32000-token prompts with 100-token answers is [\d.]+ m?s on the fastest candidate \([a-z0-9-]+ tp\d+ (colocated|prefill)\), SLO 100 ms/);
  });

  it('names the budget when it is what makes the spec infeasible', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-'));
    writeFileSync(join(dir, 'budget.yaml'), 'model: llama-3.1-8b\nworkload: { rate: 20/s, input_tokens: 1k, output_tokens: 200 }\nslo: { ttft: 1s, tpot: 50ms }\nbudget: $1/h\n');
    const result = cli(['plan', join(dir, 'budget.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the cheapest plan costs \$[\d.]+\/h, over the budget of \$1\.00\/h/);
  });

  it('prints a table, writes the JSON with --out, and renders yaml and markdown from the same plan', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-'));
    const out = join(dir, 'plan.json');
    const table = cli(['plan', 'presets/examples/code-completion.yaml', '--format', 'table', '--out', out]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^code-completion: llama-3\.1-8b \(fp8 weights, fp8 KV cache\) on vllm, 50 req\/s/);
    expect(table.stdout).toMatch(/^POOL\s+GPU\s+COUNT\s+TP\s+PP\s+ROLE\s+ROUTES\s+TTFT P99\s+TPOT P99\s+UTIL\s+\$\/H/m);
    expect(table.stdout).toMatch(/^total: \$[\d,.]+\/h, \$[\d,.]+\/month/m);
    expect(table.stdout).toMatch(/against simpler plans:/);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as Plan;
    expect(saved).toEqual(examplePlan('code-completion'));
    // The same plan in the other formats (render prints what plan would: robustness.test.ts holds that).
    const yaml = cli(['render', out, '--format', 'yaml']);
    expect(yaml.stdout).toMatch(/^version: 2\n/);
    expect(yaml.stdout).toContain(`totalCostPerHour: ${saved.totalCostPerHour}`);
    const md = cli(['render', out, '--format', 'markdown']);
    expect(md.stdout).toMatch(/^### Serving plan: code-completion\n/);
    expect(md.stdout).toMatch(/^\| # \| GPU \| count \| tp \| pp \| role \| routes \|/m);
  });
});

describe('measured capacities', () => {
  const spec = (extra = '') =>
    specFromText(`model: llama-3.1-8b
workload: { rate: 10/s, input_tokens: 1000, output_tokens: 200 }
slo: { ttft: 1s, tpot: 50ms }
planning:
  gpus: [l4]
  measured_capacity:
    - { gpu: l4, input_tokens: 2k, output_tokens: 500, max_rate: 1.5/s }
    - { gpu: l4, input_tokens: 8k, output_tokens: 500, max_rate: 0.5/s }
${extra}`);

  it('replace the performance model for their GPU type: the plan uses the measured rate', async () => {
    const result = await planFleet(spec().value!, presets().catalog, solver);
    if (!('plan' in result)) throw new Error(result.infeasible.join('; '));
    // 10 req/s at 85% of 1.5 req/s per L4 (the smallest measured size covering 1000 → 200 tokens): 8 instances.
    expect(result.plan.pools).toEqual([expect.objectContaining({ gpu: 'l4', count: 8, tp: 1, role: 'colocated', binding: 'measured' })]);
    expect(result.plan.pools[0].predicted).toEqual({ ttftMs: null, tpotMs: null, e2eMs: null });
    expect(result.plan.totalCostPerHour).toBeCloseTo(8 * presets().catalog.gpus.l4.price.usdPerHour, 6);
  });

  it('cannot serve sizes no measurement covers, and says so', async () => {
    const big = specFromText(`model: llama-3.1-8b
workload: { rate: 1/s, input_tokens: 16k, output_tokens: 200 }
slo: { ttft: 10s }
planning:
  gpus: [l4]
  measured_capacity: [{ gpu: l4, input_tokens: 8k, output_tokens: 500, max_rate: 0.5/s }]
`).value!;
    const result = await planFleet(big, presets().catalog, solver);
    expect('infeasible' in result && result.infeasible[0]).toMatch(/no measured capacity covers 16000-token prompts/);
  });

  it('may sit in a catalog overlay, for the model it names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-'));
    writeFileSync(join(dir, 'cat.yaml'), 'measured_capacity:\n  - { model: meta-llama/Llama-3.1-8B-Instruct, gpu: l4, input_tokens: 2k, output_tokens: 500, max_rate: 1.5/s }\n  - { model: llama-3.1-8bb, gpu: l4, input_tokens: 2k, output_tokens: 500, max_rate: 1/s }\n');
    writeFileSync(join(dir, 'spec.yaml'), 'model: llama-3.1-8b\nworkload: { rate: 10/s, input_tokens: 1000, output_tokens: 200 }\nslo: { ttft: 1s }\nplanning: { gpus: [l4] }\n');
    const bad = cli(['validate', join(dir, 'spec.yaml'), '--catalog', join(dir, 'cat.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cat\.yaml:3:5: measured_capacity: unknown model "llama-3\.1-8bb" \(did you mean "llama-3\.1-8b"/);
    writeFileSync(join(dir, 'cat.yaml'), 'measured_capacity:\n  - { model: meta-llama/Llama-3.1-8B-Instruct, gpu: l4, input_tokens: 2k, output_tokens: 500, max_rate: 1.5/s }\n');
    const plan = JSON.parse(cli(['plan', join(dir, 'spec.yaml'), '--catalog', join(dir, 'cat.yaml'), '--format', 'json']).stdout) as Plan;
    expect(plan.pools).toEqual([expect.objectContaining({ gpu: 'l4', count: 8, binding: 'measured' })]);
  });
});
