import { allReduceTime, sendTime } from '../perf/collectives.js';
import type { Deployment } from '../perf/deployment.js';
import { stepOperators } from '../perf/operators.js';
import type { StepLoad } from '../perf/operators.js';
import { operatorKernelSeconds } from '../perf/roofline.js';
import type { LayerShape, OperatorMeasurement } from '../input/operator-measurements.js';
import type { EngineProfile, GpuSpec, ModelArch } from '../input/types.js';
import { percentile } from '../workload/percentile.js';
import { signedErrorPct } from './accuracy.js';

/** The op kinds the operator report groups by. */
export type OperatorKind = 'gemm' | 'prefill-attention' | 'decode-attention' | 'elementwise' | 'all-reduce' | 'send';

/** A measured kernel with the model's time for it. */
export interface OperatorResult {
  row: OperatorMeasurement;
  kind: OperatorKind;
  /** What the row's size band is keyed on (tokens, prompt chunk, sequences, bytes) and its value. */
  size: number;
  predictedMs: number;
}

/** Error of one group of kernels: median and p90 absolute, median signed (positive: predicted too slow). */
export interface OperatorStats {
  rows: number;
  medianPct: number;
  p90Pct: number;
  biasPct: number;
}

/** The operator-level accuracy: per kind, per kind × size band, and the worst rows. */
export interface OperatorReport {
  gpu: string;
  byKind: Array<{ kind: OperatorKind } & OperatorStats>;
  byBand: Array<{ kind: OperatorKind; band: string } & OperatorStats>;
  worst: OperatorResult[];
}

const GEMMS = new Set(['qkv_proj', 'o_proj', 'mlp_up', 'mlp_down']);
const MODEL_OP: Record<string, string> = { rope: 'rope_kv_write' };

/** A one-layer model of the measured shape (the layer's operators are all that is timed). */
function layerModel(shape: LayerShape): ModelArch {
  const attention = shape.kvHeads === shape.heads ? 'mha' : shape.kvHeads === 1 ? 'mqa' : 'gqa';
  return {
    id: 'measured-layer', name: 'measured layer', aliases: [], nativePrecision: 'bf16', layers: 1,
    hiddenSize: shape.hiddenSize, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.hiddenSize / shape.heads,
    ffnSize: Math.max(1, shape.ffnSize), vocabSize: 32000, tiedEmbeddings: false, attention, mlp: shape.gated ? 'gated' : 'plain', bias: false,
  };
}

function kernelMs(d: Deployment, engine: EngineProfile, load: StepLoad, name: string): number {
  const op = stepOperators(d, load).find((o) => o.name === name);
  if (!op) throw new Error(`no ${name} operator in the step`);
  return operatorKernelSeconds(d, engine, op) * 1000;
}

/** Predicts one measured kernel on a GPU of the catalog, with the reference engine's kernels. */
export function predictOperator(row: OperatorMeasurement, gpu: GpuSpec, engine: EngineProfile): OperatorResult {
  const w = row.work;
  if (w.kind === 'all-reduce') return { row, kind: 'all-reduce', size: w.bytes, predictedMs: allReduceTime(gpu, row.gpus, w.bytes) * 1000 };
  if (w.kind === 'send') return { row, kind: 'send', size: w.bytes, predictedMs: sendTime(gpu, w.bytes, false) * 1000 };
  const d: Deployment = { model: layerModel(row.shape!), gpu, tp: row.gpus, pp: 1, ep: 1, weights: 'bf16', kvCache: 'bf16' };
  if (w.kind === 'prefill-attention') {
    const load = { prefill: [{ count: 1, tokens: w.chunkTokens, prefixTokens: w.cachedTokens }], decodeSequences: 0, decodeContextTokens: 0 };
    return { row, kind: 'prefill-attention', size: w.chunkTokens, predictedMs: kernelMs(d, engine, load, 'prefill_attention') };
  }
  if (w.kind === 'decode-attention') {
    const load = { prefill: [], decodeSequences: w.sequences, decodeContextTokens: w.cachedTokens };
    return { row, kind: 'decode-attention', size: w.sequences, predictedMs: kernelMs(d, engine, load, 'decode_attention') };
  }
  const load = { prefill: [], decodeSequences: w.tokens, decodeContextTokens: 1 };
  const kind = GEMMS.has(w.op) ? 'gemm' : 'elementwise';
  return { row, kind, size: w.tokens, predictedMs: kernelMs(d, engine, load, MODEL_OP[w.op] ?? w.op) };
}

/** Size bands per kind: tokens of an iteration, prompt-chunk tokens, decode sequences, message bytes. */
const TOKEN_BANDS: Array<[string, number, number]> = [['1-8 tokens', 1, 8], ['9-64', 9, 64], ['65-256', 65, 256], ['257-1024', 257, 1024], ['1025-4096', 1025, 4096], ['4097+', 4097, Infinity]];
const BYTE_BANDS: Array<[string, number, number]> = [['< 100 kB', 0, 1e5 - 1], ['0.1-1 MB', 1e5, 1e6 - 1], ['1-10 MB', 1e6, 1e7 - 1], ['10 MB+', 1e7, Infinity]];
const BANDS: Record<OperatorKind, Array<[string, number, number]>> = {
  gemm: TOKEN_BANDS,
  elementwise: TOKEN_BANDS,
  'prefill-attention': [['chunk 1-128', 1, 128], ['129-512', 129, 512], ['513-2048', 513, 2048], ['2049-8192', 2049, 8192], ['8193+', 8193, Infinity]],
  'decode-attention': [['batch 1', 1, 1], ['2-8', 2, 8], ['9-32', 9, 32], ['33-128', 33, 128], ['129+', 129, Infinity]],
  'all-reduce': BYTE_BANDS,
  send: BYTE_BANDS,
};
const KINDS: OperatorKind[] = ['gemm', 'prefill-attention', 'decode-attention', 'elementwise', 'all-reduce', 'send'];

/** Signed relative error of a kernel's prediction in percent. */
export function operatorErrorPct(r: OperatorResult): number {
  return signedErrorPct(r.predictedMs, r.row.measuredMs);
}

function stats(results: OperatorResult[]): OperatorStats {
  const errors = results.map(operatorErrorPct);
  const abs = errors.map(Math.abs);
  return { rows: results.length, medianPct: percentile(abs, 50), p90Pct: percentile(abs, 90), biasPct: percentile(errors, 50) };
}

/** Summarises kernel predictions: per op kind, per kind and size band, and the worst rows. */
export function operatorReport(gpu: string, results: OperatorResult[], worstCount = 10): OperatorReport {
  const present = KINDS.filter((k) => results.some((r) => r.kind === k));
  const byBand = present.flatMap((kind) =>
    BANDS[kind]
      .map(([band, lo, hi]) => ({ kind, band, rows: results.filter((r) => r.kind === kind && r.size >= lo && r.size <= hi) }))
      .filter((b) => b.rows.length > 0)
      .map((b) => ({ kind: b.kind, band: b.band, ...stats(b.rows) })),
  );
  return {
    gpu,
    byKind: present.map((kind) => ({ kind, ...stats(results.filter((r) => r.kind === kind)) })),
    byBand,
    worst: [...results].sort((a, b) => Math.abs(operatorErrorPct(b)) - Math.abs(operatorErrorPct(a)) || a.row.line - b.row.line).slice(0, worstCount),
  };
}
