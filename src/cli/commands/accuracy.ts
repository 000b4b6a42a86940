import { Option } from 'commander';
import { accuracyReport } from '../../calibrate/accuracy.js';
import { calibrate } from '../../calibrate/fit.js';
import { overlayYaml } from '../../calibrate/overlay.js';
import { predictRow } from '../../calibrate/predict-rows.js';
import { accuracyJson, accuracyText } from '../../report/accuracy-table.js';
import { sig } from '../../report/format.js';
import { InputError } from '../../input/issues.js';
import { parseMeasurements, rowLimitIssue } from '../../input/measurements.js';
import { isOperatorFile } from '../../input/operator-measurements.js';
import type { MeasurementFile } from '../../input/measurements.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { flagWholeNumber } from '../flags.js';
import { readUserFile } from '../files.js';
import { writeFileAtomic } from '../write-file.js';
import type { TextFile } from '../../input/load.js';
import { loadInputs } from '../inputs.js';
import type { ModelRegistry } from '../../input/models.js';
import { operatorAccuracy } from '../operator-accuracy.js';

/**
 * Reads measurement CSVs; a file-level problem (missing column) is bad input. A row without a
 * weights cell takes the precision its model's name sets (`…-FP8-dynamic`), as a spec does.
 */
function readMeasurements(texts: TextFile[], models: ModelRegistry): MeasurementFile[] {
  const files = texts.map((file) => parseMeasurements(file.path, file.text));
  const issues = files.flatMap((f) => f.issues);
  if (issues.length > 0) throw new InputError(issues);
  const tooMany = rowLimitIssue(texts.map((f) => f.path), files.reduce((sum, f) => sum + f.rows.length + f.rejected.length, 0));
  if (tooMany) throw new InputError([tooMany]);
  for (const row of files.flatMap((f) => f.rows)) {
    const implied = (row.fields.weights ?? '') === '' ? models.lookup(row.model)?.precision : undefined;
    if (implied) row.weights = implied;
  }
  return files;
}

/** Most rows `--worst` lists. */
const MAX_WORST_ROWS = 1_000;

interface AccuracyOptions {
  catalog: string[];
  gpu?: string;
  engine: string;
  worst: string;
  format: 'table' | 'json';
}

/** `planner accuracy` and `planner calibrate`: the performance model against measurements. */
export const registerAccuracyCommands: Register = (program, action) => {
  program
    .command('accuracy')
    .description('compare the performance model with measured TTFT and TPOT, or with operator kernel timings (CSV, see README), and report the error')
    .argument('<measurements...>', 'measurement CSV file(s)')
    .option('--catalog <file>', 'catalog overlay, e.g. one written by planner calibrate (repeatable)', collect, [])
    .option('--engine <id>', 'serving engine of rows without an engine column', 'vllm')
    .option('--worst <n>', 'how many of the worst rows to list', '10')
    .option('--gpu <id>', 'GPU that operator profiles (Vidur kernel timings) were measured on')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      action(({ io, out }, paths: string[], options: AccuracyOptions) => {
        const inputs = loadInputs(options.catalog, io.cwd);
        const worst = flagWholeNumber('--worst', options.worst, 0, MAX_WORST_ROWS, 'rows listed');
        const texts = paths.map((path) => readUserFile(path, io.cwd));
        const operatorFiles = texts.filter((file) => isOperatorFile(file.text));
        if (operatorFiles.length > 0) {
          if (operatorFiles.length < texts.length) {
            throw new InputError([{ file: texts.filter((f) => !operatorFiles.includes(f)).map((f) => f.path).join(', '), message: 'give operator profiles and end-to-end measurement files in separate runs' }]);
          }
          out.data(operatorAccuracy(texts, inputs.catalog, { ...options, worst }, out.paint.bold));
          return EXIT.ok;
        }
        const files = readMeasurements(texts, inputs.models);
        const results = files.flatMap((f) => f.rows).map((row) => predictRow(row, inputs.catalog, inputs.models, options.engine));
        const report = accuracyReport(results, worst);
        out.data(
          options.format === 'json'
            ? JSON.stringify(accuracyJson(report, results, files), null, 2)
            : accuracyText(report, files, out.paint.bold),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('calibrate')
    .description('fit the efficiency factors and overheads of the GPUs and engines in measurements; write a catalog overlay')
    .argument('<measurements...>', 'measurement CSV file(s)')
    .option('--catalog <file>', 'catalog overlay to start from (repeatable)', collect, [])
    .option('--engine <id>', 'reference engine: rows without an engine column, and the one whose kernels the GPU factors describe', 'vllm')
    .option('-o, --out <file>', 'write the overlay YAML here (default: stdout, with the report on stderr)')
    .option('--keep <id.factor>', 'a factor to leave as the catalog has it, e.g. mi300x.compute or vllm.stepOverheadSeconds (repeatable)', collect, [])
    .action(
      action(async ({ io, out }, paths: string[], options: { catalog: string[]; engine: string; out?: string; keep: string[] }) => {
        const inputs = loadInputs(options.catalog, io.cwd);
        const files = readMeasurements(paths.map((path) => readUserFile(path, io.cwd)), inputs.models);
        const rows = files.flatMap((f) => f.rows);
        if (rows.length === 0) throw new InputError([{ file: paths.join(', '), message: 'no usable measurement rows' }]);
        if (!inputs.catalog.engines[options.engine]) {
          throw new InputError([{ file: '--engine', message: `unknown engine "${options.engine}"; known: ${Object.keys(inputs.catalog.engines).join(', ')}` }]);
        }
        const fit = calibrate(rows, inputs.catalog, inputs.models, options.engine, options.keep);
        if (fit.unmatchedKeep.length > 0) {
          throw new InputError([{ file: '--keep', message: `${fit.unmatchedKeep.join(', ')}: no such factor is fitted on these rows; they fit ${fit.fittable.join(', ')}` }]);
        }
        const before = accuracyReport(fit.before).overall;
        const after = accuracyReport(fit.after).overall;
        const line = (name: string, s: typeof before) =>
          `${name}: TTFT median ${sig(s.ttftMedianPct)}% (p90 ${sig(s.ttftP90Pct)}%), TPOT median ${sig(s.tpotMedianPct)}% (p90 ${sig(s.tpotP90Pct)}%)${s.e2eRows > 0 ? `, E2E median ${sig(s.e2eMedianPct)}% (p90 ${sig(s.e2eP90Pct)}%, ${s.e2eRows} rows)` : ''} over ${s.rows} rows`;
        const header = [
          `planner calibrate overlay: pass it with --catalog`,
          `fitted on ${paths.join(', ')} (reference engine ${options.engine})`,
          line('error before', before),
          line('error after ', after),
        ];
        const yaml = overlayYaml(fit.params, header);
        const report = [line('error before', before), line('error after ', after)].join('\n');
        if (options.out) {
          writeFileAtomic(options.out, yaml, io.cwd);
          out.data(`${report}\nwrote ${options.out}`);
        } else {
          out.data(yaml);
          out.info(report);
        }
        return EXIT.ok;
      }),
    );
};
