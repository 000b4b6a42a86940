import type { OperatorReport, OperatorResult } from '../calibrate/operator-accuracy.js';
import { operatorErrorPct } from '../calibrate/operator-accuracy.js';
import type { OperatorMeasurement } from '../input/operator-measurements.js';
import { plainText } from './escape.js';
import { errorPct, sig, signedPct } from './format.js';
import { renderTable } from './table.js';


/** What a measured kernel was, in one line. */
function describe(row: OperatorMeasurement): string {
  const w = row.work;
  const shape = row.shape ? ` h${row.shape.hiddenSize} ${row.shape.heads}/${row.shape.kvHeads} heads` : '';
  const what =
    w.kind === 'layer-op' ? `${w.op} ${w.tokens} tokens`
    : w.kind === 'prefill-attention' ? `prefill attention chunk ${w.chunkTokens} after ${w.cachedTokens}`
    : w.kind === 'decode-attention' ? `decode attention ${w.sequences} × ${w.cachedTokens} tokens`
    : `${w.kind} ${w.bytes} bytes`;
  return plainText(`${row.file}:${row.line}:${shape} ${row.gpus} GPU${row.gpus > 1 ? 's' : ''} ${what}`);
}

/** The operator-level report as text: per kind, per kind × size band (with bias), worst rows. */
export function operatorText(report: OperatorReport, skipped: number, paintHeader?: (t: string) => string): string {
  const parts: string[] = [];
  parts.push(
    renderTable(
      [{ header: 'OPERATOR' }, { header: 'ROWS', align: 'right' }, { header: 'MEDIAN', align: 'right' }, { header: 'P90', align: 'right' }, { header: 'BIAS', align: 'right' }],
      [
        ...report.byKind.map((k) => [k.kind, String(k.rows), errorPct(k.medianPct), errorPct(k.p90Pct), signedPct(k.biasPct)]),
        ...report.byBand.map((b) => [`  ${b.kind} ${b.band}`, String(b.rows), errorPct(b.medianPct), errorPct(b.p90Pct), signedPct(b.biasPct)]),
      ],
      paintHeader,
    ),
  );
  parts.push(`absolute % error of the predicted kernel time on ${plainText(report.gpu)} (bias: median signed error, + predicts too slow)`);
  if (report.worst.length > 0) {
    parts.push('', 'worst rows (measured → predicted):');
    for (const r of report.worst) parts.push(`  ${describe(r.row)}: ${sig(r.row.measuredMs * 1000)} → ${sig(r.predictedMs * 1000)} µs (${signedPct(operatorErrorPct(r))})`);
  }
  if (skipped > 0) parts.push('', `${skipped} row(s) skipped (no counterpart in the model; --format json lists them)`);
  return parts.join('\n');
}

/** The operator-level report as versioned JSON, with every row and its prediction. */
export function operatorJson(report: OperatorReport, results: OperatorResult[], skipped: Array<{ file: string; line: number; reason: string }>): object {
  const round = (x: number) => Number(x.toFixed(4));
  const roundAll = <T extends object>(s: T) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]));
  return {
    version: 1,
    gpu: report.gpu,
    byKind: report.byKind.map(roundAll),
    byBand: report.byBand.map(roundAll),
    rows: results.map((r) => ({ file: r.row.file, line: r.row.line, gpus: r.row.gpus, ...r.row.work, kind: r.kind, measuredMs: r.row.measuredMs, predictedMs: round(r.predictedMs) })),
    skipped,
  };
}
