import type { TraceSummary } from '../workload/trace-summary.js';
import { checkedQuantity } from './models.js';
import type { JointSize, RequestClass, SloTargets, TraceSource } from './types.js';

/** The trace block of a spec's workload, as written (schema-checked). */
export interface RawTrace {
  file: string;
  format?: TraceSource['format'];
  columns?: TraceSource['columns'];
  time_unit?: 's' | 'ms' | 'us';
  rate?: number | string;
  peak?: { window?: string; percentile?: number | string };
}

/** Defaults of the peak rate a trace plans for: the 99th percentile of 1-minute rates. */
export const PEAK_DEFAULTS = { windowSeconds: 60, percentile: 99 };

const TIME_UNITS = { s: 1, ms: 1e-3, us: 1e-6 };

/** Window and percentile of the peak rate a trace block asks for. */
export function peakOptions(raw: RawTrace): { windowSeconds: number; percentile: number } {
  return {
    windowSeconds: raw.peak?.window === undefined ? PEAK_DEFAULTS.windowSeconds : checkedQuantity('duration', raw.peak.window),
    percentile: raw.peak?.percentile === undefined ? PEAK_DEFAULTS.percentile : checkedQuantity('percentile', raw.peak.percentile),
  };
}

/** How to read the trace file (for the summary and for replaying it). */
export function traceLayout(raw: RawTrace): Pick<TraceSource, 'format' | 'columns' | 'timeUnitSeconds'> {
  return { format: raw.format ?? 'auto', columns: raw.columns, timeUnitSeconds: TIME_UNITS[raw.time_unit ?? 's'] };
}

/**
 * The request class a trace describes: sizes as they occur together (its joint histogram), at
 * the rate the spec asks for — the trace's peak (default), its mean, or a given rate.
 */
export function traceClass(raw: RawTrace, path: string, summary: TraceSummary, slo: SloTargets): { cls: RequestClass; trace: TraceSource } {
  const planned = raw.rate === 'mean' ? summary.meanRatePerSecond : raw.rate === undefined || raw.rate === 'peak' ? summary.peakRatePerSecond : checkedQuantity('rate', raw.rate);
  const joint: JointSize[] = summary.joint;
  const marginal = (key: 'inputRange' | 'outputRange') =>
    joint.map((j) => ({ min: j[key][0], max: j[key][1], weight: j.weight }));
  return {
    cls: {
      name: 'trace',
      ratePerSecond: planned,
      input: { kind: 'histogram', bins: marginal('inputRange') },
      output: { kind: 'histogram', bins: marginal('outputRange') },
      joint,
      slo,
    },
    trace: {
      file: raw.file,
      path,
      ...traceLayout(raw),
      durationSeconds: summary.durationSeconds,
      meanRatePerSecond: summary.meanRatePerSecond,
      peakRatePerSecond: summary.peakRatePerSecond,
      replaySpeed: raw.rate === undefined || raw.rate === 'peak' || raw.rate === 'mean' || !(summary.meanRatePerSecond > 0) ? 1 : planned / summary.meanRatePerSecond,
    },
  };
}
