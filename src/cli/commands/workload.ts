import { Option } from 'commander';
import { workloadJson, workloadText } from '../../report/workload-report.js';
import { InputError } from '../../input/issues.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { flagQuantity } from '../flags.js';
import { noRequestsReason, summarizeTrace } from '../traces.js';
import type { TraceLayout } from '../trace-file.js';

interface WorkloadOptions {
  traceFormat: TraceLayout['format'];
  columns?: string;
  timeUnit: 's' | 'ms' | 'us';
  window: string;
  percentile: string;
  format: 'table' | 'json';
}

/** `planner workload trace.csv`: what a trace says — rates, peak, size histograms. */
export const registerWorkload: Register = (program, action) => {
  program
    .command('workload')
    .description('summarise a request trace (BurstGPT, Azure LLM inference, Mooncake, or mapped columns): mean and peak rate, size histograms, prompt reuse')
    .argument('<trace>', 'CSV (with a header) or JSON-lines file')
    .addOption(new Option('--trace-format <format>', 'trace layout').choices(['auto', 'burstgpt', 'azure', 'csv', 'jsonl', 'mooncake']).default('auto'))
    .option('--columns <names>', 'timestamp,input,output[,session,turn] column names of a custom layout, e.g. ts,prompt_tokens,completion_tokens,conversation_id')
    .addOption(new Option('--time-unit <unit>', 'unit of numeric timestamps').choices(['s', 'ms', 'us']).default('s'))
    .option('--window <duration>', 'window of the peak rate', '1min')
    .option('--percentile <p>', 'percentile of the per-window rates taken as the peak', '99')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      action(({ io, out }, path: string, options: WorkloadOptions) => {
        const window = flagQuantity('--window', 'duration', options.window);
        const percentile = flagQuantity('--percentile', 'percentile', options.percentile);
        if (window <= 0) throw new InputError([{ file: '--window', message: 'must be more than 0' }]);
        const names = options.columns?.split(',').map((s) => s.trim());
        if (names && (names.length < 3 || names.length > 5 || names.some((n) => n === ''))) {
          throw new InputError([{ file: '--columns', message: 'give three to five names: timestamp,input,output and optionally session,turn' }]);
        }
        const layout: TraceLayout = {
          format: options.traceFormat,
          columns: names && { timestamp: names[0], input_tokens: names[1], output_tokens: names[2], ...(names[3] ? { session_id: names[3] } : {}), ...(names[4] ? { turn: names[4] } : {}) },
          timeUnitSeconds: { s: 1, ms: 1e-3, us: 1e-6 }[options.timeUnit],
        };
        const read = summarizeTrace(path, io.cwd, layout, { windowSeconds: window, percentile });
        out.data(options.format === 'json' ? JSON.stringify(workloadJson(path, read.summary, read.skipped), null, 2) : workloadText(path, read.summary, read.skipped, read.skippedExamples));
        if (read.summary.requests > 0) return EXIT.ok;
        out.error(`${path}: no readable requests: ${noRequestsReason(read)}`);
        return EXIT.badInput;
      }),
    );
};
