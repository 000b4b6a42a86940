import { closeSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../input/issues.js';
import { splitCsvLine } from '../input/measurements.js';
import type { TraceRecord } from '../workload/trace-summary.js';

/** Where a trace's columns are and how to read its timestamps. */
export interface TraceLayout {
  format: 'auto' | 'burstgpt' | 'azure' | 'csv' | 'jsonl' | 'mooncake';
  columns?: { timestamp?: string; input_tokens?: string; output_tokens?: string; session_id?: string; turn?: string };
  /** Seconds per unit of a numeric timestamp (1: seconds, 0.001: milliseconds). */
  timeUnitSeconds: number;
}

/** Column names of the public trace formats. */
export const TRACE_COLUMNS = {
  burstgpt: { timestamp: 'Timestamp', input_tokens: 'Request tokens', output_tokens: 'Response tokens' },
  azure: { timestamp: 'TIMESTAMP', input_tokens: 'ContextTokens', output_tokens: 'GeneratedTokens' },
} as const;

/** Mooncake's JSON-lines traces (kvcache-ai/Mooncake, FAST'25): times in milliseconds, prompt blocks as hash_ids. */
export const MOONCAKE_KEYS = { timestamp: 'timestamp', input_tokens: 'input_length', output_tokens: 'output_length' } as const;

/** Column names a trace's session ids and turn numbers go by when no mapping names them (optional columns). */
const SESSION_NAMES = ['session_id', 'conversation_id'];
const TURN_NAMES = ['turn', 'turn_id'];

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
  const jsonl = layout.format === 'jsonl' || layout.format === 'mooncake' || (layout.format === 'auto' && /\.(jsonl|ndjson)$/i.test(shownPath));
  let columns = layout.format === 'mooncake' ? { ...MOONCAKE_KEYS, ...layout.columns } : layout.columns && { ...layout.columns };
  let timeUnit = layout.format === 'mooncake' ? 1e-3 : layout.timeUnitSeconds;
  let index: { t: number; i: number; o: number; session: number; turn: number } | undefined;
  let lineNo = 0;
  for (const line of lines(fullPath, shownPath)) {
    lineNo++;
    if (line.trim() === '' || line.startsWith('#')) continue;
    let t: unknown;
    let i: unknown;
    let o: unknown;
    let session: unknown;
    let turn: unknown;
    let hashes: unknown;
    if (jsonl) {
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
      // auto: a row in Mooncake's layout (input_length, no input_tokens) reads the whole file as one.
      if (!columns && layout.format === 'auto' && own('input_length') !== undefined && own('input_tokens') === undefined) {
        columns = { ...MOONCAKE_KEYS };
        timeUnit = 1e-3;
      }
      columns ??= { timestamp: 'timestamp', input_tokens: 'input_tokens', output_tokens: 'output_tokens' };
      [t, i, o] = [own(columns.timestamp), own(columns.input_tokens), own(columns.output_tokens)];
      session = columns.session_id !== undefined ? own(columns.session_id) : SESSION_NAMES.map(own).find((v) => v !== undefined);
      turn = columns.turn !== undefined ? own(columns.turn) : TURN_NAMES.map(own).find((v) => v !== undefined);
      hashes = own('hash_ids');
    } else {
      const cells = splitCsvLine(line);
      if (!index) {
        index = headerIndex(shownPath, lineNo, cells, layout.format, columns);
        continue;
      }
      [t, i, o] = [cells[index.t], cells[index.i], cells[index.o]];
      session = index.session >= 0 ? cells[index.session] : undefined;
      turn = index.turn >= 0 ? cells[index.turn] : undefined;
    }
    const record: TraceRecord = {
      timestampSeconds: timestampSeconds(String(t ?? ''), timeUnit),
      inputTokens: Number(i),
      outputTokens: Number(o),
      ...conversation(session, turn, hashes),
    };
    if (!Number.isFinite(record.timestampSeconds)) skip(lineNo, 'unreadable timestamp');
    else if (!(record.inputTokens >= 1) || !Number.isFinite(record.inputTokens)) skip(lineNo, `input tokens ${numberShown(i)}`);
    else if (!(record.outputTokens >= 1) || !Number.isFinite(record.outputTokens)) skip(lineNo, `output tokens ${numberShown(o)}`);
    else yield record;
  }
}

/**
 * A row's session id, turn number and prompt block hashes, each where the trace has a usable one
 * (an empty session cell, a turn that is not a whole number, or hashes that are not a list of
 * integers are left out: the row still counts for its sizes).
 */
function conversation(session: unknown, turn: unknown, hashes: unknown): Pick<TraceRecord, 'session' | 'turn' | 'blocks'> {
  const out: Pick<TraceRecord, 'session' | 'turn' | 'blocks'> = {};
  if ((typeof session === 'string' && session.trim() !== '') || (typeof session === 'number' && Number.isFinite(session))) out.session = String(session).trim();
  const n = typeof turn === 'string' && turn.trim() !== '' ? Number(turn) : turn;
  if (typeof n === 'number' && Number.isInteger(n)) out.turn = n;
  if (Array.isArray(hashes) && hashes.length <= 100_000 && hashes.every((h) => Number.isInteger(h))) out.blocks = hashes as number[];
  return out;
}

/** A cell in a message: quoted only when it is a short number (a file that is not a trace must never be quoted). */
function numberShown(cell: unknown): string {
  const text = String(cell ?? '').trim();
  return /^[-+]?[\d.eE+-]{1,20}$/.test(text) ? `"${text}"` : 'not a number';
}

/** Finds the timestamp, input and output columns in a CSV header, by format or by the given names. */
function headerIndex(file: string, line: number, header: string[], format: TraceLayout['format'], columns: TraceLayout['columns']) {
  const generic = { timestamp: columns?.timestamp ?? 'timestamp', input_tokens: columns?.input_tokens ?? 'input_tokens', output_tokens: columns?.output_tokens ?? 'output_tokens' };
  const present = (names: Record<string, string | undefined>) => Object.values(names).filter((n) => n !== undefined && header.includes(n)).length;
  // Auto: the public layout the header matches best (its missing columns are then named), else the generic names.
  const best = [TRACE_COLUMNS.burstgpt, TRACE_COLUMNS.azure].reduce<Record<string, string | undefined>>((a, b) => (present(b) > present(a) ? b : a), generic);
  const names =
    columns && columns.timestamp !== undefined && columns.input_tokens !== undefined && columns.output_tokens !== undefined ? columns : format === 'burstgpt' || format === 'azure' ? TRACE_COLUMNS[format] : best;
  const find = (name: string | undefined) => header.indexOf(name ?? '');
  // Optional: a session id and a turn number, by the mapping or their usual names.
  const optional = (mapped: string | undefined, usual: string[]) => (mapped !== undefined ? find(mapped) : Math.max(-1, ...usual.map(find)));
  const index = {
    t: find(names.timestamp),
    i: find(names.input_tokens),
    o: find(names.output_tokens),
    session: optional(columns?.session_id, SESSION_NAMES),
    turn: optional(columns?.turn, TURN_NAMES),
  };
  const missingOptional = Object.entries({ session_id: [columns?.session_id, index.session], turn: [columns?.turn, index.turn] } as const).filter(([, [name, at]]) => name !== undefined && at < 0);
  const missing = Object.entries({ timestamp: index.t, input_tokens: index.i, output_tokens: index.o })
    .filter(([, v]) => v < 0)
    .map(([k]) => `${k} ("${(names as Record<string, string | undefined>)[k]}")`)
    .concat(missingOptional.map(([k, [name]]) => `${k} ("${name}")`));
  if (missing.length > 0) {
    throw new InputError([
      { file, line, col: 1, message: `trace header lacks ${missing.join(', ')}; it has ${header.length} ${header.length === 1 ? 'column' : 'columns'} (map the columns with trace.columns in a spec or --columns, or give the format: burstgpt, azure)` },
    ]);
  }
  return index;
}
