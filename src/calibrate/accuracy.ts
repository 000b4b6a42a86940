import { percentile } from '../workload/percentile.js';
import type { RowResult } from './predict-rows.js';

/** Error statistics of a set of predicted rows (absolute percentage errors). */
export interface ErrorStats {
  rows: number;
  ttftMedianPct: number;
  ttftP90Pct: number;
  tpotMedianPct: number;
  tpotP90Pct: number;
  /** Median signed error of TTFT and TPOT (positive: the model predicts too slow). */
  ttftBiasPct: number;
  tpotBiasPct: number;
  /** The same for rows that give a whole request's (or static batch's) latency; NaN where none does. */
  e2eRows: number;
  e2eMedianPct: number;
  e2eP90Pct: number;
  e2eBiasPct: number;
}

/** The accuracy of the performance model on a measurement file. */
export interface AccuracyReport {
  overall: ErrorStats;
  byModel: Array<{ model: string } & ErrorStats>;
  byGroup: Array<{ group: string } & ErrorStats>;
  /** Per model × GPU × serving engine (the engine a row names, else the default one). */
  byEngine: Array<{ group: string } & ErrorStats>;
  /** Rows with the largest error (either metric), worst first. */
  worst: RowResult[];
  /** Rows the model could not predict, with the reason. */
  unpredicted: RowResult[];
}

/** Signed relative error of a prediction in percent. */
export function signedErrorPct(predicted: number, measured: number): number {
  return (predicted / measured - 1) * 100;
}

/** Signed % errors of a row's metrics that it measured: TTFT, TPOT and the whole request's latency. */
export function rowErrors(r: RowResult): { ttft?: number; tpot?: number; e2e?: number } {
  const err = (predicted: number | undefined, measured: number | undefined) =>
    predicted !== undefined && measured !== undefined ? signedErrorPct(predicted, measured) : undefined;
  return { ttft: err(r.predictedTtftMs, r.row.ttftMs), tpot: err(r.predictedTpotMs, r.row.tpotMs), e2e: err(r.predictedE2eMs, r.row.e2eMs) };
}

/** The largest absolute error of a row's measured metrics. */
export function rowWorstErrorPct(r: RowResult): number {
  return Math.max(...Object.values(rowErrors(r)).filter((e): e is number => e !== undefined).map(Math.abs));
}

function stats(results: RowResult[]): ErrorStats {
  const errors = results.map(rowErrors);
  const of = (key: 'ttft' | 'tpot' | 'e2e') => errors.map((e) => e[key]).filter((e): e is number => e !== undefined);
  const [ttft, tpot, e2e] = [of('ttft'), of('tpot'), of('e2e')];
  const abs = (xs: number[]) => xs.map(Math.abs);
  return {
    e2eRows: e2e.length,
    e2eMedianPct: percentile(abs(e2e), 50),
    e2eP90Pct: percentile(abs(e2e), 90),
    e2eBiasPct: percentile(e2e, 50),
    rows: results.length,
    ttftMedianPct: percentile(abs(ttft), 50),
    ttftP90Pct: percentile(abs(ttft), 90),
    tpotMedianPct: percentile(abs(tpot), 50),
    tpotP90Pct: percentile(abs(tpot), 90),
    ttftBiasPct: percentile(ttft, 50),
    tpotBiasPct: percentile(tpot, 50),
  };
}

function groupBy(results: RowResult[], key: (r: RowResult) => string): Map<string, RowResult[]> {
  const groups = new Map<string, RowResult[]>();
  for (const r of results) {
    const k = key(r);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

/** Summarises predictions against measurements: overall, per model, per model × GPU (and × engine), worst rows. */
export function accuracyReport(results: RowResult[], worstCount = 10): AccuracyReport {
  const predicted = results.filter((r) => r.error === undefined);
  return {
    overall: stats(predicted),
    byModel: [...groupBy(predicted, (r) => r.group.split(' × ')[0])].map(([model, rs]) => ({ model, ...stats(rs) })),
    byGroup: [...groupBy(predicted, (r) => r.group)].map(([group, rs]) => ({ group, ...stats(rs) })),
    byEngine: [...groupBy(predicted, (r) => `${r.group} × ${r.engineId}`)].map(([group, rs]) => ({ group, ...stats(rs) })),
    worst: [...predicted].sort((a, b) => rowWorstErrorPct(b) - rowWorstErrorPct(a) || a.row.line - b.row.line).slice(0, worstCount),
    unpredicted: results.filter((r) => r.error !== undefined),
  };
}
