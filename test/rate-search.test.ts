import { describe, expect, it } from 'vitest';
import type { Deployment } from '../src/perf/deployment.js';
import { instanceCapacity, instanceModel, loadPoint } from '../src/perf/open-loop.js';
import { highestHoldingRate } from '../src/perf/rate-search.js';
import type { RateProbe } from '../src/perf/rate-search.js';
import { presets } from './helpers.js';

/** A probe that holds up to `limit`, with a margin of the given form, counting its calls. */
function thresholdProbe(limit: number, margin: (rate: number) => number) {
  const calls: number[] = [];
  const probe = (rate: number): RateProbe<number> => {
    calls.push(rate);
    return { point: rate, holds: rate <= limit, margin: margin(rate) };
  };
  return { probe, calls };
}

describe('highestHoldingRate', () => {
  const limit = 37.25;
  const margins: Record<string, (r: number) => number> = {
    'a smooth margin': (r) => Math.log(r / limit),
    'a convex margin': (r) => (r / limit) ** 4 - 1,
    'a margin that says nothing': () => Number.NaN,
    'a margin on plateaus': (r) => (r <= limit ? -0.5 : 0.5),
  };

  for (const [name, margin] of Object.entries(margins)) {
    it(`with ${name}: the same grid rate from any start, holding, within 0.1% of the limit, the next grid rate failing`, () => {
      const answers = [0.001, 0.5, 1, 36, 37.3, 5000].map((guess) => highestHoldingRate(thresholdProbe(limit, margin).probe, guess));
      for (const a of answers) expect(a).toEqual(answers[0]);
      const { rate, above } = answers[0];
      expect(rate).toBeLessThanOrEqual(limit);
      expect(rate).toBeGreaterThan(limit * (1 - 1e-3));
      expect(above).toBeGreaterThan(limit);
      expect(above / rate).toBeCloseTo(1 + 2 ** -10, 12);
    });
  }

  it('takes a handful of probes from a good start where bisection from 1 takes about 20', () => {
    const { probe, calls } = thresholdProbe(limit, (r) => Math.log(r / limit));
    highestHoldingRate(probe, 36);
    expect(calls.length).toBeLessThanOrEqual(8);
  });

  it('once it has a bracket, takes at most two probes more than bisection however the margin misleads, and fewer where it is smooth', () => {
    // From 1 req/s the search steps out to 51.3 req/s (8 probes), a bracket of 2,048 grid steps: bisection takes 11 more.
    const misleading: Record<string, (r: number) => number> = {
      'a margin that says the limit is just above every holding rate': (r) => (r <= limit ? -1e-9 : 1e9),
      'a margin that says the limit is just below every failing rate': (r) => (r <= limit ? -1e9 : 1e-9),
      'a margin of the wrong sign': (r) => (r <= limit ? 1 : -1),
    };
    for (const margin of Object.values(misleading)) {
      const { probe, calls } = thresholdProbe(limit, margin);
      highestHoldingRate(probe, 1);
      expect(calls.length).toBeLessThanOrEqual(8 + 11 + 2);
    }
    const { probe, calls } = thresholdProbe(limit, (r) => Math.log(r / limit));
    highestHoldingRate(probe, 1);
    expect(calls.length).toBeLessThanOrEqual(8 + 6);
  });

  it('settles in two probes when the guess is the answer (a neighbouring slice with the same limit)', () => {
    const first = highestHoldingRate(thresholdProbe(limit, (r) => Math.log(r / limit)).probe, 36);
    const { probe, calls } = thresholdProbe(limit, () => Number.NaN);
    expect(highestHoldingRate(probe, first.rate)).toEqual(first);
    expect(calls).toHaveLength(2);
  });

  it('is 0 when nothing above 1e-6 holds, and stops at its ceiling when everything does', () => {
    expect(highestHoldingRate(thresholdProbe(0, () => 1).probe).rate).toBe(0);
    expect(highestHoldingRate(thresholdProbe(Infinity, () => -1).probe).rate).toBeGreaterThanOrEqual(1e9);
  });
});

describe('instanceCapacity', () => {
  const { models, catalog } = presets();
  const d: Deployment = { model: models.resolve('llama-3.1-8b')!, gpu: catalog.gpus['h100-sxm'], tp: 1, pp: 1, ep: 1, weights: 'bf16', kvCache: 'bf16' };
  const m = instanceModel(d, catalog.engines.vllm, 'colocated', { inputTokens: 2000, outputTokens: 300 });
  if ('reason' in m) throw new Error(m.reason);
  const slos = {
    'TTFT and TPOT': { ttft: { maxSeconds: 0.5, percentile: 90 }, tpot: { maxSeconds: 0.03, percentile: 90 } },
    'a tight TPOT': { ttft: { maxSeconds: 2, percentile: 99 }, tpot: { maxSeconds: 0.012, percentile: 99 } },
    'E2E only': { e2e: { maxSeconds: 6, percentile: 95 } },
  };
  for (const [name, slo] of Object.entries(slos)) {
    it(`under ${name}: the exact load model holds at the capacity and fails just above it, whatever the start`, () => {
      const capacity = instanceCapacity(m, slo, 1);
      expect(capacity.ratePerSecond).toBeGreaterThan(0);
      expect(loadPoint(m, capacity.ratePerSecond, slo, 1).violations).toEqual([]);
      expect(loadPoint(m, capacity.ratePerSecond * 1.002, slo, 1).violations.length).toBeGreaterThan(0);
      for (const guess of [0.01, capacity.ratePerSecond, 1000]) expect(instanceCapacity(m, slo, 1, guess)).toEqual(capacity);
    });
  }
});
