import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { colocatedOwnTpot } from '../src/perf/own-tpot.js';
import { countTail, meanWait, poissonQuantile } from '../src/perf/queueing.js';
import type { Plan } from '../src/plan/plan.js';
import { runEngine } from '../src/simulate/engine.js';
import type { RequestOutcome, SimPool } from '../src/simulate/engine.js';
import type { Arrival } from '../src/simulate/requests.js';
import { routeFinder, sliceFinder, syntheticArrivals } from '../src/simulate/requests.js';
import { createRng, interArrival } from '../src/simulate/rng.js';
import { planMismatches, simulatePlan } from '../src/simulate/simulate.js';
import type { SimulationReport } from '../src/simulate/simulate.js';
import type { InstanceTiming } from '../src/simulate/timing.js';
import { requestsForPercentile, sizedDuration, warmupFor } from '../src/simulate/duration.js';
import { requiredAttainment } from '../src/planning/verify.js';
import { percentile } from '../src/workload/percentile.js';
import { ROOT, cli, presets, specFromText } from './helpers.js';

const VLLM = () => presets().catalog.engines.vllm;
const TMP = mkdtempSync(join(tmpdir(), 'planner-simulate-'));
/** Writes a file in this test's temporary folder and returns its path. */
function writeFile(name: string, text: string): string {
  const path = join(TMP, name);
  writeFileSync(path, text);
  return path;
}

/** One FCFS server: prompts one at a time (one sequence at most), one-token answers, no overheads. */
function singleServer(secondsPerToken: number): SimPool {
  const timing: InstanceTiming = {
    decodeSeconds: () => 0,
    prefillSeconds: (tokens) => tokens * secondsPerToken,
    kvBytes: () => 1,
    blockBytes: () => 1,
    kvRoomBytes: 1e12,
    engine: { ...VLLM(), maxSequences: 1, maxBatchedTokens: 1e9, requestOverheadSeconds: 0 },
    maxSequences: 1,
  };
  return { id: 'server', role: 'colocated', instances: 1, timing };
}

/** Poisson arrivals at `rate` with prompt sizes from `tokens`. */
function* poisson(rate: number, count: number, tokens: (rng: () => number) => number, seed = 7): Generator<Arrival> {
  const rng = createRng(seed);
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += interArrival(rng, 1 / rate, 1);
    yield { arrival: t, inputTokens: tokens(rng), outputTokens: 1, cls: 0 };
  }
}

function sojourns(pool: SimPool, arrivals: Generator<Arrival>, duration: number): number[] {
  const ttfts: number[] = [];
  const result = runEngine([pool], [{ prefillSide: [{ pool: 0, share: 1 }], decodeOnly: [] }], arrivals, () => 0, () => 0, createRng(1), {
    durationSeconds: duration,
    warmupSeconds: 200,
    slices: 1,
    record: (o) => ttfts.push(o.ttft),
  });
  expect(result.unfinished).toEqual([0]);
  return ttfts;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('simulator against queueing closed forms', () => {
  const lambda = 7;
  const count = 150_000;
  const duration = count / lambda;

  it('M/D/1 (deterministic 0.1 s service, ρ = 0.7): mean sojourn S + ρS / (2(1 − ρ)) within 3%', () => {
    const times = sojourns(singleServer(1e-4), poisson(lambda, count, () => 1000), duration);
    const expected = 0.1 + meanWait(0.7, 0.1);
    expect(mean(times) / expected).toBeGreaterThan(0.97);
    expect(mean(times) / expected).toBeLessThan(1.03);
  });

  it('M/M/1 (exponential service of mean 0.1 s, ρ = 0.7): mean 1/(μ − λ) and p90 ln 10/(μ − λ) within 4%', () => {
    const exponential = (rng: () => number) => Math.max(1, Math.round(-1000 * Math.log(rng())));
    const times = sojourns(singleServer(1e-4), poisson(lambda, count, exponential), duration);
    const rate = 10 - lambda;
    expect(mean(times) * rate).toBeGreaterThan(0.96);
    expect(mean(times) * rate).toBeLessThan(1.04);
    expect((percentile(times, 90) * rate) / Math.log(10)).toBeGreaterThan(0.96);
    expect((percentile(times, 90) * rate) / Math.log(10)).toBeLessThan(1.04);
  });

  it('bursty gaps have the coefficient of variation asked for', () => {
    for (const cv of [0.5, 1, 2]) {
      const rng = createRng(3);
      const gaps = Array.from({ length: 100_000 }, () => interArrival(rng, 0.1, cv));
      const m = mean(gaps);
      const sd = Math.sqrt(mean(gaps.map((g) => (g - m) ** 2)));
      expect(m).toBeCloseTo(0.1, 2);
      expect(sd / m).toBeGreaterThan(cv * 0.97);
      expect(sd / m).toBeLessThan(cv * 1.03);
    }
  });

  it("a request's own TPOT quantile on a colocated instance is the exact quantile of its mixture", () => {
    const load = { decodeStep: 0.005, promptSeconds: 0.03, rate: 20, meanTpot: 0.006, arrivalCv: 1 };
    const outputs = [2, 3, 4, 5, 6, 7, 8];
    for (const p of [0.9, 0.99]) {
      const got = colocatedOwnTpot(outputs, load, 0.005, p);
      // Brute force: the share of requests (sizes alike) whose TPOT = step + N·δ/n exceeds x.
      const above = (x: number) =>
        outputs.reduce((sum, o) => sum + countTail(load.rate * (o - 1) * load.meanTpot, Math.floor(((x - load.decodeStep) * (o - 1)) / load.promptSeconds + 1e-9)), 0) / outputs.length;
      expect(above(got)).toBeLessThanOrEqual(1 - p + 1e-12);
      expect(above(got * (1 - 1e-9))).toBeGreaterThan(1 - p);
    }
    // Long answers average the prompts out: the floor (the batch-percentile TPOT) stands.
    expect(colocatedOwnTpot([2000], { ...load, rate: 1 }, 0.0065, 0.9)).toBe(0.0065);
  });

  it('count tails: Poisson exact, burstier arrivals fatter', () => {
    expect(countTail(2, 0)).toBeCloseTo(1 - Math.exp(-2), 10);
    expect(countTail(2, 3)).toBeCloseTo(1 - Math.exp(-2) * (1 + 2 + 2 + 4 / 3), 10);
    expect(countTail(2, 3, 2)).toBeGreaterThan(countTail(2, 3));
    expect(countTail(0, 0)).toBe(0);
    expect(countTail(5, -1)).toBe(1);
    // The tail and the quantile agree.
    const k = poissonQuantile(4, 0.9);
    expect(countTail(4, k)).toBeLessThanOrEqual(0.1);
    expect(countTail(4, k - 1)).toBeGreaterThan(0.1);
  });
});

/** An instance with 10 ms decode steps at any batch and 10 µs per prompt token, room for everything, no request overhead. */
function fixedSteps(): InstanceTiming {
  return {
    decodeSeconds: () => 0.01,
    prefillSeconds: (tokens) => tokens * 1e-5,
    kvBytes: () => 1,
    blockBytes: () => 1,
    kvRoomBytes: 1e12,
    engine: { ...VLLM(), maxBatchedTokens: 1e9, requestOverheadSeconds: 0 },
    maxSequences: VLLM().maxSequences,
  };
}

describe('attention-DP balance in the simulator (TensorRT-LLM ADP balance: a prompt waits for every rank to hold one)', () => {
  // 8 attention ranks of one instance; 10 ms decode steps, 1,000-token prompts prefilled in 10 ms, one-token answers.
  const ranks = 8;
  const timing = fixedSteps();
  const balance = { timeoutIters: 60, batchingWaitIters: 0 };
  const ttfts = (rate: number, balanced: boolean, count: number) => {
    const pool: SimPool = { id: 'dp', role: 'colocated', instances: ranks, timing, attentionRanks: ranks, ...(balanced ? { attentionDpBalance: balance } : {}) };
    const out: RequestOutcome[] = [];
    const result = runEngine([pool], [{ prefillSide: [{ pool: 0, share: 1 }], decodeOnly: [] }], poisson(rate, count, () => 1000), () => 0, () => 0, createRng(1), {
      durationSeconds: count / rate,
      warmupSeconds: 0,
      slices: 1,
      record: (o) => out.push(o),
    });
    expect(result.unfinished).toEqual([0]);
    return out.map((o) => o.ttft);
  };

  it('at a trickle every prompt waits the timeout: 60 iterations of 10 ms, then its prefill', () => {
    // (A prompt that comes while another is held waits less: 3% of them at this rate.)
    const balanced = ttfts(0.05, true, 400);
    expect(percentile(balanced, 50)).toBeCloseTo(0.6 + 0.02, 6);
    expect(mean(balanced)).toBeGreaterThan(0.6);
    // Without balance a prompt waits only for an iteration its instance's other ranks have under way.
    expect(mean(ttfts(0.05, false, 400))).toBeCloseTo(0.02, 3);
  });

  it('costs TTFT under light load and saves it under heavy load, where unaligned prefills stretch every iteration of the ranks', () => {
    // 50 prompts/s over 8 ranks: the wait for the other ranks dominates.
    expect(mean(ttfts(50, true, 5_000))).toBeGreaterThan(mean(ttfts(50, false, 5_000)) + 0.03);
    // 400/s: without balance nearly every iteration carries some rank's prefill; aligned, they share iterations.
    const balanced = mean(ttfts(400, true, 20_000));
    const unbalanced = mean(ttfts(400, false, 20_000));
    expect(balanced).toBeLessThan(0.7 * unbalanced);
  });

  it('releases the ranks together: a window\'s prompts get their first token in the same iteration', () => {
    const pool: SimPool = { id: 'dp', role: 'colocated', instances: ranks, timing, attentionRanks: ranks, attentionDpBalance: balance };
    const firsts: number[] = [];
    const arrivals: Arrival[] = Array.from({ length: ranks }, (_, i) => ({ arrival: 1 + i * 0.05, inputTokens: 1000, outputTokens: 1, cls: 0 }));
    runEngine([pool], [{ prefillSide: [{ pool: 0, share: 1 }], decodeOnly: [] }], arrivals[Symbol.iterator](), () => 0, () => 0, createRng(1), {
      durationSeconds: 10,
      warmupSeconds: 0,
      slices: 1,
      record: (o) => firsts.push(o.ttft + arrivals[firsts.length].arrival),
    });
    // The eighth prompt (at 1.35 s) completes the set: all eight prefill in the next iteration (10 ms step + 10 ms prompt).
    expect(firsts).toHaveLength(ranks);
    for (const t of firsts) expect(t).toBeCloseTo(1.35 + 0.02, 6);
  });
});

describe('DP attention ranks step together', () => {
  it('a rank decoding beside another rank\'s long prefill waits for it: its iteration is the slowest rank\'s step', () => {
    const timing = fixedSteps();
    // A 100-token answer on one rank; at 0.1 s a 50,000-token prompt (0.5 s of prefill) lands on the other.
    const arrivals: Arrival[] = [
      { arrival: 0, inputTokens: 1000, outputTokens: 100, cls: 0 },
      { arrival: 0.1, inputTokens: 50_000, outputTokens: 1, cls: 0 },
    ];
    const e2e = (attentionRanks?: number, withRankLocal = false) => {
      const out: RequestOutcome[] = [];
      // The rank's own work: 4 of a decode step's 10 ms, 4 of a prompt token's 10 µs; the rest is the MoE work the ranks share.
      const rankLocal = { decodeSeconds: () => 0.004, prefillSeconds: (tokens: number) => tokens * 4e-6 };
      const pool: SimPool = { id: 'dp', role: 'colocated', instances: 2, timing: withRankLocal ? { ...timing, rankLocal } : timing, ...(attentionRanks ? { attentionRanks } : {}) };
      runEngine([pool], [{ prefillSide: [{ pool: 0, share: 1 }], decodeOnly: [] }], arrivals[Symbol.iterator](), () => 0, () => 0, createRng(1), {
        durationSeconds: 10,
        warmupSeconds: 0,
        slices: 1,
        record: (o) => out.push(o),
      });
      expect(out).toHaveLength(2);
      // The long answer finishes last.
      return Math.max(...out.map((o) => o.e2e));
    };
    // Alone: its prefill step (20 ms), then 99 decode steps of 10 ms.
    expect(e2e()).toBeCloseTo(0.02 + 0.99, 6);
    // Together, timed as whole steps: one of its steps lasts the other rank's whole 0.5 s prefill (plus its 10 ms step).
    expect(e2e(2)).toBeCloseTo(0.02 + 0.98 + 0.51, 6);
    // With the rank-local part known: that step is the prefilling rank's own 4 + 200 ms plus the
    // shared work at the ranks' mean load (6 ms of decode, 25,000 tokens × 6 µs); its first step
    // (1,000 tokens alone) 8 ms own + 6 + 3 ms shared.
    expect(e2e(2, true)).toBeCloseTo(0.017 + 0.98 + (0.204 + 0.006 + 0.15), 6);
  });
});

describe('simulator mechanics', () => {
  const timing = (kvRoomBytes: number): InstanceTiming => ({
    decodeSeconds: () => 0.01,
    prefillSeconds: (tokens) => tokens * 1e-5,
    kvBytes: (context) => context,
    blockBytes: (tokens) => tokens,
    kvRoomBytes,
    engine: { ...VLLM(), requestOverheadSeconds: 0 },
    maxSequences: VLLM().maxSequences,
  });
  const two = function* (): Generator<Arrival> {
    yield { arrival: 0.001, inputTokens: 1000, outputTokens: 11, cls: 0 };
    yield { arrival: 0.002, inputTokens: 1000, outputTokens: 11, cls: 0 };
  };
  const run = (pools: SimPool[], decodeOnly: Array<{ pool: number; share: number }> = [], arrivals = two()) => {
    const outcomes: RequestOutcome[] = [];
    const result = runEngine(pools, [{ prefillSide: [{ pool: 0, share: 1 }], decodeOnly }], arrivals, () => 0, () => 0, createRng(1), { durationSeconds: 10, warmupSeconds: 0, slices: 1, record: (o) => outcomes.push(o) });
    return { ...result, outcomes };
  };

  it('continuous batching with chunked prefill: the second prompt rides in the first one\'s first decode step', () => {
    const { outcomes } = run([{ id: 'a', role: 'colocated', instances: 1, timing: timing(1e9) }]);
    const [first, second] = [...outcomes].sort((a, b) => a.ttft - b.ttft);
    // Iterations are 10 ms of decoding plus 10 µs per prompt token: the first request's first
    // decode step carries the second prompt (20 ms), its other nine do not.
    expect(first.ttft).toBeCloseTo(0.02, 6);
    expect(first.tpot).toBeCloseTo((0.02 + 9 * 0.01) / 10, 6);
    expect(second.ttft).toBeCloseTo(0.021 + 0.02 - 0.002, 6);
    expect(second.tpot).toBeCloseTo(0.01, 6);
  });

  it('prefill-first scheduling (SGLang): a waiting prompt runs alone and the decodes pause for it', () => {
    const sglang = { ...timing(1e9), engine: { ...VLLM(), scheduling: 'prefill-first' as const, requestOverheadSeconds: 0 } };
    const { outcomes } = run([{ id: 'a', role: 'colocated', instances: 1, timing: sglang }]);
    const [first, second] = [...outcomes].sort((a, b) => a.ttft - b.ttft);
    expect(first.ttft).toBeCloseTo(0.02, 6);
    // The second prompt's 20 ms iteration carries no decode: the first waits it out.
    expect(first.tpot).toBeCloseTo((0.141 - 0.021) / 10, 6);
    expect(second.ttft).toBeCloseTo(0.041 - 0.002, 6);
    expect(second.tpot).toBeCloseTo(0.01, 6);
  });

  it('KV memory: with room for one sequence the second waits for the first to finish', () => {
    const { outcomes } = run([{ id: 'a', role: 'colocated', instances: 1, timing: timing(1500) }]);
    const [first, second] = [...outcomes].sort((a, b) => a.ttft - b.ttft);
    expect(second.ttft).toBeGreaterThanOrEqual(first.e2e - 0.001);
  });

  it('KV memory: sequences that outgrow the room are preempted (the last admitted) and recomputed, never overcommitted', () => {
    // Room for 2,010 tokens: both 1,000-token prompts fit, but they cannot both grow by 11 tokens.
    const { outcomes, pools } = run([{ id: 'a', role: 'colocated', instances: 1, timing: timing(2010) }]);
    expect(outcomes).toHaveLength(2);
    expect(pools[0].preemptions).toBeGreaterThan(0);
    const [first, second] = [...outcomes].sort((a, b) => a.e2e - b.e2e);
    // The preempted one keeps its first token and finishes after its context is prefilled again.
    expect(second.e2e).toBeGreaterThan(first.e2e);
    expect(second.ttft).toBeLessThan(first.e2e);
  });

  it('KV memory under whole-request reservation (TensorRT-LLM): a sequence is admitted at its full length, so the second waits and nothing is preempted', () => {
    // The same 2,010 tokens of room: each request books 1,000 + 11; the second waits for the first to finish.
    const trtllm = { ...timing(2010), engine: { ...timing(2010).engine, kvReservation: 'whole-request' as const } };
    const { outcomes, pools } = run([{ id: 'a', role: 'colocated', instances: 1, timing: trtllm }]);
    expect(outcomes).toHaveLength(2);
    expect(pools[0].preemptions).toBe(0);
    const [first, second] = [...outcomes].sort((a, b) => a.ttft - b.ttft);
    expect(second.ttft).toBeGreaterThanOrEqual(first.e2e - 0.001);
    // Room for both at full length: they run together.
    const roomy = { ...trtllm, kvRoomBytes: 2022 };
    const both = run([{ id: 'a', role: 'colocated', instances: 1, timing: roomy }]);
    expect(Math.max(...both.outcomes.map((o) => o.ttft))).toBeLessThan(0.05);
    expect(both.pools[0].preemptions).toBe(0);
  });

  it("refuses a request longer than the pool's max model length (a miss, not a stall)", () => {
    const { outcomes, pools, unfinished } = run([{ id: 'a', role: 'colocated', instances: 1, timing: timing(1e9), maxModelLen: 1005 }]);
    expect(outcomes).toHaveLength(0);
    expect(pools[0].rejected).toBe(2);
    expect(unfinished).toEqual([2]);
  });

  it('disaggregated: the first token comes after prefill and the KV transfer; decoding joins the decode pool', () => {
    const { outcomes, pools } = run(
      [
        { id: 'p', role: 'prefill', instances: 1, timing: timing(1e9), transferSeconds: () => 0.05 },
        { id: 'd', role: 'decode', instances: 1, timing: timing(1e9) },
      ],
      [{ pool: 1, share: 1 }],
    );
    expect(outcomes).toHaveLength(2);
    // One 2000-token iteration (both prompts) plus its decode step, then the 50 ms transfer.
    for (const o of outcomes) expect(o.ttft).toBeGreaterThan(0.05);
    expect(pools[1].utilization).toBeGreaterThan(0);
  });

  it('a prefill instance keeps each prompt\'s KV until it is sent, and sends one prompt at a time over its link', () => {
    // Room for two 4,000-token prompts; each transfer takes 1 s; a prompt every 0.1 s.
    const arrivals = function* (): Generator<Arrival> {
      for (let i = 0; i < 10; i++) yield { arrival: i * 0.1, inputTokens: 4000, outputTokens: 2, cls: 0 };
    };
    const { outcomes } = run(
      [
        { id: 'p', role: 'prefill', instances: 1, timing: timing(10_000), transferSeconds: () => 1 },
        { id: 'd', role: 'decode', instances: 1, timing: timing(1e9) },
      ],
      [{ pool: 1, share: 1 }],
      arrivals(),
    );
    const ttfts = outcomes.map((o) => o.ttft).sort((a, b) => a - b);
    expect(ttfts).toHaveLength(10);
    // Serialised on the link: the k-th first token comes about k seconds in.
    ttfts.forEach((t, k) => expect(t).toBeGreaterThan(k + 1 - 1));
    expect(ttfts[9]).toBeGreaterThan(9);
  });

  it('routes a request by its class and prompt length only; counts it in the slice of its route that holds its sizes', () => {
    const routes = [
      { class: 'a', inputTokens: [201, 4000] as [number, number], slices: ['s2', 's3'] },
      { class: 'a', inputTokens: [1, 200] as [number, number], slices: ['s1'] },
      { class: 'b', inputTokens: [1, 200] as [number, number], slices: ['s4'] },
    ];
    const route = routeFinder(routes, [{ name: 'a' }, { name: 'b' }]);
    const at = (inputTokens: number, outputTokens: number, cls = 0) => ({ arrival: 0, inputTokens, outputTokens, cls });
    expect(route(at(150, 20))).toBe(1);
    expect(route(at(3000, 20))).toBe(0);
    // The answer length never changes the route.
    expect(route(at(3000, 900))).toBe(0);
    expect(route(at(9000, 500))).toBe(0);
    expect(route(at(150, 20, 1))).toBe(2);
    const slice = (id: string, inputRange: [number, number], outputRange: [number, number]) => ({ id, inputTokens: inputRange[1], outputTokens: outputRange[1], inputRange, outputRange });
    const slices = [slice('s1', [1, 200], [1, 100]), slice('s2', [201, 4000], [1, 50]), slice('s3', [201, 4000], [51, 100]), slice('s4', [1, 200], [1, 100])];
    const count = sliceFinder(slices, routes);
    expect(count(at(3000, 20), 0)).toBe(1);
    expect(count(at(3000, 80), 0)).toBe(2);
    expect(count(at(3000, 900), 0)).toBe(2);
  });

  it('draws arrivals at the spec rate, classes by their share', () => {
    const spec = specFromText(`model: llama-3.1-8b
workload:
  rate: 50/s
  classes:
    - { name: a, share: 80%, input_tokens: 500, output_tokens: 100 }
    - { name: b, share: 20%, input_tokens: 4000, output_tokens: 10 }
slo: { ttft: 1s }
`).value!;
    const arrivals = [...syntheticArrivals(spec, createRng(5), 200)];
    expect(arrivals.length / 200).toBeGreaterThan(47);
    expect(arrivals.length / 200).toBeLessThan(53);
    const share = arrivals.filter((a) => a.cls === 1).length / arrivals.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.22);
    expect(arrivals.filter((a) => a.cls === 1).every((a) => a.inputTokens === 4000 && a.outputTokens === 10)).toBe(true);
  });
});

function planFor(example: string, extra: string[] = []): Plan {
  const result = cli(['plan', `presets/examples/${example}.yaml`, '--format', 'json', ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

describe('planner simulate', () => {
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(`${ROOT}schemas/simulation.schema.json`, 'utf8')));

  it('reports percentiles, attainment, pools and slices; JSON matches its schema; the same seed gives the same bytes', () => {
    const first = cli(['simulate', 'presets/examples/chat.yaml', '--duration', '300s', '--format', 'json']);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as SimulationReport;
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.arrivals.source).toBe('poisson');
    expect(report.arrivals.ratePerSecond).toBeGreaterThan(9);
    expect(report.arrivals.ratePerSecond).toBeLessThan(11);
    expect(report.overall.requests).toBeGreaterThan(2000);
    expect(report.overall.ttftMs.p50!).toBeLessThan(report.overall.ttftMs.p99!);
    expect(report.classes[0].slos.map((s) => s.metric)).toEqual(['ttft', 'tpot']);
    expect(report.slices.reduce((sum, s) => sum + s.requests + s.unfinished, 0)).toBe(report.overall.requests + report.overall.unfinished);
    expect(report.pools.every((p) => p.utilization > 0 && p.utilization <= 1)).toBe(true);
    const again = cli(['simulate', 'presets/examples/chat.yaml', '--duration', '300s', '--format', 'json']);
    expect(again.stdout).toBe(first.stdout);
    const other = cli(['simulate', 'presets/examples/chat.yaml', '--duration', '300s', '--seed', '2', '--format', 'json']);
    expect(other.stdout).not.toBe(first.stdout);
  });

  it('says per pool how each class fared on the SLOs that pool decides: prefill pools TTFT, decode pools TPOT, both E2E', () => {
    const spec = specFromText(readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8')).value!;
    const split = planFor('chat', ['--no-verify', '--set', 'planning.disaggregation=only']);
    const report = simulatePlan(split, spec, presets().catalog, { durationSeconds: 300, seed: 1 });
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const measured = report.classes[0].requests;
    for (const [i, pool] of report.pools.entries()) {
      const metrics = pool.classes.flatMap((c) => c.slos.map((x) => x.metric));
      expect(metrics, pool.id).toEqual(split.pools[i].role === 'prefill' ? ['ttft'] : ['tpot']);
    }
    // Every measured request was prefilled by one pool and decoded by one.
    const handled = (role: string) => report.pools.filter((p) => p.role === role).reduce((sum, p) => sum + (p.classes[0]?.requests ?? 0), 0);
    expect(handled('prefill')).toBe(measured);
    expect(handled('decode')).toBe(measured);
    // A pool's own attainment on its side brackets the class's: the class is the pools' mixture.
    const ttft = report.pools.filter((p) => p.role === 'prefill').map((p) => p.classes[0].slos[0].attainmentPercent!);
    expect(report.classes[0].slos[0].attainmentPercent!).toBeGreaterThanOrEqual(Math.min(...ttft) - 1e-6);
    expect(report.classes[0].slos[0].attainmentPercent!).toBeLessThanOrEqual(Math.max(...ttft) + 1e-6);
  });

  it('replays a saved plan under more traffic than it was made for, and exits 1 when the SLOs miss', () => {
    const path = writeFile('chat.json', JSON.stringify(planFor('chat')));
    const overloaded = cli(['simulate', 'presets/examples/chat.yaml', '--plan', path, '--set', 'workload.rate=25/s', '--duration', '200s', '--format', 'table']);
    expect(overloaded.code).toBe(1);
    expect(overloaded.stdout).toMatch(/SLOs missed: default p90/);
    expect(overloaded.stdout).toMatch(/NO/);
  });

  it('refuses a plan made for another model, naming the plan file (exit 2)', () => {
    const plan = planFor('chat');
    const spec = specFromText(`model: llama-3.1-8b
workload: { rate: 5/s, input_tokens: 500, output_tokens: 100 }
slo: { ttft: 1s }
`).value!;
    expect(planMismatches(plan, spec, presets().catalog)[0]).toMatch(/the plan is for model llama-3.1-70b, the spec names llama-3.1-8b/);
    const path = writeFile('chat-mismatch.json', JSON.stringify(plan));
    const result = cli(['simulate', 'presets/examples/code-completion.yaml', '--plan', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/chat-mismatch\.json: the plan is for model llama-3\.1-70b/);
    expect(result.stderr).not.toMatch(/at .*\.js/);
  });

  it('refuses a hand-edited plan that leaves a slice nowhere to go', () => {
    const plan = planFor('chat');
    const spec = specFromText(readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8')).value!;
    const prefillOnly = {
      ...plan,
      pools: [{ ...plan.pools[0], id: 'x/prefill', role: 'prefill' as const }],
      routes: plan.routes.map((r) => ({ ...r, shares: [{ pool: 'x/prefill', share: 1 }] })),
    };
    expect(planMismatches(prefillOnly, spec, presets().catalog)).toContainEqual(expect.stringMatching(/route r\d+ has prefill-only pools but no decode pool/));
    const withoutAny = { ...plan, pools: [] };
    expect(planMismatches(withoutAny, spec, presets().catalog)).toContainEqual(expect.stringMatching(/route r1 sends requests to pool .*, which the plan does not list/));
    expect(planMismatches(withoutAny, spec, presets().catalog)).toContain('no pool of the plan takes the prompts of route r1');
  });

  it('checks its flags: duration, seed, warm-up', () => {
    for (const [flag, value, message] of [
      ['--duration', '0s', /--duration: must be more than 0/],
      ['--duration', '25h', /at most 1 day/],
      ['--seed', '-3', /--seed: must be a whole number/],
      ['--warmup', '20min', /--warmup: must be at least 0 and shorter than --duration/],
    ] as const) {
      const result = cli(['simulate', 'presets/examples/chat.yaml', flag, value]);
      expect(result.code, `${flag} ${value}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('is the same model the planner uses: one request alone sees the idle latencies the plan predicts', () => {
    const plan = planFor('chat');
    const spec = specFromText(readFileSync(`${ROOT}presets/examples/chat.yaml`, 'utf8').replace('rate: 10/s', 'rate: 0.01/s')).value!;
    const report = simulatePlan(plan, spec, presets().catalog, { durationSeconds: 20_000, seed: 3, warmupSeconds: 0 });
    // Alone, TPOT is one decode step at a batch of one: well under the loaded predictions.
    expect(report.overall.tpotMs.p50!).toBeLessThan(plan.predicted.tpotMs!);
    expect(report.overall.ttftMs.p50!).toBeLessThan(plan.predicted.ttftMs!);
  });
});

describe('verification by default', () => {
  it('plan checks its plan by simulation unless --no-verify, and says how', () => {
    const verified = JSON.parse(cli(['plan', 'presets/examples/rag-long-context.yaml', '--format', 'json']).stdout) as Plan;
    expect(verified.verification).toMatchObject({ holds: true, arrivals: 'poisson', seed: 1 });
    // Per pool: the analytic prediction beside the simulated latency.
    expect(verified.verification!.pools.map((p) => p.pool)).toEqual(verified.pools.map((p) => p.id));
    expect(verified.verification!.pools.every((p) => p.ttftMs.simulated !== null && p.tpotMs.simulated !== null)).toBe(true);
    const table = cli(['plan', 'presets/examples/rag-long-context.yaml', '--format', 'table']);
    expect(table.stdout).toMatch(/^verified by simulation \(\d+ s of Poisson arrivals, at least [\d,]+ requests per class, seed 1, \d+ rounds?\)/m);
    const analytic = JSON.parse(cli(['plan', 'presets/examples/rag-long-context.yaml', '--no-verify', '--format', 'json']).stdout) as Plan;
    expect(analytic.verification).toBeUndefined();
    expect(cli(['plan', 'presets/examples/rag-long-context.yaml', '--no-verify', '--format', 'table']).stdout).toMatch(/^not simulated \(--no-verify\)/m);
  });

  it('sizes the run for the tightest percentile: a p99 target at a low rate simulates enough requests', () => {
    const spec = specFromText(`model: llama-3.1-8b
workload: { rate: 1/s, input_tokens: 500, output_tokens: 50 }
slo: { ttft: 1s, tpot: 50ms, percentile: 99 }
`).value!;
    const { seconds, short } = sizedDuration(spec);
    expect(short).toEqual([]);
    expect(seconds - warmupFor(seconds)).toBeGreaterThanOrEqual(requestsForPercentile(99) / 1);
    expect(requestsForPercentile(99)).toBe(20_000);
    // At a high rate the floor of ten minutes stands.
    expect(sizedDuration({ ...spec, totalRatePerSecond: 100, classes: spec.classes.map((c) => ({ ...c, ratePerSecond: 100 })) }).seconds).toBe(600);
  });

  it('asks the verifying run to clear the percentile by a margin another seed could take away', () => {
    expect(requiredAttainment(90, 91, 10_000)).toBeCloseTo(90 + 2 * 100 * Math.sqrt((0.91 * 0.09) / 10_000), 9);
    expect(requiredAttainment(99, 99.5, 1e9)).toBeCloseTo(99, 3);
  });
});

describe('planner plan --verify', () => {
  it.each(['chat', 'code-completion', 'multi-tenant'])('%s: the printed plan meets every SLO at its percentile in simulation', (name) => {
    const result = cli(['plan', `presets/examples/${name}.yaml`, '--verify', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    const v = plan.verification!;
    expect(v.holds).toBe(true);
    expect(v.reason).toBeNull();
    for (const slo of v.slos) expect(slo.attainmentPercent!, `${slo.class} ${slo.metric}`).toBeGreaterThanOrEqual(slo.percentile);
    // An independent simulation of the printed plan (another seed) agrees within noise.
    const path = writeFile(`${name}-verified.json`, result.stdout);
    const check = cli(['simulate', `presets/examples/${name}.yaml`, '--plan', path, '--seed', '11', '--format', 'json']);
    const report = JSON.parse(check.stdout) as SimulationReport;
    for (const c of report.classes) for (const s of c.slos) expect(s.attainmentPercent!, `${c.name} ${s.metric}`).toBeGreaterThanOrEqual(s.percentile - 1.5);
  });

  it('says why when no plan can hold: a TTFT target under the idle latency is refused before simulating', () => {
    const result = cli(['plan', 'presets/examples/chat.yaml', '--verify', '--set', 'slo.ttft=30ms']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no plan meets the SLOs/);
  });
});

