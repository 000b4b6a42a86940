import type { InputIssue } from './issues.js';
import { splitCsvLine } from './measurements.js';

/** The layer shape an operator was measured on (one transformer layer, before sharding). */
export interface LayerShape {
  heads: number;
  kvHeads: number;
  hiddenSize: number;
  /** MLP width (0 where the file does not say, e.g. attention files). */
  ffnSize: number;
  gated: boolean;
}

/** What was timed: a layer operator at a token count, an attention call, or a collective. */
export type OperatorWork =
  | { kind: 'layer-op'; op: LayerOpName; tokens: number }
  | { kind: 'prefill-attention'; chunkTokens: number; cachedTokens: number }
  | { kind: 'decode-attention'; sequences: number; cachedTokens: number }
  | { kind: 'all-reduce'; bytes: number }
  | { kind: 'send'; bytes: number };

/** Vidur's per-layer operators that the performance model has a counterpart for. */
export type LayerOpName = 'qkv_proj' | 'o_proj' | 'mlp_up' | 'mlp_down' | 'mlp_act' | 'attn_norm' | 'ffn_norm' | 'rope';

/** One measured kernel time (GPU time of one layer's operator on one GPU, or one collective). */
export interface OperatorMeasurement {
  file: string;
  line: number;
  shape?: LayerShape;
  /** GPUs the operator is sharded or communicated over. */
  gpus: number;
  work: OperatorWork;
  measuredMs: number;
}

/** Rows of an operator file, and rows the model has no counterpart for (with the reason). */
export interface OperatorFile {
  rows: OperatorMeasurement[];
  skipped: Array<{ file: string; line: number; reason: string }>;
  issues: InputIssue[];
}

/**
 * Vidur columns timed per layer and the model operator each one is. Vidur's separate residual
 * add has no counterpart: vLLM fuses it into the norm, whose kernel the model's norm is.
 */
const LAYER_OPS: Array<{ op: LayerOpName; columns: string[] }> = [
  { op: 'qkv_proj', columns: ['attn_pre_proj'] },
  { op: 'o_proj', columns: ['attn_post_proj'] },
  { op: 'mlp_up', columns: ['mlp_up_proj'] },
  { op: 'mlp_down', columns: ['mlp_down_proj'] },
  { op: 'mlp_act', columns: ['mlp_act'] },
  { op: 'attn_norm', columns: ['input_layernorm'] },
  { op: 'ffn_norm', columns: ['post_attention_layernorm'] },
  { op: 'rope', columns: ['attn_rope'] },
];

/** True when a CSV's header is one of Vidur's operator or collective profiles. */
export function isOperatorFile(text: string): boolean {
  const header = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  return /time_stats\.|(^|,)prefill_ms(,|$)/.test(header);
}

interface Table {
  header: string[];
  rows: Array<{ line: number; get: (column: string) => number }>;
  comments: string;
}

function readTable(text: string): Table {
  const lines = text.split(/\r?\n/);
  const comments = lines.filter((l) => l.startsWith('#')).join('\n');
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = headerIndex < 0 ? [] : splitCsvLine(lines[headerIndex]);
  const rows: Table['rows'] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '' || lines[i].startsWith('#')) continue;
    const cells = splitCsvLine(lines[i]);
    rows.push({ line: i + 1, get: (column) => (header.indexOf(column) < 0 ? Number.NaN : Number(cells[header.indexOf(column)] === '' ? Number.NaN : cells[header.indexOf(column)])) });
  }
  return { header, rows, comments };
}

/**
 * Reads a Vidur profile: `*.mlp.csv` (per-layer operators by token count and TP), an attention
 * file (prefill and decode calls; the model's shape from its header comment), or an NCCL
 * collective file (`all_reduce` / `send_recv` by message size and GPUs).
 */
export function parseOperatorFile(file: string, text: string): OperatorFile {
  const table = readTable(text);
  const has = (c: string) => table.header.includes(c);
  if (has('num_tokens')) return layerOps(file, table);
  if (has('prefill_ms')) return attentionCalls(file, table);
  if (has('collective')) return collectives(file, table);
  return { rows: [], skipped: [], issues: [{ file, line: 1, message: 'not a Vidur operator profile: expected num_tokens (mlp), prefill_ms (attention) or collective columns' }] };
}

function layerOps(file: string, t: Table): OperatorFile {
  const out: OperatorFile = { rows: [], skipped: [], issues: [] };
  for (const r of t.rows) {
    const shape = { heads: r.get('n_head'), kvHeads: r.get('n_kv_head'), hiddenSize: r.get('n_embd'), ffnSize: r.get('n_expanded_embd'), gated: r.get('use_gated_mlp') !== 0 };
    const gpus = r.get('num_tensor_parallel_workers');
    const tokens = r.get('num_tokens');
    if (![shape.heads, shape.kvHeads, shape.hiddenSize, shape.ffnSize, gpus, tokens].every((x) => x > 0)) {
      out.skipped.push({ file, line: r.line, reason: 'missing shape, tensor-parallel size or token count' });
      continue;
    }
    for (const { op, columns } of LAYER_OPS) {
      const ms = columns.reduce((sum, c) => sum + r.get(`time_stats.${c}.median`), 0);
      if (ms > 0) out.rows.push({ file, line: r.line, shape, gpus, work: { kind: 'layer-op', op, tokens }, measuredMs: ms });
    }
  }
  return out;
}

/** The attention files give the model's shape in a header comment ("n_embd 4096, n_q_head 32, n_kv_head 8"). */
function commentShape(comments: string): LayerShape | undefined {
  const num = (re: RegExp) => Number(re.exec(comments)?.[1] ?? Number.NaN);
  const hiddenSize = num(/n_embd\s+(\d+)/);
  const heads = num(/n_q_head\s+(\d+)/) || num(/(\d+)\s+q\b/);
  const kvHeads = num(/n_kv_head\s+(\d+)/) || num(/(\d+)\s+kv\b/);
  if (![hiddenSize, heads, kvHeads].every((x) => x > 0)) return undefined;
  return { heads, kvHeads, hiddenSize, ffnSize: 0, gated: true };
}

function attentionCalls(file: string, t: Table): OperatorFile {
  const shape = commentShape(t.comments);
  if (!shape) return { rows: [], skipped: [], issues: [{ file, line: 1, message: 'an attention profile needs the model shape in a header comment: n_embd N, n_q_head N, n_kv_head N' }] };
  const out: OperatorFile = { rows: [], skipped: [], issues: [] };
  for (const r of t.rows) {
    const gpus = r.get('tp');
    const chunk = r.get('prefill_chunk_size');
    const cached = r.get('kv_cache_size');
    if (chunk > 0 && r.get('prefill_ms') > 0) {
      out.rows.push({ file, line: r.line, shape, gpus, work: { kind: 'prefill-attention', chunkTokens: chunk, cachedTokens: cached }, measuredMs: r.get('prefill_ms') });
    } else if (r.get('decode_ms') > 0 && cached > 0) {
      out.rows.push({ file, line: r.line, shape, gpus, work: { kind: 'decode-attention', sequences: r.get('batch_size'), cachedTokens: cached }, measuredMs: r.get('decode_ms') });
    }
  }
  return out;
}

function collectives(file: string, t: Table): OperatorFile {
  const out: OperatorFile = { rows: [], skipped: [], issues: [] };
  for (const r of t.rows) {
    const gpus = r.get('num_workers');
    const perNode = r.get('devices_per_node');
    const kind = t.header.includes('time_stats.all_reduce.median') ? 'all-reduce' : 'send';
    const ms = r.get(`time_stats.${kind === 'all-reduce' ? 'all_reduce' : 'send_recv'}.median`);
    if (!(ms > 0) || !(gpus > 1)) continue;
    if (perNode < gpus) {
      out.skipped.push({ file, line: r.line, reason: `${gpus} GPUs over ${gpus / perNode} nodes: the catalog's network is the rented offering's, not this cluster's` });
      continue;
    }
    out.rows.push({ file, line: r.line, gpus, work: kind === 'all-reduce' ? { kind, bytes: r.get('size') } : { kind, bytes: r.get('size') }, measuredMs: ms });
  }
  return out;
}
