import { describe, expect, it } from 'vitest';
import { BUCKET_RELATIVE_ERROR, EXACT_LATENCIES, LatencySummary } from '../src/simulate/latency-summary.js';
import { createRng } from '../src/simulate/rng.js';
import { percentileOfSorted } from '../src/workload/percentile.js';

/** Log-normal latencies around 200 ms with a long tail, and a few far-off ones. */
function latencies(count: number, seed = 3): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => (i % 997 === 0 ? 1e-12 * i : 0.2 * Math.exp(1.5 * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()))));
}

function summarised(values: number[], target?: number): LatencySummary {
  const summary = new LatencySummary(target);
  for (const v of values) summary.add(v);
  return summary;
}

describe('latency summary', () => {
  it('is exact while it holds few latencies: the same percentiles and order statistics as sorting them', () => {
    const values = latencies(EXACT_LATENCIES);
    const sorted = Float64Array.from(values).sort();
    const summary = summarised(values);
    for (const p of [0, 50, 90, 95, 99, 99.9, 100]) expect(summary.percentile(p)).toBe(percentileOfSorted(sorted, p));
    for (const k of [0, 1, 4000, EXACT_LATENCIES - 1]) expect(summary.orderStatistic(k)).toBe(sorted[k]);
  });

  it(`past ${EXACT_LATENCIES} latencies, its percentiles are within ${BUCKET_RELATIVE_ERROR * 100}% of the exact ones, and the extremes exact`, () => {
    const values = latencies(200_000);
    const sorted = Float64Array.from(values).sort();
    const summary = summarised(values);
    for (let p = 0; p <= 100; p += 0.5) {
      const exact = percentileOfSorted(sorted, p);
      expect(Math.abs(summary.percentile(p) - exact)).toBeLessThanOrEqual(exact * BUCKET_RELATIVE_ERROR * (1 + 1e-9) + 1e-9);
    }
    for (const k of [0, 5, 1000, 100_000, 199_998, 199_999]) expect(Math.abs(summary.orderStatistic(k) - sorted[k])).toBeLessThanOrEqual(sorted[k] * BUCKET_RELATIVE_ERROR * (1 + 1e-9) + 1e-9);
    expect(summary.orderStatistic(0)).toBe(sorted[0]);
    expect(summary.orderStatistic(199_999)).toBe(sorted[199_999]);
  });

  it('counts the latencies within its target exactly, however many (a latency at the target is within)', () => {
    const values = [...latencies(50_000), 0.3, 0.3];
    const summary = summarised(values, 0.3);
    expect(summary.count).toBe(values.length);
    expect(summary.within).toBe(values.filter((v) => v <= 0.3).length);
    expect(summarised(values).within).toBe(values.length);
  });
});
