import { percentileOfSorted } from '../workload/percentile.js';

/** Latencies a summary keeps exactly (64 KiB of them, about what its buckets take); past this many it counts them in buckets. */
export const EXACT_LATENCIES = 8192;

/** Most relative error of a percentile read from the buckets (0.01%): a bucket spans (1 + e) / (1 − e) and answers with its middle. */
export const BUCKET_RELATIVE_ERROR = 1e-4;

const GAMMA = (1 + BUCKET_RELATIVE_ERROR) / (1 - BUCKET_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Latencies from a nanosecond to ten million seconds get buckets of their own; shorter ones share one, longer ones the last. */
const LOWEST_SECONDS = 1e-9;
const HIGHEST_SECONDS = 1e7;
const FIRST_INDEX = Math.ceil(Math.log(LOWEST_SECONDS) / LOG_GAMMA);
const BUCKETS = Math.ceil(Math.log(HIGHEST_SECONDS) / LOG_GAMMA) - FIRST_INDEX + 1;
/** Buckets are allocated in pages as latencies reach them (a group's latencies span a few decades of the range). */
const PAGE = 1024;
const PAGES = Math.ceil(BUCKETS / PAGE);

/**
 * The latencies of one metric of one group of requests, summarised as they arrive in memory
 * that does not grow with their number: kept exactly up to {@link EXACT_LATENCIES}, then counted
 * in log-spaced buckets (DDSketch-style) whose percentiles are within
 * {@link BUCKET_RELATIVE_ERROR} of the exact ones. How many are within `targetSeconds` is
 * counted exactly either way.
 */
export class LatencySummary {
  /** Latencies added, and those at most the target (all of them when there is none). */
  count = 0;
  within = 0;
  private min = Infinity;
  private max = -Infinity;
  private exact: Float64Array | undefined = new Float64Array(64);
  private sorted = false;
  private underflow = 0;
  private pages: Array<Uint32Array | undefined> = [];
  private pageCounts: Float64Array | undefined;

  constructor(private readonly targetSeconds: number = Infinity) {}

  /** Adds one latency in seconds. */
  add(seconds: number): void {
    if (seconds <= this.targetSeconds) this.within++;
    if (seconds < this.min) this.min = seconds;
    if (seconds > this.max) this.max = seconds;
    if (this.exact) {
      if (this.count === this.exact.length) {
        if (this.count < EXACT_LATENCIES) {
          const grown = new Float64Array(Math.min(EXACT_LATENCIES, this.count * 2));
          grown.set(this.exact);
          this.exact = grown;
        } else {
          this.toBuckets();
        }
      }
    }
    if (this.exact) {
      this.exact[this.count] = seconds;
      this.sorted = false;
    } else {
      this.bucket(seconds);
    }
    this.count++;
  }

  /** The k-th smallest latency (0-based): exact while they are kept exactly and at the extremes, else its bucket's middle. */
  orderStatistic(k: number): number {
    if (this.exact) return this.sortedExact()[k];
    if (k <= 0) return this.min;
    if (k >= this.count - 1) return this.max;
    let left = k - this.underflow;
    if (left < 0) return this.min;
    const counts = this.pageCounts!;
    let page = 0;
    while (page < PAGES - 1 && left >= counts[page]) left -= counts[page++];
    const buckets = this.pages[page]!;
    let i = 0;
    while (i < PAGE - 1 && left >= buckets[i]) left -= buckets[i++];
    const middle = (2 * Math.pow(GAMMA, FIRST_INDEX + page * PAGE + i)) / (GAMMA + 1);
    return Math.min(this.max, Math.max(this.min, middle));
  }

  /** Linear-interpolated percentile (0–100) of the latencies, as {@link percentileOfSorted} (NaN when none). */
  percentile(p: number): number {
    if (this.exact) return percentileOfSorted(this.sortedExact(), p);
    const rank = (p / 100) * (this.count - 1);
    const low = this.orderStatistic(Math.floor(rank));
    const high = this.orderStatistic(Math.ceil(rank));
    return low + (high - low) * (rank - Math.floor(rank));
  }

  private sortedExact(): Float64Array {
    const values = this.exact!.subarray(0, this.count);
    if (!this.sorted) values.sort();
    this.sorted = true;
    return values;
  }

  private toBuckets(): void {
    const values = this.exact!.subarray(0, this.count);
    this.exact = undefined;
    this.pageCounts = new Float64Array(PAGES);
    for (const v of values) this.bucket(v);
  }

  private bucket(seconds: number): void {
    if (!(seconds >= LOWEST_SECONDS)) {
      this.underflow++;
      return;
    }
    const index = Math.min(BUCKETS - 1, Math.ceil(Math.log(seconds) / LOG_GAMMA) - FIRST_INDEX);
    const page = Math.floor(index / PAGE);
    const buckets = (this.pages[page] ??= new Uint32Array(PAGE));
    buckets[index - page * PAGE]++;
    this.pageCounts![page]++;
  }
}
