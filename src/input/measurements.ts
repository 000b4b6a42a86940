import type { InputIssue } from './issues.js';
import type { KvDtype, WeightDtype } from './types.js';
import { grouped } from '../text/digits.js';

/** How a measurement was taken: a closed loop of clients, or one static batch. */
export type MeasurementMode = 'closed-loop' | 'static';

/** One measured configuration (a row of the measurement CSV). */
export interface Measurement {
  /** The file it came from, and its 1-based line there. */
  file: string;
  line: number;
  /** The row as written, column by column. */
  fields: Record<string, string>;
  model: string;
  gpu: string;
  tp: number;
  pp: number;
  ep: number;
  /** Attention data-parallel ranks (DP attention, the experts spread over tp × dp GPUs or split over them; 1 without). */
  dp: number;
  weights: WeightDtype;
  kvCache: KvDtype;
  concurrency: number;
  inputTokens: number;
  outputTokens: number;
  /** Measured mean TTFT and TPOT, or only the whole request's (or static batch's) latency. */
  ttftMs?: number;
  tpotMs?: number;
  e2eMs?: number;
  mode: MeasurementMode;
  /** The serving engine, when the file names one. */
  engine?: string;
}

/** Columns every measurement file must have, besides its latencies (TTFT and TPOT, or the whole request's). */
export const REQUIRED_COLUMNS = ['model', 'gpu', 'tp', 'concurrency', 'input_tokens', 'output_tokens'];
/** Columns a file may add (defaults: pp 1, ep 1, dp 1, weights bf16, kv_cache bf16, mode closed-loop, engine from --engine). */
export const OPTIONAL_COLUMNS = ['pp', 'ep', 'dp', 'weights', 'kv_cache', 'mode', 'engine', 'ttft_ms', 'tpot_ms', 'e2e_ms'];

const WEIGHTS = new Set(['bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4']);
const KV = new Set(['bf16', 'fp16', 'fp8']);

/** Splits one CSV line, honouring double-quoted fields. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') cell += line[++i];
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/** Parsed rows, rows that could not be read (with the reason), and file-level problems. */
export interface MeasurementFile {
  rows: Measurement[];
  rejected: Array<{ file: string; line: number; fields: Record<string, string>; reason: string }>;
  issues: InputIssue[];
}

/** Most measurement rows one run reads, over all its files (each is a prediction: about 0.3 ms). */
export const MAX_MEASUREMENT_ROWS = 50_000;

/** Most operator-profile rows one run reads (each is one kernel's timing: about 0.02 ms); Vidur's A100 profiles hold 81,104. */
export const MAX_OPERATOR_ROWS = 250_000;

/** The issue when measurement files hold more than `limit` rows in all (end-to-end rows by default), or undefined. */
export function rowLimitIssue(files: string[], rows: number, limit = MAX_MEASUREMENT_ROWS): InputIssue | undefined {
  if (rows <= limit) return undefined;
  return { file: files.join(', '), message: `${grouped(rows)} measurement rows is over the limit of ${grouped(limit)} rows in one run; give fewer rows at a time` };
}

/**
 * Reads a measurement CSV. A missing required column is a file-level issue (the file cannot be
 * used); a row with an unreadable value is rejected with its reason, never dropped silently.
 */
export function parseMeasurements(file: string, text: string): MeasurementFile {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (headerIndex < 0) return { rows: [], rejected: [], issues: [{ file, line: 1, col: 1, message: 'empty file: expected a CSV header row' }] };
  const header = splitCsvLine(lines[headerIndex]).map((h) => h.toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  const splitLatency = header.includes('ttft_ms') && header.includes('tpot_ms');
  if (!splitLatency && !header.includes('e2e_ms')) missing.push(header.includes('ttft_ms') ? 'tpot_ms' : header.includes('tpot_ms') ? 'ttft_ms' : 'ttft_ms and tpot_ms, or e2e_ms');
  if (missing.length > 0) {
    return {
      rows: [],
      rejected: [],
      issues: [{ file, line: headerIndex + 1, col: 1, message: `missing column(s) ${missing.join(', ')}; the header needs ${REQUIRED_COLUMNS.join(',')} and ttft_ms,tpot_ms or e2e_ms` }],
    };
  }
  const result: MeasurementFile = { rows: [], rejected: [], issues: [] };
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '' || lines[i].startsWith('#')) continue;
    const cells = splitCsvLine(lines[i]);
    const fields = Object.fromEntries(header.map((name, j) => [name, cells[j] ?? '']));
    const row = readRow(file, i + 1, fields);
    if ('reason' in row) result.rejected.push({ file, line: i + 1, fields, reason: row.reason });
    else result.rows.push(row);
  }
  return result;
}

function readRow(file: string, line: number, f: Record<string, string>): Measurement | { reason: string } {
  const count = (name: string, fallback?: number): number | string => {
    const raw = f[name] ?? '';
    if (raw === '' && fallback !== undefined) return fallback;
    const value = Number(raw);
    return Number.isInteger(value) && value >= 1 ? value : `${name} must be a whole number ≥ 1, got "${raw}"`;
  };
  const positive = (name: string): number | string => {
    const value = Number(f[name]);
    return f[name] !== '' && Number.isFinite(value) && value > 0 ? value : `${name} must be a number > 0, got "${f[name]}"`;
  };
  const values = {
    tp: count('tp'),
    pp: count('pp', 1),
    ep: count('ep', 1),
    dp: count('dp', 1),
    concurrency: count('concurrency'),
    inputTokens: count('input_tokens'),
    outputTokens: count('output_tokens'),
  };
  const bad = Object.values(values).find((v) => typeof v === 'string');
  if (bad !== undefined) return { reason: String(bad) };
  // A latency cell may be empty where the row gives the other kind; what is given must be a number.
  const latency = (name: string): number | string | undefined => ((f[name] ?? '') === '' ? undefined : positive(name));
  const latencies = { ttftMs: latency('ttft_ms'), tpotMs: latency('tpot_ms'), e2eMs: latency('e2e_ms') };
  const badLatency = Object.values(latencies).find((v) => typeof v === 'string');
  if (badLatency !== undefined) return { reason: String(badLatency) };
  const split = latencies.ttftMs !== undefined && latencies.tpotMs !== undefined;
  if (!split && latencies.e2eMs === undefined) return { reason: 'needs ttft_ms and tpot_ms, or e2e_ms' };
  const given = Object.fromEntries(Object.entries(latencies).filter(([, v]) => v !== undefined)) as Partial<Record<keyof typeof latencies, number>>;
  const weights = (f.weights || 'bf16').toLowerCase();
  const kvCache = (f.kv_cache || 'bf16').toLowerCase();
  const mode = (f.mode || 'closed-loop').toLowerCase();
  if (!WEIGHTS.has(weights)) return { reason: `weights must be one of ${[...WEIGHTS].join(', ')}, got "${f.weights}"` };
  if (!KV.has(kvCache)) return { reason: `kv_cache must be one of ${[...KV].join(', ')}, got "${f.kv_cache}"` };
  if (mode !== 'closed-loop' && mode !== 'static') return { reason: `mode must be closed-loop or static, got "${f.mode}"` };
  if (!f.model) return { reason: 'model is empty' };
  if (!f.gpu) return { reason: 'gpu is empty' };
  return {
    file,
    line,
    fields: f,
    model: f.model,
    gpu: f.gpu,
    ...(values as Record<keyof typeof values, number>),
    ...(split ? { ttftMs: given.ttftMs, tpotMs: given.tpotMs } : {}),
    ...(given.e2eMs !== undefined ? { e2eMs: given.e2eMs } : {}),
    weights: weights as WeightDtype,
    kvCache: kvCache as KvDtype,
    mode,
    engine: f.engine ? f.engine.toLowerCase() : undefined,
  };
}
