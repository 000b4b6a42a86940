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
}

/** The accuracy of the performance model on a measurement file. */
export interface AccuracyReport {
  overall: ErrorStats;
  byModel: Array<{ model: string } & ErrorStats>;
  byGroup: Array<{ group: string } & ErrorStats>;
  /** Rows with the largest error (either metric), worst first. */
  worst: RowResult[];
  /** Rows the model could not predict, with the reason. */
  unpredicted: RowResult[];
}

/** Signed relative error of a prediction in percent. */
export function signedErrorPct(predicted: number, measured: number): number {
  return (predicted / measured - 1) * 100;
}

/** The larger absolute error of a row's two predictions. */
export function rowWorstErrorPct(r: RowResult): number {
  return Math.max(Math.abs(signedErrorPct(r.predictedTtftMs!, r.row.ttftMs)), Math.abs(signedErrorPct(r.predictedTpotMs!, r.row.tpotMs)));
}

function stats(results: RowResult[]): ErrorStats {
  const ttft = results.map((r) => signedErrorPct(r.predictedTtftMs!, r.row.ttftMs));
  const tpot = results.map((r) => signedErrorPct(r.predictedTpotMs!, r.row.tpotMs));
  const abs = (xs: number[]) => xs.map(Math.abs);
  return {
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

/** Summarises predictions against measurements: overall, per model, per model × GPU, worst rows. */
export function accuracyReport(results: RowResult[], worstCount = 10): AccuracyReport {
  const predicted = results.filter((r) => r.error === undefined);
  return {
    overall: stats(predicted),
    byModel: [...groupBy(predicted, (r) => r.group.split(' × ')[0])].map(([model, rs]) => ({ model, ...stats(rs) })),
    byGroup: [...groupBy(predicted, (r) => r.group)].map(([group, rs]) => ({ group, ...stats(rs) })),
    worst: [...predicted].sort((a, b) => rowWorstErrorPct(b) - rowWorstErrorPct(a) || a.row.line - b.row.line).slice(0, worstCount),
    unpredicted: results.filter((r) => r.error !== undefined),
  };
}
