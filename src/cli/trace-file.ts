import { closeSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../spec/issues.js';
import { splitCsvLine } from '../spec/measurements.js';
import type { TraceRecord } from '../workload/trace-summary.js';

/** Where a trace's columns are and how to read its timestamps. */
export interface TraceLayout {
  format: 'auto' | 'burstgpt' | 'azure' | 'csv' | 'jsonl';
  columns?: { timestamp?: string; input_tokens?: string; output_tokens?: string };
  /** Seconds per unit of a numeric timestamp (1: seconds, 0.001: milliseconds). */
  timeUnitSeconds: number;
}

/** Column names of the public trace formats. */
export const TRACE_COLUMNS = {
  burstgpt: { timestamp: 'Timestamp', input_tokens: 'Request tokens', output_tokens: 'Response tokens' },
  azure: { timestamp: 'TIMESTAMP', input_tokens: 'ContextTokens', output_tokens: 'GeneratedTokens' },
} as const;

/** Longest line a trace may have (a row is a few dozen bytes; this refuses files that are not traces). */
const MAX_LINE_BYTES = 1 << 20;

/** Newlines in a buffer. */
function newlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Lines of a file, read in 1 MiB chunks: memory stays flat however long the file is. Every chunk
 * is checked — a NUL byte anywhere, or any line over {@link MAX_LINE_BYTES}, refuses the file
 * at its line — and lines are cut as bytes, so a character split across chunks stays whole.
 */
function* lines(fullPath: string, shownPath: string): Generator<string> {
  let fd: number;
  try {
    fd = openSync(fullPath, 'r');
  } catch (err) {
    throw new InputError([{ file: shownPath, message: `cannot read (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})` }]);
  }
  const tooLong = (line: number) => new InputError([{ file: shownPath, line, message: 'a line longer than 1 MiB: not a CSV or JSON-lines trace' }]);
  try {
    const buffer = Buffer.alloc(1 << 20);
    /** The bytes of a line not yet ended (at most MAX_LINE_BYTES). */
    let carry = Buffer.alloc(0);
    let count = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const chunk = buffer.subarray(0, n);
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        throw new InputError([{ file: shownPath, line: count + 1 + newlines(chunk.subarray(0, nul)), message: 'looks like a binary file (it contains NUL bytes); give a CSV or JSON-lines trace' }]);
      }
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
        count++;
        if (nl - start > MAX_LINE_BYTES) throw tooLong(count);
        yield data.toString('utf8', start, nl > start && data[nl - 1] === 0x0d ? nl - 1 : nl);
        start = nl + 1;
      }
      if (data.length - start > MAX_LINE_BYTES) throw tooLong(count + 1);
      carry = Buffer.from(data.subarray(start));
    }
    if (carry.length > 0) yield carry.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A timestamp in seconds: a number (in the layout's unit) or a date such as 2023-11-16 18:15:46.6805900. */
function timestampSeconds(raw: string, unit: number): number {
  const value = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(value)) return value * unit;
  const m = raw.trim().match(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/);
  if (!m) return Number.NaN;
  const fraction = m[3] ? Number(m[3]) : 0;
  return Date.parse(`${m[1]}T${m[2]}${m[4] ?? 'Z'}`) / 1000 + fraction;
}

/**
 * Streams a trace file (CSV with a header, or JSON lines) as records. Rows it cannot read — or
 * with no output tokens (failed requests, as BurstGPT logs them) — are counted through `skip`.
 */
export function* traceRecords(shownPath: string, cwd: string, layout: TraceLayout, skip: (line: number, why: string) => void): Generator<TraceRecord> {
  const fullPath = isAbsolute(shownPath) ? shownPath : resolve(cwd, shownPath);
  const jsonl = layout.format === 'jsonl' || (layout.format === 'auto' && /\.(jsonl|ndjson)$/i.test(shownPath));
  let columns = layout.columns && { ...layout.columns };
  let index: { t: number; i: number; o: number } | undefined;
  let lineNo = 0;
  for (const line of lines(fullPath, shownPath)) {
    lineNo++;
    if (line.trim() === '' || line.startsWith('#')) continue;
    let t: unknown;
    let i: unknown;
    let o: unknown;
    if (jsonl) {
      columns ??= { timestamp: 'timestamp', input_tokens: 'input_tokens', output_tokens: 'output_tokens' };
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        row = undefined;
      }
      // null, a number, a list: as unreadable as a syntax error.
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        skip(lineNo, 'not a JSON object');
        continue;
      }
      const own = (key: string | undefined) => (key !== undefined && Object.hasOwn(row as object, key) ? (row as Record<string, unknown>)[key] : undefined);
      [t, i, o] = [own(columns.timestamp), own(columns.input_tokens), own(columns.output_tokens)];
    } else {
      const cells = splitCsvLine(line);
      if (!index) {
        index = headerIndex(shownPath, lineNo, cells, layout.format, columns);
        continue;
      }
      [t, i, o] = [cells[index.t], cells[index.i], cells[index.o]];
    }
    const record = {
      timestampSeconds: timestampSeconds(String(t ?? ''), layout.timeUnitSeconds),
      inputTokens: Number(i),
      outputTokens: Number(o),
    };
    if (!Number.isFinite(record.timestampSeconds)) skip(lineNo, 'unreadable timestamp');
    else if (!(record.inputTokens >= 1) || !Number.isFinite(record.inputTokens)) skip(lineNo, `input tokens ${numberShown(i)}`);
    else if (!(record.outputTokens >= 1) || !Number.isFinite(record.outputTokens)) skip(lineNo, `output tokens ${numberShown(o)}`);
    else yield record;
  }
}

/** A cell in a message: quoted only when it is a short number (a file that is not a trace must never be quoted). */
function numberShown(cell: unknown): string {
  const text = String(cell ?? '').trim();
  return /^[-+]?[\d.eE+-]{1,20}$/.test(text) ? `"${text}"` : 'not a number';
}

/** Finds the timestamp, input and output columns in a CSV header, by format or by the given names. */
function headerIndex(file: string, line: number, header: string[], format: TraceLayout['format'], columns: TraceLayout['columns']) {
  const generic = { timestamp: 'timestamp', input_tokens: 'input_tokens', output_tokens: 'output_tokens', ...columns };
  const present = (names: Record<string, string | undefined>) => Object.values(names).filter((n) => n !== undefined && header.includes(n)).length;
  // Auto: the public layout the header matches best (its missing columns are then named), else the generic names.
  const best = [TRACE_COLUMNS.burstgpt, TRACE_COLUMNS.azure].reduce<Record<string, string | undefined>>((a, b) => (present(b) > present(a) ? b : a), generic);
  const names =
    columns && Object.keys(columns).length === 3 ? columns : format === 'burstgpt' || format === 'azure' ? TRACE_COLUMNS[format] : best;
  const find = (name: string | undefined) => header.indexOf(name ?? '');
  const index = { t: find(names.timestamp), i: find(names.input_tokens), o: find(names.output_tokens) };
  const missing = Object.entries({ timestamp: index.t, input_tokens: index.i, output_tokens: index.o })
    .filter(([, v]) => v < 0)
    .map(([k]) => `${k} ("${(names as Record<string, string | undefined>)[k]}")`);
  if (missing.length > 0) {
    throw new InputError([
      { file, line, col: 1, message: `trace header lacks ${missing.join(', ')}; it has ${header.length} ${header.length === 1 ? 'column' : 'columns'} (map the columns with trace.columns in a spec or --columns, or give the format: burstgpt, azure)` },
    ]);
  }
  return index;
}
