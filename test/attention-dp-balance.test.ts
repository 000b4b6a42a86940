import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { alignmentWait } from '../src/perf/attention-dp-balance.js';
import { predictInstance } from '../src/perf/data-parallel.js';
import type { Deployment } from '../src/perf/deployment.js';
import { instanceModel, loadPoint } from '../src/perf/open-loop.js';
import type { InstanceModel } from '../src/perf/open-loop.js';
import type { ServingPrediction } from '../src/perf/serving.js';
import { createRng } from '../src/simulate/rng.js';
import { loadDeployConfig } from '../src/deploy/deploy-config.js';
import { deployInput } from '../src/deploy/input.js';
import { renderDeployment } from '../src/deploy/render.js';
import type { Plan } from '../src/plan/plan.js';
import type { EngineProfile } from '../src/input/types.js';
import { ROOT, cli, presets } from './helpers.js';

const BALANCE = { timeoutIters: 60, batchingWaitIters: 0 };
const balanced = (iters = BALANCE) => ({ attentionDpBalance: iters });

/**
 * The window process simulated: prompts reach n ranks (Poisson, λ each); a window opens with a
 * prompt when none is open and closes when every rank holds one or τ after it opened; every
 * prompt in it is released then. The mean wait over `count` prompts.
 */
function simulatedWait(n: number, lambda: number, tau: number, count = 200_000): number {
  const rng = createRng(7);
  let t = 0;
  let total = 0;
  let done = 0;
  let start = -1;
  let pending: number[] = [];
  const ranks = new Set<number>();
  const release = (at: number) => {
    for (const a of pending) total += at - a;
    done += pending.length;
    pending = [];
    ranks.clear();
    start = -1;
  };
  while (done < count) {
    const next = t - Math.log(1 - rng()) / (n * lambda);
    if (start >= 0 && start + tau < next) release(start + tau);
    t = next;
    if (start < 0) start = t;
    pending.push(t);
    ranks.add(Math.floor(rng() * n));
    if (ranks.size === n) release(t);
  }
  return total / done;
}

describe('attention-DP balance: the wait for every rank to hold a prompt', () => {
  it('matches a simulation of the window process (mean over prompts, timeout included)', () => {
    for (const [n, lambda, tau] of [[8, 0.78, 1.13], [8, 0.2, 1.13], [8, 5, 1.13], [2, 1, 1], [4, 0.5, 2]]) {
      const model = alignmentWait(balanced({ timeoutIters: 1, batchingWaitIters: 0 }), n, lambda, tau).meanSeconds;
      expect(model / simulatedWait(n, lambda, tau), `n ${n} λ ${lambda} τ ${tau}`).toBeCloseTo(1, 1);
    }
  });

  it('is the whole timeout at a vanishing rate, shrinks as traffic fills the ranks sooner, never beyond the timeout', () => {
    const step = 0.02;
    const tau = 60 * step;
    const at = (rate: number) => alignmentWait(balanced(), 8, rate, step);
    expect(at(1e-12).meanSeconds).toBeCloseTo(tau, 9);
    const means = [0.01, 0.1, 0.5, 1, 2, 5, 20].map((r) => at(r).meanSeconds);
    for (let i = 1; i < means.length; i++) expect(means[i]).toBeLessThan(means[i - 1]);
    for (const m of means) expect(m).toBeLessThanOrEqual(tau);
    expect(at(20).quantileSeconds(0.5)).toBeLessThan(tau);
    expect(at(0.01).quantileSeconds(0.9)).toBeCloseTo(tau, 9);
    expect(at(2).quantileSeconds(0.9)).toBeGreaterThan(at(2).meanSeconds);
    // batching_wait_iters is charged in full on top.
    expect(alignmentWait(balanced({ timeoutIters: 60, batchingWaitIters: 10 }), 8, 1, step).meanSeconds).toBeCloseTo(at(1).meanSeconds + 10 * step, 9);
  });

  it('no wait on one rank or without balancing', () => {
    expect(alignmentWait(balanced(), 1, 1, 0.02).meanSeconds).toBe(0);
    expect(alignmentWait({}, 8, 1, 0.02).meanSeconds).toBe(0);
    expect(alignmentWait({}, 8, 1, 0.02).quantileSeconds(0.9)).toBe(0);
  });
});

/** DeepSeek-V3 on 8 H200, fp8, as InferenceX runs it (test/fixtures/measurements/inferencex-deepseek.csv). */
function deepseek(dp: number): Deployment {
  const { models, catalog } = presets();
  return { model: models.resolve('deepseek-v3')!, gpu: catalog.gpus['h200'], tp: 8 / dp, pp: 1, ep: 8, ...(dp > 1 ? { dp } : {}), weights: 'fp8', kvCache: 'fp8' };
}
function trtllm(balance: boolean): EngineProfile {
  const engine = presets().catalog.engines['trtllm'];
  const { attentionDpBalance, ...rest } = engine;
  expect(attentionDpBalance).toEqual(BALANCE);
  return balance ? engine : rest;
}
const SHAPE = { inputTokens: 921, outputTokens: 921 };
const SLO = { ttft: { maxSeconds: 100, percentile: 90 }, tpot: { maxSeconds: 100, percentile: 90 } };

describe('attention-DP balance in the load models', () => {
  const model = (dp: number, balance: boolean) => instanceModel(deepseek(dp), trtllm(balance), 'colocated', SHAPE) as InstanceModel;

  it('open loop: a DP instance\'s TTFT grows by the alignment wait at its rate per rank (less at more traffic, at most the timeout), TPOT sees aligned prefills', () => {
    const on = model(8, true);
    // Aligned prefills without a wait (timeout 0): every other term of TTFT as with balancing.
    const aligned = { ...on, engine: { ...on.engine, attentionDpBalance: { timeoutIters: 0, batchingWaitIters: 0 } } };
    const off = model(8, false);
    const excess = (rate: number) => loadPoint(on, rate, SLO).ttftSeconds - loadPoint(aligned, rate, SLO).ttftSeconds;
    expect(excess(1e-6)).toBeCloseTo(60 * on.decodeSeconds(1), 9);
    // Per rank 1/8 to 3 prompts/s (24/s is near saturation): the p90 wait is the whole timeout until the ranks fill within it.
    const rates = [1, 8, 16, 24];
    const excesses = rates.map(excess);
    const steps = rates.map((rate) => on.decodeSeconds(Math.max(1, loadPoint(on, rate, SLO).meanBatch)));
    // In iterations (the timeout's unit; an iteration lengthens as the batch grows): fewer at more traffic.
    for (let i = 1; i < rates.length; i++) expect(excesses[i] / steps[i]).toBeLessThanOrEqual(excesses[i - 1] / steps[i - 1] + 1e-9);
    expect(excesses[0] / steps[0]).toBeCloseTo(60, 9);
    expect(excesses[3] / steps[3]).toBeLessThan(30);
    rates.forEach((rate, i) => {
      const point = loadPoint(on, rate, SLO);
      const step = steps[i];
      expect(excesses[i]).toBeCloseTo(alignmentWait(on.engine, 8, rate / 8, step).quantileSeconds(0.9), 9);
      expect(excesses[i]).toBeGreaterThan(0);
      expect(excesses[i]).toBeLessThanOrEqual(60 * step + 1e-12);
      expect(point.tpotSeconds).toBe(loadPoint(aligned, rate, SLO).tpotSeconds);
      // Aligned prefills stretch decodes less than every rank's own prompts at other times would.
      expect(point.tpotSeconds).toBeLessThan(loadPoint(off, rate, SLO).tpotSeconds);
    });
  });

  it('open loop: no DP, or balancing off, is as before', () => {
    const tp8on = model(1, true);
    const tp8off = model(1, false);
    for (const rate of [1e-6, 1, 4]) expect(loadPoint(tp8on, rate, SLO)).toEqual(loadPoint(tp8off, rate, SLO));
  });

  it('closed loop: each rank\'s TTFT carries the mean alignment wait at the rank\'s own throughput; nothing without DP', () => {
    const predict = (dp: number, balance: boolean, c: number) => predictInstance(deepseek(dp), 'closed-loop', c, SHAPE, trtllm(balance)) as ServingPrediction;
    for (const c of [16, 128]) {
      const on = predict(8, true, c);
      const off = predict(8, false, c);
      const wait = alignmentWait(trtllm(true), 8, on.requestsPerSecond / 8, on.decodeStep.latencySeconds).meanSeconds;
      expect(wait).toBeGreaterThan(0);
      expect(on.ttftSeconds - wait).toBeGreaterThan(0);
      expect(on.ttftSeconds).toBeGreaterThan(off.ttftSeconds);
      expect(predict(1, true, c)).toEqual(predict(1, false, c));
    }
    // More clients, more prompts per rank: the ranks fill sooner (fewer iterations of wait), within the timeout.
    const waitIters = (c: number) => {
      const p = predict(8, true, c);
      return alignmentWait(trtllm(true), 8, p.requestsPerSecond / 8, p.decodeStep.latencySeconds).meanSeconds / p.decodeStep.latencySeconds;
    };
    expect(waitIters(128)).toBeLessThan(waitIters(16));
    expect(waitIters(16)).toBeLessThanOrEqual(60);
  });
});

describe('planner deploy: attention_dp_config iff the plan\'s engine profile balances', () => {
  const deployPresets = loadDeployConfig(presets().check, [{ path: 'presets/deploy.yaml', text: readFileSync(join(ROOT, 'presets/deploy.yaml'), 'utf8') }], 0).value!;
  /** A one-pool DeepSeek-V3 plan on 8 H200 (from the fixture plan), with the given engine profile and attention-DP ranks. */
  function plan(engine: string, dp: number): Plan {
    const base = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/plans/base.json'), 'utf8')) as Plan;
    const pool = { ...base.pools[0], id: `h200/tp${8 / dp}/dp${dp}/colocated`, gpu: 'h200', tp: 8 / dp, ep: 8, dp, gpusPerInstance: 8, gpus: 8 * base.pools[0].count };
    return { ...base, model: 'deepseek-v3', engine, pools: [pool], routes: base.routes.map((r) => ({ ...r, shares: r.shares.map((s) => ({ ...s, pool: pool.id })) })) };
  }
  const options = (p: Plan) => {
    const result = renderDeployment(deployInput(p, 'plan.json', { target: 'trtllm', modelPath: 'deepseek-ai/DeepSeek-V3' }, presets(), deployPresets));
    expect(result.problems).toEqual([]);
    const script = result.files.find((f) => f.name === 'launch-trtllm.sh')!.text;
    const doc = [...script.matchAll(/<<'PLANNER_EOF'\n([\s\S]*?)PLANNER_EOF/g)].map((m) => m[1]!).find((t) => !t.trimStart().startsWith('{'))!;
    return parse(doc) as Record<string, unknown>;
  };

  it('trtllm profile (balancing on), dp 8: enable_attention_dp with the profile\'s attention_dp_config', () => {
    const o = options(plan('trtllm', 8));
    expect(o.enable_attention_dp).toBe(true);
    expect(o.attention_dp_config).toEqual({ enable_balance: true, timeout_iters: 60, batching_wait_iters: 0 });
  });

  it('no DP, or a profile without balancing: no attention_dp_config', () => {
    expect(options(plan('trtllm', 1)).attention_dp_config).toBeUndefined();
    const o = options(plan('vllm', 8));
    expect(o.enable_attention_dp).toBe(true);
    expect(o.attention_dp_config).toBeUndefined();
  });
});

describe('InferenceX DeepSeek-R1 rows (test/fixtures/measurements/inferencex-deepseek.csv): checked, not fitted', () => {
  it('the DP-attention rows\' TTFT is no longer 2–4× too fast: median predicted/measured within 0.8–1.25', () => {
    const result = cli(['accuracy', 'test/fixtures/measurements/inferencex-deepseek.csv', '--format', 'json']);
    expect(result.code).toBe(0);
    const rows = (JSON.parse(result.stdout) as { rows: Array<Record<string, string | number>> }).rows;
    const dp = rows.filter((r) => r.dp === '8');
    expect(dp.length).toBe(8);
    const ratios = dp.map((r) => Number(r.predictedTtftMs) / Number(r.ttft_ms)).sort((a, b) => a - b);
    const median = (ratios[3] + ratios[4]) / 2;
    expect(median).toBeGreaterThan(0.8);
    expect(median).toBeLessThan(1.25);
  });
});
