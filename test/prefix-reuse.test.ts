import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCandidates } from '../src/optimize/candidates.js';
import type { Deployment } from '../src/perf/deployment.js';
import { instanceCapacity, instanceModel } from '../src/perf/open-loop.js';
import { stepOperators } from '../src/perf/operators.js';
import { commonPrefixTokens, meanCachedTokens } from '../src/perf/prefix-cache.js';
import type { Plan } from '../src/plan/plan.js';
import { planFleet } from '../src/planning/plan-fleet.js';
import { BlockCache } from '../src/simulate/prefix-cache.js';
import { simulatePlan } from '../src/simulate/simulate.js';
import type { SimulationReport } from '../src/simulate/simulate.js';
import type { PromptReuse, ServiceSpec } from '../src/input/types.js';
import { cacheHits, withCacheHits } from '../src/workload/prefix-reuse.js';
import { sliceWorkload } from '../src/workload/slices.js';
import { createSolver } from '../dist/optimize/solver.js';
import { ROOT, cli, presets, specFromText } from './helpers.js';
import { runPlanner } from './in-process.js';

const solver = createSolver('highs');
afterAll(() => solver.close());

const vllm = () => presets().catalog.engines.vllm;
function deployment(model: string, gpu: string, overrides: Partial<Deployment> = {}): Deployment {
  const { models, catalog } = presets();
  return { model: models.resolve(model)!, gpu: catalog.gpus[gpu], tp: 1, pp: 1, ep: 1, weights: 'bf16', kvCache: 'bf16', ...overrides };
}
const byName = (d: Deployment, chunk: { count: number; tokens: number; prefixTokens: number }) =>
  Object.fromEntries(stepOperators(d, { prefill: [chunk], decodeSequences: 0, decodeContextTokens: 0 }).map((op) => [op.name, op]));

describe('a cached prefix in the performance model', () => {
  const d = deployment('llama-3.1-8b', 'h100-sxm');
  // A 4,000-token prompt whose first 3,000 tokens are cached, against the whole prompt prefilled.
  const cached = byName(d, { count: 1, tokens: 1000, prefixTokens: 3000 });
  const full = byName(d, { count: 1, tokens: 4000, prefixTokens: 0 });

  it('costs no GEMM or MLP FLOPs: the projections run on the uncached tokens only', () => {
    for (const name of ['qkv_proj', 'o_proj', 'mlp_up', 'mlp_down']) expect(cached[name].flops, name).toBe(full[name].flops / 4);
  });

  it('is still attended to: the prompt reads the cached keys and values, and its queries pair with them', () => {
    const keyBytes = (ops: typeof full, queries: number) => ops.prefill_attention.bytes - queries * 2 * 32 * 128 * 2;
    // Every one of the 4,000 positions' K and V is read either way.
    expect(keyBytes(cached, 1000)).toBe(keyBytes(full, 4000));
    expect(keyBytes(cached, 1000)).toBe(4000 * 2 * 8 * 128 * 2);
    // Causal pairs of queries 3,001–4,000 over keys 1–4,000: all pairs less those among the first 3,000.
    const pairs = (n: number) => (n * (n + 1)) / 2;
    expect(cached.prefill_attention.flops).toBe(((pairs(4000) - pairs(3000)) / (pairs(4000))) * full.prefill_attention.flops);
  });

  it('leaves decode alone (each step reads the whole context) and shrinks the prompt work and the KV a sequence holds', () => {
    const shape = { inputTokens: 4000, outputTokens: 200 };
    const reuse: PromptReuse = { prefixes: [{ tokens: 3000, hitRate: 1, distinct: 1 }] };
    const plain = instanceModel(d, vllm(), 'colocated', shape);
    const withCache = instanceModel(d, vllm(), 'colocated', { ...shape, cache: cacheHits(reuse, 4000, false) });
    if ('reason' in plain || 'reason' in withCache) throw new Error('unservable');
    for (const batch of [1, 16, 256]) expect(withCache.decodeSeconds(batch)).toBe(plain.decodeSeconds(batch));
    expect(withCache.promptSeconds).toBeLessThan(plain.promptSeconds / 2);
    // The shared 3,000 tokens are held once, not per sequence: more sequences fit.
    expect(withCache.maxSequences).toBeGreaterThan(plain.maxSequences);
  });
});

describe('what a slice finds cached', () => {
  it('shared blocks are found to a depth with their hit rates; at least the last prompt token is computed', () => {
    const reuse: PromptReuse = { prefixes: [{ tokens: 1000, hitRate: 0.9, distinct: 1 }, { tokens: 3000, hitRate: 0.4, distinct: 20 }] };
    const hits = cacheHits(reuse, 8000, false)!;
    expect(hits.outcomes.reduce((sum, o) => sum + o.share, 0)).toBeCloseTo(1, 12);
    expect(meanCachedTokens(hits)).toBeCloseTo(0.5 * 1000 + 0.4 * 4000, 9);
    expect(hits.pinnedTokens).toBe(1000 + 20 * 3000);
    const short = cacheHits(reuse, 500, false)!;
    expect(Math.max(...short.outcomes.map((o) => o.cachedTokens))).toBe(499);
  });

  it('a history counts only where the routing keeps a conversation on its instance', () => {
    const reuse: PromptReuse = { prefixes: [], history: { share: 0.9, followUps: 0.6, hitRate: 1 } };
    expect(cacheHits(reuse, 2000, false)).toBeUndefined();
    expect(meanCachedTokens(cacheHits(reuse, 2000, true)!)).toBeCloseTo(0.6 * 1800, 9);
  });
});

const SPEC = `model: llama-3.1-8b
workload:
  rate: 20/s
  input_tokens: { distribution: lognormal, median: 1500, sigma: 0.7, max: 8k }
  output_tokens: { distribution: lognormal, median: 200, sigma: 0.6, max: 1k }
slo: { ttft: 400ms, tpot: 40ms }
planning: { gpus: [l4, l40s, h100-sxm], max_slices: 6 }
`;
const withReuse = (reuse: PromptReuse, routing: 'random' | 'prefix-aware' = 'random'): ServiceSpec => {
  const spec = specFromText(SPEC).value!;
  return { ...spec, classes: spec.classes.map((c) => ({ ...c, reuse })), planning: { ...spec.planning, prefixRouting: routing } };
};

describe('prefix reuse never raises cost', () => {
  const base = specFromText(SPEC).value!;
  const engine = vllm();
  const gpus = base.planning.gpus.map((id) => presets().catalog.gpus[id]);
  const plainCandidates = buildCandidates(base, gpus, engine, sliceWorkload(base.classes, base.planning.maxSlices));

  it('every candidate sustains at least as much of every slice with prompt reuse as without (random reuse)', () => {
    const block = fc.record({ tokens: fc.integer({ min: 1, max: 6000 }), hitRate: fc.double({ min: 0, max: 1, noNaN: true }), distinct: fc.integer({ min: 1, max: 500 }) });
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 3 }), fc.option(fc.record({ share: fc.double({ min: 0.01, max: 0.99, noNaN: true }), followUps: fc.double({ min: 0.05, max: 1, noNaN: true }) }), { nil: undefined }), (blocks, history) => {
        // Hit rates never rise along the prompt.
        const prefixes = blocks.map((b, i) => ({ ...b, hitRate: Math.min(...blocks.slice(0, i + 1).map((x) => x.hitRate)) }));
        const spec = withReuse({ prefixes, ...(history ? { history: { ...history, hitRate: 1 } } : {}) }, 'prefix-aware');
        const slices = withCacheHits(sliceWorkload(spec.classes, spec.planning.maxSlices), spec.classes, 'prefix-aware');
        const candidates = buildCandidates(spec, gpus, engine, slices);
        candidates.forEach((c, i) => {
          expect(c.id).toBe(plainCandidates[i].id);
          for (const [slice, capacity] of plainCandidates[i].capacity) {
            expect(c.capacity.get(slice)?.ratePerSecond ?? 0, `${c.id} ${slice}`).toBeGreaterThanOrEqual(capacity.ratePerSecond);
          }
        });
      }),
      { numRuns: 12, seed: 15 },
    );
  });

  it('more reuse, a plan that costs no more: hit rates from 0 to 100% and history shares (verified plans)', async () => {
    const costOf = async (spec: ServiceSpec) => {
      const result = await planFleet(spec, presets().catalog, solver);
      if (!('plan' in result)) throw new Error(result.infeasible.join('; '));
      return result.plan.totalCostPerHour;
    };
    const byHit: number[] = [];
    for (const hitRate of [0, 0.25, 0.5, 0.75, 0.9, 1]) byHit.push(await costOf(withReuse({ prefixes: [{ tokens: 1000, hitRate, distinct: 1 }] })));
    const byShare: number[] = [];
    for (const share of [0, 0.3, 0.6, 0.9]) byShare.push(await costOf(withReuse({ prefixes: [], ...(share > 0 ? { history: { share, followUps: 0.7, hitRate: 1 } } : {}) }, 'prefix-aware')));
    for (const costs of [byHit, byShare]) {
      costs.forEach((c, i) => i > 0 && expect(c, `${costs}`).toBeLessThanOrEqual(costs[i - 1]));
      expect(costs.at(-1)!).toBeLessThan(costs[0]);
    }
  });
});

describe('planner plan with prefix reuse', () => {
  const plan = async (...set: string[]) => {
    const result = await runPlanner(['plan', 'presets/examples/chat.yaml', '--format', 'json', ...set.flatMap((s) => ['--set', s])]);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };

  it('a hit rate of 0, a reuse of 0 or the prefix cache off reproduce today\'s plan byte for byte', async () => {
    const today = await plan();
    expect(await plan('workload.prefix={shared_tokens: 2k, hit_rate: 0}')).toBe(today);
    expect(await plan('workload.reuse=0%', 'planning.prefix_routing=prefix-aware')).toBe(today);
    expect(await plan('workload.prefix={shared_tokens: 500, hit_rate: 90%}', 'planning.prefix_cache=off')).toBe(today);
  });

  it('says what it counts on, in JSON (schema-valid) and text; it costs less and holds in simulation', async () => {
    const today = JSON.parse(await plan()) as Plan;
    const reused = JSON.parse(await plan('workload.prefix={shared_tokens: 500, hit_rate: 90%}', 'workload.reuse={share: 80%, follow_ups: 60%}')) as Plan;
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(`${ROOT}schemas/plan.schema.json`, 'utf8')));
    expect(validate(reused), JSON.stringify(validate.errors)).toBe(true);
    expect(reused.workload.prefixCache).toMatchObject({
      routing: 'random',
      classes: [{ class: 'default', prefixes: [{ tokens: 500, hitRate: 0.9, distinct: 1 }], history: { share: 0.8, followUps: 0.6, hitRate: 1, counted: false }, workingSetTokens: 500 }],
      poolsWithoutCache: [],
    });
    expect(reused.workload.prefixCache!.classes[0].cachedPercent).toBeGreaterThan(20);
    expect(reused.totals.costPerHour).toBeLessThan(today.totals.costPerHour);
    expect(reused.verification!.holds).toBe(true);
    const text = await runPlanner(['plan', 'presets/examples/chat.yaml', '--format', 'table', '--set', 'workload.reuse=70%', '--set', 'planning.prefix_routing=prefix-aware']);
    expect(text.stdout).toMatch(/^prefix cache: the plan assumes prefix-aware routing/m);
    expect(text.stdout).toMatch(/^ {2}\d+(\.\d+)?% of prompt tokens taken as cached, not prefilled — each prompt is 70% earlier turns$/m);
  });

  it('refuses what cannot be: rising hit rates, rates over 100%, a whole prompt of history, reuse: trace without a trace (exit 2, at the line)', async () => {
    const rising = specFromText(SPEC.replace('  rate: 20/s\n  input_tokens', '  rate: 20/s\n  prefix: [{ shared_tokens: 1k, hit_rate: 50% }, { shared_tokens: 1k, hit_rate: 80% }]\n  input_tokens'));
    expect(rising.value).toBeUndefined();
    expect(rising.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`)).toEqual([
      'spec.yaml:4:81: workload.prefix[1].hit_rate: a block is found cached only with the blocks before it, so its hit rate (80%) cannot exceed theirs (50%)',
    ]);
    for (const [set, message] of [
      ['workload.prefix={shared_tokens: 1k, hit_rate: 120%}', /workload\.prefix\.hit_rate: a hit rate is at most 100%/],
      ['workload.reuse=100%', /workload\.reuse: the earlier turns are less than the whole prompt/],
      ['workload.reuse=trace', /workload\.reuse: reuse: trace measures the reuse of a trace's sessions/],
      ['planning.prefix_routing=sticky', /planning\.prefix_routing/],
    ] as const) {
      const result = await runPlanner(['plan', 'presets/examples/chat.yaml', '--set', set]);
      expect(result.code, set).toBe(2);
      expect(result.stderr, set).toMatch(message);
    }
  });
});

describe('the simulator honours the cache', () => {
  const spec = (extra: string) => specFromText(readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8').replace('slo:', `${extra}slo:`)).value!;
  const planned = JSON.parse(cli(['plan', 'presets/examples/chat.yaml', '--format', 'json', '--no-verify']).stdout) as Plan;
  const run = (s: ServiceSpec) => simulatePlan(planned, s, presets().catalog, { durationSeconds: 300, seed: 2 });

  it('a prompt skips what it finds cached: shorter first tokens, the same plan', () => {
    const none = run(spec(''));
    const shared = run(spec('  prefix: { shared_tokens: 600 }\n'));
    expect(shared.arrivals.requests).toBe(none.arrivals.requests);
    expect(shared.overall.ttftMs.p50!).toBeLessThan(0.8 * none.overall.ttftMs.p50!);
    // Off: the same run as without reuse, to the byte.
    expect(JSON.stringify(run({ ...spec('  prefix: { shared_tokens: 600 }\n'), classes: spec('').classes }))).toBe(JSON.stringify(none));
  });

  it('a conversation finds its history with prefix-aware routing, seldom with random routing', () => {
    const s = spec('  reuse: 85%\n');
    const random = run(s);
    const aware = run({ ...s, planning: { ...s.planning, prefixRouting: 'prefix-aware' } });
    expect(aware.overall.ttftMs.p50!).toBeLessThan(0.7 * random.overall.ttftMs.p50!);
  });

  it('the cache keeps idle blocks in free room and evicts the least recently used', () => {
    const cache = new BlockCache((tokens) => tokens);
    const a = [{ key: 'a', tokens: 100 }];
    const b = [{ key: 'b', tokens: 50 }];
    cache.acquire(a);
    expect(cache.lookup(a)).toEqual({ cachedTokens: 0, newBytes: 0 });
    cache.computed(a);
    cache.acquire(a);
    expect(cache.inUseBytes).toBe(100);
    cache.release(a);
    cache.release(a);
    cache.acquire(b);
    cache.computed(b);
    cache.release(b);
    expect([cache.inUseBytes, cache.idleBytes]).toEqual([0, 150]);
    // An idle block is found computed, but taking it adds its bytes to those in use: admission counts them.
    expect(cache.lookup(a)).toEqual({ cachedTokens: 100, newBytes: 100 });
    cache.evictTo(60);
    expect(cache.lookup(a)).toEqual({ cachedTokens: 0, newBytes: 100 });
    expect(cache.lookup(b).cachedTokens).toBe(50);
  });
});

describe('prompt reuse in traces', () => {
  it('planner workload measures the history of sessions (session_id, turn) and the blocks of Mooncake traces', () => {
    const sessions = cli(['workload', 'presets/examples/traces/chat-sessions.csv']);
    expect(sessions.code, sessions.stderr).toBe(0);
    expect(sessions.stdout).toMatch(/^prompt reuse: 73\.8% of prompt tokens are earlier turns of their session — 64\.9% of requests are follow-ups, 93\.3% of a follow-up's prompt \(600 sessions, 36\.5 s between turns\); in a spec: reuse: trace/m);
    const json = JSON.parse(cli(['workload', 'presets/examples/traces/chat-sessions.csv', '--format', 'json']).stdout);
    expect(json.reuse).toMatchObject({ sessions: 600, sessionRequests: 1711 });
    expect(json.prefixBlocks).toBeUndefined();
    const mooncake = cli(['workload', 'test/fixtures/traces/mooncake-sample.jsonl']);
    expect(mooncake.stdout).toMatch(/^test\/fixtures\/traces\/mooncake-sample\.jsonl: 1711 requests over 976 s$/m);
    expect(mooncake.stdout).toMatch(/^prefix blocks: 76\.4% of prompt tokens are in 512-token blocks an earlier request had/m);
    // Mapped columns: the session id and turn by name.
    const mapped = cli(['workload', 'presets/examples/traces/chat-sessions.csv', '--trace-format', 'csv', '--columns', 'timestamp,input_tokens,output_tokens,session_id,turn']);
    expect(mapped.stdout).toContain('prompt reuse: 73.8%');
    expect(cli(['workload', 'presets/examples/traces/chat-sessions.csv', '--columns', 'timestamp,input_tokens,output_tokens,chat']).stderr).toMatch(/trace header lacks session_id \("chat"\)/);
  });

  it('a trace-sized plan takes its reuse from the trace, per prompt size, and holds on the trace replayed', async () => {
    const base = ['plan', 'presets/examples/chat-from-trace.yaml', '--format', 'json', '--set', 'workload.trace.file=traces/chat-sessions.csv', '--set', 'workload.trace.format=csv'];
    const none = await runPlanner(base);
    const reused = await runPlanner([...base, '--set', 'workload.reuse=trace', '--set', 'planning.prefix_routing=prefix-aware']);
    expect(reused.code, reused.stderr).toBe(0);
    const [a, b] = [JSON.parse(none.stdout) as Plan, JSON.parse(reused.stdout) as Plan];
    expect(b.workload.prefixCache!.classes[0].cachedPercent).toBeCloseTo(73.8, 0);
    expect(b.totals.costPerHour).toBeLessThanOrEqual(a.totals.costPerHour);
    expect(b.verification).toMatchObject({ holds: true, arrivals: 'trace' });
  });
});

describe('planner deploy of a plan that counts on prompt reuse', () => {
  it('says so in every header, with the routing it needs, and names TensorRT-LLM\'s block reuse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-prefix-'));
    const file = join(dir, 'plan.json');
    const nvidia = ['--set', 'planning.gpus=[h100-sxm]'];
    const planned = await runPlanner(['plan', 'presets/examples/chat.yaml', '--no-verify', '--out', file, ...nvidia, '--set', 'workload.reuse=70%', '--set', 'planning.prefix_routing=prefix-aware']);
    expect(planned.code, planned.stderr).toBe(0);
    const vllm = await runPlanner(['deploy', file, '--target', 'vllm']);
    expect(vllm.stdout).toMatch(/^# It counts on the engine's prefix cache \(prompt tokens taken as cached: default \d+%\) and prefix-aware routing: the gateway must send a conversation's turns to the instance that served its last one/m);
    const trtllm = await runPlanner(['deploy', file, '--target', 'trtllm']);
    expect(trtllm.stdout).toContain('enable_block_reuse: true');
    // Without reuse, the files are as before.
    const plain = join(dir, 'plain.json');
    await runPlanner(['plan', 'presets/examples/chat.yaml', '--no-verify', '--out', plain, ...nvidia]);
    const before = await runPlanner(['deploy', plain, '--target', 'trtllm']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).not.toMatch(/prefix cache|block_reuse/);
  });
});

describe('shared-prefix attention (planning.shared_prefix_attention)', () => {
  const TMP = mkdtempSync(join(tmpdir(), 'planner-shared-prefix-'));
  it('a batch shares a level only when all its sequences hold the same path of it', () => {
    const levels = [
      { tokens: 1000, share: 1, paths: 1 },
      { tokens: 4000, share: 0.4, paths: 50 },
    ];
    // One sequence: its own mean shared tokens. Eight: only the system prompt is surely common.
    expect(commonPrefixTokens(levels, 1)).toBeCloseTo(1000 + 0.4 * 4000, 9);
    expect(commonPrefixTokens(levels, 8)).toBeCloseTo(1000 + 4000 * 50 * (0.4 / 50) ** 8, 9);
    // A level is common only as often as every level before it.
    expect(commonPrefixTokens([{ tokens: 1000, share: 0.5, paths: 1 }, ...levels], 64)).toBeLessThan(1e-6);
  });

  it('a 4k system prompt every request carries: decode steps read it once, the plan costs no more, and the simulation agrees', async () => {
    const spec = readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8').replace('workload:\n', 'workload:\n  prefix: { shared_tokens: 4k }\n');
    const path = join(TMP, 'chat-system-prompt.yaml');
    writeFileSync(path, spec);
    const planAt = async (value: string) => {
      const result = await runPlanner(['plan', path, '--set', `planning.shared_prefix_attention=${value}`, '--format', 'json']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Plan;
    };
    const off = await planAt('off');
    const on = await planAt('on');
    expect(on.totalCostPerHour).toBeLessThanOrEqual(off.totalCostPerHour);
    expect(on.workload.prefixCache!.sharedPrefixAttention).toBe(true);
    expect(off.workload.prefixCache!.sharedPrefixAttention).toBeUndefined();
    expect(on.verification!.holds).toBe(true);
    // The same plan simulated with the engine reading the prefix per sequence decodes slower.
    const planPath = join(TMP, 'chat-system-prompt-on.json');
    writeFileSync(planPath, JSON.stringify(on));
    const simulate = async (value: string) =>
      JSON.parse((await runPlanner(['simulate', path, '--plan', planPath, '--set', `planning.shared_prefix_attention=${value}`, '--duration', '300s', '--format', 'json'])).stdout) as SimulationReport;
    expect((await simulate('on')).overall.tpotMs.p50!).toBeLessThan((await simulate('off')).overall.tpotMs.p50!);
  }, 60_000);
});
