import type { JointSize } from '../input/types.js';
import { ReuseAccumulator } from './trace-reuse.js';
import type { BlockReuse, SessionReuse } from './trace-reuse.js';

/** One request of a trace: when it arrived and its sizes. */
export interface TraceRecord {
  timestampSeconds: number;
  inputTokens: number;
  outputTokens: number;
  /** The conversation it belongs to and its turn, where the trace says. */
  session?: string;
  turn?: number;
  /** Hashes of its prompt's blocks (Mooncake's hash_ids), where the trace gives them. */
  blocks?: number[];
}

/** Size percentiles of one dimension. */
export interface SizeStats {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What a trace says about a workload, in bounded memory whatever its length. */
export interface TraceSummary {
  requests: number;
  durationSeconds: number;
  meanRatePerSecond: number;
  /** The percentile of the per-window request rates (windows without requests count as 0). */
  peakRatePerSecond: number;
  peakWindowSeconds: number;
  peakPercentile: number;
  /**
   * Coefficient of variation of the gaps between arrivals within windows, each gap scaled by its
   * window's rate (1 for Poisson): the burstiness at a steady rate, without the slow swings of
   * the rate itself, which the peak rate already covers.
   */
  interArrivalCv: number;
  input: SizeStats;
  output: SizeStats;
  /** The joint size histogram, non-empty cells only, by input then output. */
  joint: JointSize[];
  /** Marginal histograms (same bins as the joint one) for charts. */
  inputHistogram: Array<{ range: [number, number]; weight: number }>;
  outputHistogram: Array<{ range: [number, number]; weight: number }>;
  /** The rate per hour of the day (see {@link HourlyProfile}). */
  hourly: HourlyProfile;
  /** Prompt reuse across the turns of a session (a trace with session ids). */
  reuse?: SessionReuse;
  /** Prompt blocks seen before (a trace with block hashes). */
  prefixBlocks?: BlockReuse;
}

/**
 * The trace's rate by hour of the day: Unix timestamps (from 2001 on) by UTC clock hour, relative
 * ones by hour since the first request. Each hour's rate is its requests over the time the trace
 * covers of it (summed over days); `fractions` (rate / the busiest hour's) only when every hour
 * of the day is covered for at least half an hour.
 */
export interface HourlyProfile {
  clock: 'utc' | 'relative';
  /** Requests/s in hours 0–23 (0 where the trace does not cover the hour). */
  ratesPerSecond: number[];
  /** Seconds of each hour of the day the trace covers. */
  coveredSeconds: number[];
  fractions: number[] | null;
}

/** Timestamps from this on (2001-09-09) are read as Unix seconds, whose hours are UTC clock hours. */
const UNIX_SECONDS_FROM = 1e9;
/** Time the trace must cover of each hour of the day for an hourly profile. */
export const MIN_COVERED_SECONDS = 1800;

/** Bins per doubling of size: edges at 2^(k/4) tokens (~19% apart). */
const BINS_PER_OCTAVE = 4;
const MAX_BIN = 24 * BINS_PER_OCTAVE;

function binOf(tokens: number): number {
  return Math.min(MAX_BIN - 1, Math.max(0, Math.floor(Math.log2(Math.max(1, tokens)) * BINS_PER_OCTAVE)));
}

function binRange(bin: number): [number, number] {
  return [Math.max(1, Math.ceil(2 ** (bin / BINS_PER_OCTAVE))), Math.max(1, Math.ceil(2 ** ((bin + 1) / BINS_PER_OCTAVE)) - 1)];
}

interface Cell {
  count: number;
  inputSum: number;
  outputSum: number;
  inputMin: number;
  inputMax: number;
  outputMin: number;
  outputMax: number;
  /** Requests that follow an earlier turn, their prompt tokens, and the earlier turns' tokens in them. */
  followUps: number;
  followUpInput: number;
  history: number;
}

/**
 * Accumulates trace records into fixed-size histograms, per-window counts (one number per window
 * of the trace's span) and running inter-arrival moments: memory does not grow with the number
 * of requests, so a 10-million-row trace summarises in a few megabytes.
 */
export class TraceAccumulator {
  private readonly cells = new Map<number, Cell>();
  /** Per window: requests, and the count, sum and sum of squares of the gaps ending in it. */
  private readonly windows = new Map<number, { count: number; gaps: number; gapSum: number; gapSquares: number }>();
  private count = 0;
  private first = Infinity;
  /** Windows start at the first request's time (the trace's own clock may start anywhere). */
  private origin: number | undefined;
  private last = -Infinity;
  private previous: number | undefined;
  private inputSum = 0;
  private outputSum = 0;
  private inputMax = 0;
  private outputMax = 0;
  /** Requests per hour of the trace's clock (see HourlyProfile). */
  private readonly hours = new Map<number, number>();
  private readonly reuse = new ReuseAccumulator();

  constructor(private readonly windowSeconds: number) {}

  /** Adds one request. */
  add(record: TraceRecord): void {
    const { timestampSeconds: t, inputTokens: i, outputTokens: o } = record;
    this.count++;
    this.first = Math.min(this.first, t);
    this.last = Math.max(this.last, t);
    this.origin ??= t;
    const window = Math.floor((t - this.origin) / this.windowSeconds);
    let w = this.windows.get(window);
    if (!w) {
      w = { count: 0, gaps: 0, gapSum: 0, gapSquares: 0 };
      this.windows.set(window, w);
    }
    w.count++;
    const hour = Math.floor(this.clock(t) / 3600);
    this.hours.set(hour, (this.hours.get(hour) ?? 0) + 1);
    if (this.previous !== undefined && t >= this.previous) {
      const gap = t - this.previous;
      w.gaps++;
      w.gapSum += gap;
      w.gapSquares += gap * gap;
    }
    this.previous = t;
    const key = binOf(i) * MAX_BIN + binOf(o);
    const cell = this.cells.get(key) ?? { count: 0, inputSum: 0, outputSum: 0, inputMin: i, inputMax: i, outputMin: o, outputMax: o, followUps: 0, followUpInput: 0, history: 0 };
    cell.count++;
    cell.inputSum += i;
    cell.outputSum += o;
    cell.inputMin = Math.min(cell.inputMin, i);
    cell.inputMax = Math.max(cell.inputMax, i);
    cell.outputMin = Math.min(cell.outputMin, o);
    cell.outputMax = Math.max(cell.outputMax, o);
    this.cells.set(key, cell);
    this.inputSum += i;
    this.outputSum += o;
    this.inputMax = Math.max(this.inputMax, i);
    this.outputMax = Math.max(this.outputMax, o);
    const follows = this.reuse.add(record);
    if (follows) {
      cell.followUps++;
      cell.followUpInput += i;
      cell.history += follows.historyTokens;
    }
  }

  /** A time on the clock hours are counted by: Unix seconds as they are, relative times from the first request. */
  private clock(t: number): number {
    return this.origin! >= UNIX_SECONDS_FROM ? t : t - this.origin!;
  }

  /** Requests per hour of the day over the time the trace covers of each. */
  private hourlyProfile(): HourlyProfile {
    const counts = Array.from({ length: 24 }, () => 0);
    const covered = Array.from({ length: 24 }, () => 0);
    if (this.count > 0) {
      const start = this.clock(this.first);
      const end = this.clock(this.last);
      const slotOf = (h: number) => ((h % 24) + 24) % 24;
      const first = Math.floor(start / 3600);
      const last = Math.floor(end / 3600);
      const part = (h: number) => Math.max(0, Math.min(end, (h + 1) * 3600) - Math.max(start, h * 3600));
      covered[slotOf(first)] += part(first);
      if (last > first) covered[slotOf(last)] += part(last);
      // The whole hours between, by arithmetic: a trace spanning years (or a stray timestamp) costs no loop over its hours.
      const whole = Math.max(0, last - first - 1);
      const days = Math.floor(whole / 24);
      for (let slot = 0; slot < 24; slot++) covered[slot] += days * 3600;
      for (let k = 1; k <= whole % 24; k++) covered[slotOf(first + k)] += 3600;
      for (const [h, n] of this.hours) counts[((h % 24) + 24) % 24] += n;
    }
    const rates = counts.map((n, slot) => (covered[slot] > 0 ? n / covered[slot] : 0));
    const busiest = Math.max(...rates);
    const complete = covered.every((c) => c >= MIN_COVERED_SECONDS) && busiest > 0;
    return {
      clock: this.origin !== undefined && this.origin >= UNIX_SECONDS_FROM ? 'utc' : 'relative',
      ratesPerSecond: rates,
      coveredSeconds: covered,
      fractions: complete ? rates.map((r) => r / busiest) : null,
    };
  }

  /** Number of requests added so far. */
  get requests(): number {
    return this.count;
  }

  /** The gaps' coefficient of variation, each gap scaled by its window's rate (requests / window). */
  private localCv(): number {
    let n = 0;
    let sum = 0;
    let squares = 0;
    for (const w of this.windows.values()) {
      const rate = w.count / this.windowSeconds;
      n += w.gaps;
      sum += w.gapSum * rate;
      squares += w.gapSquares * rate * rate;
    }
    if (n < 2 || sum <= 0) return 1;
    const mean = sum / n;
    return Math.sqrt(Math.max(0, squares / n - mean * mean)) / mean;
  }

  /** The summary, with the peak rate taken at `percentile` of the per-window rates. */
  summary(percentile: number): TraceSummary {
    const n = this.count;
    const duration = n > 1 ? this.last - this.first : 0;
    const origin = this.origin ?? 0;
    const firstWindow = Math.floor((this.first - origin) / this.windowSeconds);
    const lastWindow = Math.floor((this.last - origin) / this.windowSeconds);
    // The last window is cut short by the end of the trace: it does not count (unless it is the only one).
    const complete = lastWindow - firstWindow;
    // Windows without requests count as 0: the percentile is over the whole span.
    const counts = [...this.windows.entries()].filter(([k]) => k < lastWindow).map(([, w]) => w.count).sort((a, b) => a - b);
    const zeros = Math.max(0, complete - counts.length);
    const rank = Math.min(complete - 1, Math.max(0, Math.ceil((percentile / 100) * complete) - 1));
    const peakRate = complete < 1 ? (duration > 0 ? (n - 1) / duration : 0) : (rank < zeros ? 0 : counts[rank - zeros] ?? 0) / this.windowSeconds;
    const keys = [...this.cells.keys()].sort((a, b) => a - b);
    const joint: JointSize[] = keys.map((key) => {
      const c = this.cells.get(key)!;
      return {
        inputTokens: Math.max(1, Math.round(c.inputSum / c.count)),
        outputTokens: Math.max(1, Math.round(c.outputSum / c.count)),
        weight: c.count / n,
        inputRange: [c.inputMin, c.inputMax],
        outputRange: [c.outputMin, c.outputMax],
        ...(this.reuse.hasSessions ? { history: { followUps: c.followUps / c.count, share: c.followUpInput > 0 ? c.history / c.followUpInput : 0 } } : {}),
      };
    });
    const marginal = (which: 'input' | 'output') => {
      const bins = new Map<number, number>();
      for (const key of keys) {
        const bin = which === 'input' ? Math.floor(key / MAX_BIN) : key % MAX_BIN;
        bins.set(bin, (bins.get(bin) ?? 0) + this.cells.get(key)!.count / n);
      }
      return [...bins.keys()].sort((a, b) => a - b).map((bin) => ({ range: binRange(bin), weight: bins.get(bin)! }));
    };
    const inputHistogram = marginal('input');
    const outputHistogram = marginal('output');
    return {
      requests: n,
      durationSeconds: duration,
      meanRatePerSecond: duration > 0 ? (n - 1) / duration : 0,
      peakRatePerSecond: peakRate,
      peakWindowSeconds: this.windowSeconds,
      peakPercentile: percentile,
      interArrivalCv: this.localCv(),
      input: stats(inputHistogram, this.inputSum / Math.max(1, n), this.inputMax),
      output: stats(outputHistogram, this.outputSum / Math.max(1, n), this.outputMax),
      joint,
      inputHistogram,
      outputHistogram,
      hourly: this.hourlyProfile(),
      ...this.reuse.summary(duration),
    };
  }
}

/** Percentiles read off a histogram (the upper edge of the bin that reaches them). */
function stats(histogram: Array<{ range: [number, number]; weight: number }>, mean: number, max: number): SizeStats {
  const at = (p: number) => {
    let acc = 0;
    for (const bin of histogram) {
      acc += bin.weight;
      if (acc >= p - 1e-12) return Math.min(max, bin.range[1]);
    }
    return max;
  };
  return { mean, p50: at(0.5), p90: at(0.9), p99: at(0.99), max };
}
