import { operatorReport, predictOperator } from '../calibrate/operator-accuracy.js';
import { operatorJson, operatorText } from '../report/operator-table.js';
import { InputError } from '../input/issues.js';
import { MAX_OPERATOR_ROWS, rowLimitIssue } from '../input/measurements.js';
import { parseOperatorFile } from '../input/operator-measurements.js';
import type { Catalog } from '../input/types.js';
import { resolveGpuId } from '../input/gpu-names.js';
import type { TextFile } from '../input/load.js';

/** Options of the operator-level accuracy report. */
export interface OperatorAccuracyOptions {
  gpu?: string;
  engine: string;
  worst: number;
  format: 'table' | 'json';
}

/**
 * `planner accuracy` on Vidur operator profiles: every kernel predicted on `--gpu` (the files do
 * not name their GPU), reported per op kind and size band.
 */
export function operatorAccuracy(texts: TextFile[], catalog: Catalog, options: OperatorAccuracyOptions, paint: (t: string) => string): string {
  if (!options.gpu) throw new InputError([{ file: '--gpu', message: 'operator profiles do not name their GPU: give --gpu (e.g. --gpu a100-80gb for Vidur\'s a100/ files)' }]);
  const gpuId = resolveGpuId(catalog, options.gpu);
  const gpu = gpuId === undefined ? undefined : catalog.gpus[gpuId];
  if (!gpu) throw new InputError([{ file: '--gpu', message: `unknown GPU "${options.gpu}"; \`planner gpus\` lists them` }]);
  const engine = Object.hasOwn(catalog.engines, options.engine) ? catalog.engines[options.engine] : undefined;
  if (!engine) throw new InputError([{ file: '--engine', message: `unknown engine "${options.engine}"; known: ${Object.keys(catalog.engines).join(', ')}` }]);
  const files = texts.map((file) => parseOperatorFile(file.path, file.text));
  const issues = files.flatMap((f) => f.issues);
  if (issues.length > 0) throw new InputError(issues);
  const tooMany = rowLimitIssue(texts.map((f) => f.path), files.reduce((sum, f) => sum + f.rows.length + f.skipped.length, 0), MAX_OPERATOR_ROWS);
  if (tooMany) throw new InputError([tooMany]);
  const results = files.flatMap((f) => f.rows).map((row) => predictOperator(row, gpu, engine));
  const skipped = files.flatMap((f) => f.skipped);
  const report = operatorReport(gpu.id, results, options.worst);
  return options.format === 'json' ? JSON.stringify(operatorJson(report, results, skipped), null, 2) : operatorText(report, skipped.length, paint);
}
