import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Arrival } from '../simulate/requests.js';
import { InputError } from '../input/issues.js';
import { peakOptions, traceLayout } from '../input/trace-workload.js';
import type { RawTrace } from '../input/trace-workload.js';
import type { TraceSource } from '../input/types.js';
import type { YamlSource } from '../input/yaml-source.js';
import { pathText } from '../input/yaml-source.js';
import { TraceAccumulator } from '../workload/trace-summary.js';
import { SessionHistory } from '../workload/trace-reuse.js';
import type { TraceSummary } from '../workload/trace-summary.js';
import { traceRecords } from './trace-file.js';
import { atSpecField, specFilePath } from './spec-paths.js';
import type { SpecAccess } from './spec-paths.js';
import type { TraceLayout } from './trace-file.js';

/** A trace's summary and the rows it could not read (a count and the first few, with their line). */
export interface ReadTrace {
  summary: TraceSummary;
  skipped: number;
  skippedExamples: string[];
}

/** Streams a trace file into its summary (bounded memory). */
export function summarizeTrace(path: string, cwd: string, layout: TraceLayout, peak: { windowSeconds: number; percentile: number }): ReadTrace {
  const full = isAbsolute(path) ? path : resolve(cwd, path);
  let stats;
  try {
    stats = statSync(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError([{ file: path, message: code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'unknown error'})` }]);
  }
  if (stats.isDirectory()) throw new InputError([{ file: path, message: 'is a directory; give a CSV or JSON-lines trace' }]);
  if (!stats.isFile()) throw new InputError([{ file: path, message: 'is not a regular file; give a CSV or JSON-lines trace' }]);
  const accumulator = new TraceAccumulator(peak.windowSeconds);
  let skipped = 0;
  const skippedExamples: string[] = [];
  for (const record of traceRecords(path, cwd, layout, (line, why) => {
    skipped++;
    if (skippedExamples.length < 5) skippedExamples.push(`${path}:${line}: ${why}`);
  })) {
    accumulator.add(record);
  }
  return { summary: accumulator.summary(peak.percentile), skipped, skippedExamples };
}

/** Why a trace gave no requests: no rows at all, or every row skipped (with the first, at its line). */
export function noRequestsReason(read: Pick<ReadTrace, 'skipped' | 'skippedExamples'>): string {
  if (read.skipped === 0) return 'it has no rows of requests (it is empty, or only a header or comments)';
  return `all ${read.skipped} ${read.skipped === 1 ? 'row was' : 'rows were'} skipped, e.g. ${read.skippedExamples[0]}`;
}

/**
 * Reads the trace a parsed spec names (relative to the spec's folder, and inside it or a folder
 * `access` allows), for spec normalisation. A trace that cannot be read is reported at the spec
 * line that names it, as "not readable" whatever the cause.
 */
export function traceForSpec(source: YamlSource, specPath: string, cwd: string, access: SpecAccess = { allow: [] }): Map<string, { path: string; summary: TraceSummary }> {
  const traces = new Map<string, { path: string; summary: TraceSummary }>();
  const raw = (source.data as { workload?: { trace?: RawTrace } } | null)?.workload?.trace;
  if (!raw || typeof raw.file !== 'string' || raw.file === '') return traces;
  const field = ['workload', 'trace', 'file'];
  const path = specFilePath(source, field, raw.file, specPath, cwd, access);
  let peak = { windowSeconds: 60, percentile: 99 };
  let layout: TraceLayout = { format: 'auto', timeUnitSeconds: 1 };
  try {
    peak = peakOptions(raw);
    layout = traceLayout(raw);
  } catch {
    // Bad values here are reported by the schema check; read with the defaults meanwhile.
  }
  const shown = isAbsolute(raw.file) ? raw.file : join(dirname(specPath), raw.file);
  let read: ReadTrace;
  try {
    read = summarizeTrace(path, cwd, layout, peak);
  } catch (err) {
    // A missing or unreadable trace is reported where the spec names it; a bad row keeps its own line.
    atSpecField(err, path, shown, source, field, raw.file);
  }
  if (read.summary.requests === 0) {
    const reason = noRequestsReason({ ...read, skippedExamples: read.skippedExamples.map((e) => (e.startsWith(path) ? shown + e.slice(path.length) : e)) });
    throw new InputError([source.issueAt(field, `${pathText(field)}: no readable requests in ${raw.file}: ${reason}`)]);
  }
  traces.set(raw.file, { path, summary: read.summary });
  return traces;
}

/**
 * A spec's trace as arrivals for the simulator: times from the first request, sped up by the
 * spec's replay speed, up to `durationSeconds`; out-of-order rows are held to the time of the
 * row before them. Streams the file (rows it cannot read are left out, as in the summary).
 */
export function* traceArrivals(trace: TraceSource, cwd: string, durationSeconds: number): Generator<Arrival> {
  let origin: number | undefined;
  let last = 0;
  // A trace with session ids tells each request's history as it was, not as drawn.
  const sessions = new SessionHistory();
  for (const record of traceRecords(trace.path, cwd, trace, () => {})) {
    origin ??= record.timestampSeconds;
    const arrival = Math.max(last, (record.timestampSeconds - origin) / trace.replaySpeed);
    if (arrival >= durationSeconds) return;
    last = arrival;
    const history = record.session === undefined ? undefined : sessions.next(record, record.session).follows?.historyTokens ?? 0;
    yield { arrival, inputTokens: record.inputTokens, outputTokens: record.outputTokens, cls: 0, ...(history === undefined ? {} : { historyTokens: history }) };
  }
}
