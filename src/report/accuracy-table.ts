import type { AccuracyReport, ErrorStats } from '../calibrate/accuracy.js';
import { rowErrors } from '../calibrate/accuracy.js';
import type { RowResult } from '../calibrate/predict-rows.js';
import type { MeasurementFile } from '../input/measurements.js';
import { plainText } from './escape.js';
import { errorPct, sig, signedPct } from './format.js';
import { renderTable } from './table.js';
import type { Column } from './table.js';


const STAT_COLUMNS: Column[] = [
  { header: 'ROWS', align: 'right' },
  { header: 'TTFT MEDIAN', align: 'right' },
  { header: 'TTFT P90', align: 'right' },
  { header: 'TPOT MEDIAN', align: 'right' },
  { header: 'TPOT P90', align: 'right' },
];
/** Shown only when some row gives a whole request's (or static batch's) latency. */
const E2E_COLUMNS: Column[] = [
  { header: 'E2E MEDIAN', align: 'right' },
  { header: 'E2E P90', align: 'right' },
  { header: 'E2E BIAS', align: 'right' },
];

function statCells(s: ErrorStats, e2e: boolean): string[] {
  const cells = [String(s.rows), errorPct(s.ttftMedianPct), errorPct(s.ttftP90Pct), errorPct(s.tpotMedianPct), errorPct(s.tpotP90Pct)];
  return e2e ? [...cells, errorPct(s.e2eMedianPct), errorPct(s.e2eP90Pct), Number.isFinite(s.e2eBiasPct) ? signedPct(s.e2eBiasPct) : '-'] : cells;
}

/** "TTFT 120 → 131 ms (+9%)" for each metric the row measured. */
function metricChanges(r: RowResult): string {
  const errors = rowErrors(r);
  const change = (name: string, measured: number | undefined, predicted: number | undefined, error: number | undefined) =>
    measured === undefined || error === undefined ? [] : [`${name} ${sig(measured)} → ${sig(predicted!)} ms (${signedPct(error)})`];
  return [
    ...change('TTFT', r.row.ttftMs, r.predictedTtftMs, errors.ttft),
    ...change('TPOT', r.row.tpotMs, r.predictedTpotMs, errors.tpot),
    ...change('E2E', r.row.e2eMs, r.predictedE2eMs, errors.e2e),
  ].join(', ');
}

/** One line naming a measured row: where it came from and its configuration (plain text: the file's cells are the user's). */
export function describeRow(r: RowResult): string {
  const row = r.row;
  const engine = row.engine ? ` ${row.engine}` : '';
  return plainText(`${row.file}:${row.line}: ${row.model} ${row.gpu} tp${row.tp}${row.pp > 1 ? ` pp${row.pp}` : ''}${row.ep > 1 ? ` ep${row.ep}` : ''}${row.dp > 1 ? ` dp${row.dp}` : ''} ${row.weights}${engine} ${row.mode} c=${row.concurrency} ${row.inputTokens}→${row.outputTokens}`);
}

/** The accuracy report as text tables: per model × GPU, per model, overall (and per model × GPU × engine), worst rows, unpredicted rows. */
export function accuracyText(report: AccuracyReport, files: MeasurementFile[], paintHeader?: (t: string) => string): string {
  const parts: string[] = [];
  const e2e = report.overall.e2eRows > 0;
  parts.push(
    renderTable(
      [{ header: 'MODEL × GPU' }, ...STAT_COLUMNS, ...(e2e ? E2E_COLUMNS : [])],
      [
        ...report.byGroup.map((g) => [g.group, ...statCells(g, e2e)]),
        ...report.byModel.map((m) => [`${m.model} (all GPUs)`, ...statCells(m, e2e)]),
        ['overall', ...statCells(report.overall, e2e)],
      ],
      paintHeader,
    ),
  );
  // Where the rows ran under more than one engine, the same per model × GPU × engine.
  if (report.byEngine.length > report.byGroup.length) {
    parts.push(
      '',
      renderTable(
        [{ header: 'MODEL × GPU × ENGINE' }, ...STAT_COLUMNS, ...(e2e ? E2E_COLUMNS : [])],
        report.byEngine.map((g) => [g.group, ...statCells(g, e2e)]),
        paintHeader,
      ),
    );
  }
  parts.push(
    e2e
      ? 'absolute % error of the predicted mean TTFT, TPOT and whole-request latency (TTFT + (output − 1) × TPOT) against the measured ones, over the rows that give each; bias: median signed error (+: predicted too slow)'
      : 'absolute % error of the predicted mean TTFT and TPOT against the measured ones',
  );
  if (report.worst.length > 0) {
    parts.push('', 'worst rows (measured → predicted):');
    for (const r of report.worst) parts.push(`  ${describeRow(r)}: ${metricChanges(r)}`);
  }
  const rejected = files.flatMap((f) => f.rejected);
  const unpredicted = report.unpredicted.length + rejected.length;
  if (unpredicted > 0) {
    parts.push('', `${unpredicted} row(s) could not be predicted:`);
    for (const r of rejected) parts.push(`  ${plainText(`${r.file}:${r.line}: ${r.reason}`)}`);
    for (const r of report.unpredicted) parts.push(`  ${describeRow(r)}: ${plainText(String(r.error))}`);
  }
  return parts.join('\n');
}

/** The accuracy report as versioned JSON: statistics plus every input row with its prediction or error. */
export function accuracyJson(report: AccuracyReport, results: RowResult[], files: MeasurementFile[]): object {
  const round = (x: number) => Number(x.toFixed(3));
  const roundStats = <T extends object>(s: T) =>
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? (Number.isFinite(v) ? round(v) : null) : v]));
  return {
    version: 1,
    overall: roundStats(report.overall),
    byModel: report.byModel.map(roundStats),
    byGroup: report.byGroup.map(roundStats),
    byEngine: report.byEngine.map(roundStats),
    rows: [
      ...results.map((r) => ({
        file: r.row.file,
        line: r.row.line,
        ...r.row.fields,
        ...(r.error === undefined
          ? { predictedTtftMs: round(r.predictedTtftMs!), predictedTpotMs: round(r.predictedTpotMs!), predictedE2eMs: round(r.predictedE2eMs!) }
          : { error: r.error }),
      })),
      ...files.flatMap((f) => f.rejected.map((r) => ({ file: r.file, line: r.line, ...r.fields, error: r.reason }))),
    ],
  };
}
