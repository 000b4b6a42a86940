import { dpOf, instanceGpus } from '../perf/deployment.js';
import type { Deployment } from '../perf/deployment.js';
import type { ServingPrediction, Unservable } from '../perf/serving.js';
import type { StepTiming } from '../perf/roofline.js';
import type { EngineProfile } from '../input/types.js';
import { evidenceLine } from './evidence.js';
import { cudaGraphCeiling } from '../perf/cuda-graphs.js';
import { plainText } from './escape.js';
import { formatBytes, formatCount, formatDuration, sig } from './format.js';
import { activeParams, totalParams } from '../perf/model-size.js';
import { runningLimit } from '../perf/memory.js';
import type { MemoryPlan } from '../perf/memory.js';
import { sequenceLimit } from '../perf/speculative.js';
import { renderTable } from './table.js';

/** What was estimated: the deployment, the engine and the load. */
export interface EstimateInput {
  deployment: Deployment;
  engine: EngineProfile;
  mode: 'closed-loop' | 'static';
  concurrency: number;
  inputTokens: number;
  outputTokens: number;
  /** The engine's CUDA-graph ceiling was given (estimate --cuda-graph-max-batch), not its default. */
  cudaGraphsGiven?: boolean;
}

function headline(e: EstimateInput): string[] {
  const d = e.deployment;
  const gpus = instanceGpus(d);
  const load =
    e.mode === 'static'
      ? `a static batch of ${e.concurrency} requests`
      : `a closed loop of ${e.concurrency} client${e.concurrency === 1 ? '' : 's'}`;
  return [
    plainText(`${d.model.id} on ${gpus} × ${d.gpu.id} (tp ${d.tp}, pp ${d.pp}${d.ep > 1 ? `, ep ${d.ep}` : ''}${dpOf(d) > 1 ? `, dp ${dpOf(d)}` : ''}), ${d.weights} weights, ${d.kvCache} KV cache, ${e.engine.id}`),
    `${load}, ${e.inputTokens} input + ${e.outputTokens} output tokens each`,
  ];
}

/** The model's parameters as read (a config.json's included), the active ones where experts are routed. */
function parameterText(d: Deployment): string {
  const total = totalParams(d.model);
  const active = activeParams(d.model);
  return `a ${formatCount(total)}-parameter model${d.model.moe ? ` (${formatCount(active)} active)` : ''}`;
}

/**
 * What caps a closed loop's running batch: the KV room, the engine's sequence limit, or its token
 * budget over a speculative step's k + 1 tokens (per attention-DP rank, summed over the ranks);
 * a static batch runs whole.
 */
function batchLimit(e: EstimateInput, p: ServingPrediction): { room: string; waitFor: string; bound: 'kv-cache' | 'sequence-limit' | 'token-budget' | 'state-slots' | 'static-batch' } {
  if (e.mode === 'static') return { room: 'one static batch', waitFor: 'a running slot', bound: 'static-batch' };
  const ranks = dpOf(e.deployment);
  const limit = runningLimit(e.deployment, e.engine, p.memory);
  if (p.maxSequences < limit * ranks) return { room: `KV room for ${p.maxSequences} sequences of this size`, waitFor: 'KV room', bound: 'kv-cache' };
  if (limit < sequenceLimit(e.deployment, e.engine)) {
    const share = Math.round(100 * (e.engine.linearState?.reservedShare ?? 0));
    const perRank = ranks > 1 ? ` per rank, ${limit * ranks} in all` : '';
    return { room: `the engine runs at most ${limit} sequences${perRank} (the linear-attention states it holds in the ${share}% of the cache it sets aside for them)`, waitFor: 'a state slot', bound: 'state-slots' };
  }
  const k = e.deployment.speculative?.tokens ?? 0;
  const budget = limit < e.engine.maxSequences;
  const why = budget ? `its ${e.engine.maxBatchedTokens}-token budget over ${k + 1} tokens each` : 'its sequence limit';
  const perRank = ranks > 1 ? ` per rank, ${limit * ranks} in all` : '';
  return { room: `the engine runs at most ${limit} sequences${perRank} (${why})`, waitFor: 'a running slot', bound: budget ? 'token-budget' : 'sequence-limit' };
}

/** A hybrid's linear-attention states beside the KV room: each sequence's, or the slots the engine set aside for them. */
function stateText(m: MemoryPlan): string {
  if (m.stateBytesPerSequence === 0) return '';
  if (m.stateSlots === undefined) return `, and ${formatBytes(m.stateBytesPerSequence)} of linear-attention state per sequence`;
  return `, beside ${m.stateSlots} linear-attention states of ${formatBytes(m.stateBytesPerSequence)} the engine sets aside (${formatBytes(m.stateSlots * m.stateBytesPerSequence)})`;
}

/** What the TTFT waits for beyond a prefill: a running slot, and a turn at the prefill when prompts fill the engine. */
function ttftWaits(p: ServingPrediction, limit: ReturnType<typeof batchLimit>): string {
  const kv = p.queuedRequests > 0 ? `; ${sig(p.queuedRequests)} requests wait for ${limit.waitFor}` : '';
  return `${kv}${p.prefillQueueSeconds > 0 ? `; prompts fill the engine: ${formatDuration(p.prefillQueueSeconds)} waiting for a prefill` : ''}`;
}

/** The estimate as text: latencies with what binds them, throughput and memory. */
export function estimateText(e: EstimateInput, p: ServingPrediction): string {
  const gpus = instanceGpus(e.deployment);
  const m = p.memory;
  const limit = batchLimit(e, p);
  const rows = [
    ['TTFT', formatDuration(p.ttftSeconds), `prefill bound: ${p.bounds.prefill}${ttftWaits(p, limit)}`],
    ['TPOT', formatDuration(p.tpotSeconds), `decode bound: ${p.bounds.decode}`],
    ['E2E', formatDuration(p.e2eSeconds), ''],
    ['throughput', `${sig(p.requestsPerSecond)} req/s`, `${sig(p.outputTokensPerSecond)} output tokens/s (${sig(p.outputTokensPerSecond / gpus)} per GPU)`],
    ['batch', `${sig(p.runningSequences)} running`, limit.room],
  ];
  const graphs = graphCeilings(e);
  if (passesCeiling(e, p, graphs)) {
    const { tp } = e.deployment;
    const dp = dpOf(e.deployment);
    const whose = e.cudaGraphsGiven ? 'as --cuda-graph-max-batch gives' : `the ${e.engine.id} profile's ceiling on ${e.deployment.gpu.id} at tp ${tp}${dp > 1 ? ` × dp ${dp}` : ''}`;
    // vLLM's ceiling counts tokens: a speculative verification's sequences carry k + 1.
    const inTokens = e.engine.cudaGraphCounts === 'tokens' && graphs.queryTokens > 1 ? ` (${graphs.asCounted} tokens, ${graphs.queryTokens} per sequence)` : '';
    rows.push([
      'CUDA graphs',
      graphs.sequences === 0 ? 'none' : `up to ${graphs.sequences}`,
      `${graphs.sequences === 0 ? 'no decode batch' : `sequences per rank${inTokens}`}, ${whose}: ${graphs.sequences === 0 ? 'every decode batch runs' : 'larger decode batches run'} eagerly (planner deploy captures graphs up to the running-request limit)`,
    ]);
  }
  const memory = [
    ['weights', formatBytes(m.weightBytes), parameterText(e.deployment)],
    ['activations + reserve', formatBytes(m.activationBytes), ''],
    ['KV cache room', formatBytes(Math.max(0, m.kvRoomBytes)), `${m.maxKvTokens} tokens at ${formatBytes(m.kvBytesPerToken)} per token${stateText(m)}`],
    ['usable', formatBytes(m.usableBytes), `of ${formatBytes(e.deployment.gpu.memoryBytes)}`],
  ];
  const table = (r: string[][]) =>
    renderTable([{ header: '' }, { header: '', align: 'right' }, { header: '' }], r).split('\n').slice(1).map((l) => `  ${l}`).join('\n');
  return [...headline(e), '', table(rows), '', 'memory per GPU', table(memory), '', evidenceLine({ [e.deployment.gpu.id]: e.deployment.gpu.evidence })!].join('\n');
}

/**
 * The estimate's engine's CUDA-graph ceiling: as the profile (or --cuda-graph-max-batch) counts
 * it (sequences, or tokens for vLLM), and as decode sequences per rank of this load, whose
 * sequences carry `queryTokens` each (k + 1 in a speculative verification); Infinity: none.
 */
function graphCeilings(e: EstimateInput): { asCounted: number; sequences: number; queryTokens: number } {
  const queryTokens = 1 + (e.deployment.speculative?.tokens ?? 0);
  return { asCounted: cudaGraphCeiling(e.engine, e.deployment), sequences: cudaGraphCeiling(e.engine, e.deployment, queryTokens), queryTokens };
}

/** Whether the running batch (per attention-DP rank) passes the ceiling: its decode steps run eagerly. */
function passesCeiling(e: EstimateInput, p: ServingPrediction, graphs: { sequences: number }): boolean {
  return p.runningSequences / dpOf(e.deployment) > graphs.sequences;
}

/** The reason a deployment cannot serve the load, with its memory figures. */
export function unservableText(e: EstimateInput, u: Unservable): string {
  return [...headline(e), plainText(u.reason)].join('\n');
}

/** A step's operators as an LM-Viewer style table (per GPU, summed over the stage's layers). */
export function breakdownText(title: string, step: StepTiming): string {
  const rows = step.ops.map((op) => [
    op.name,
    sig(op.count),
    sig((op.flops * op.count) / 1e9),
    sig((op.bytes * op.count) / 1e6),
    formatDuration(op.seconds * op.count),
    op.bound,
  ]);
  const total = Object.values(step.byBound).reduce((a, b) => a + b, 0);
  const shares = Object.entries(step.byBound)
    .filter(([, s]) => s > 0)
    .map(([bound, s]) => `${bound} ${((100 * s) / total).toFixed(0)}%`)
    .join(', ');
  return [
    `${plainText(title)}: ${formatDuration(step.latencySeconds)} (${shares})`,
    renderTable(
      [
        { header: 'OPERATOR' },
        { header: 'COUNT', align: 'right' },
        { header: 'GFLOP', align: 'right' },
        { header: 'MB', align: 'right' },
        { header: 'TIME', align: 'right' },
        { header: 'BOUND' },
      ],
      rows,
    ),
  ].join('\n');
}

function stepJson(step: StepTiming): object {
  return {
    latencySeconds: step.latencySeconds,
    bound: step.bound,
    secondsByBound: step.byBound,
    operators: step.ops.map((op) => ({
      name: op.name,
      count: op.count,
      flops: op.flops * op.count,
      bytes: op.bytes * op.count,
      seconds: op.seconds * op.count,
      bound: op.bound,
    })),
  };
}

/** The estimate as versioned JSON (SI units, unit in each name). */
export function estimateJson(e: EstimateInput, p: ServingPrediction | Unservable, breakdown: boolean): object {
  const d = e.deployment;
  const input = {
    model: d.model.id,
    gpu: d.gpu.id,
    tp: d.tp,
    pp: d.pp,
    ep: d.ep,
    dp: dpOf(d),
    weights: d.weights,
    kvCache: d.kvCache,
    // The architecture as read (a config.json's too): what the memory and timings rest on.
    parameters: totalParams(d.model),
    activeParameters: activeParams(d.model),
    engine: e.engine.id,
    mode: e.mode,
    concurrency: e.concurrency,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
  };
  const memory = {
    usableBytes: p.memory.usableBytes,
    weightBytes: p.memory.weightBytes,
    activationBytes: p.memory.activationBytes,
    kvRoomBytes: p.memory.kvRoomBytes,
    kvBytesPerToken: p.memory.kvBytesPerToken,
    maxKvTokens: p.memory.maxKvTokens,
    stateBytesPerSequence: p.memory.stateBytesPerSequence,
    stateSlots: p.memory.stateSlots ?? null,
  };
  // What the GPU's performance factors rest on (the catalog's evidence).
  const gpuEvidence = { [d.gpu.id]: d.gpu.evidence };
  if ('reason' in p) return { version: 1, input, gpuEvidence, fits: false, reason: p.reason, memory };
  const graphs = graphCeilings(e);
  return {
    version: 1,
    input,
    gpuEvidence,
    fits: true,
    ttftMs: p.ttftSeconds * 1000,
    tpotMs: p.tpotSeconds * 1000,
    e2eMs: p.e2eSeconds * 1000,
    requestsPerSecond: p.requestsPerSecond,
    outputTokensPerSecond: p.outputTokensPerSecond,
    runningSequences: p.runningSequences,
    maxSequences: p.maxSequences,
    // What caps maxSequences: the KV room, the engine's sequence limit, or its token budget under speculation.
    maxSequencesBound: batchLimit(e, p).bound,
    queuedRequests: p.queuedRequests,
    prefillQueueMs: p.prefillQueueSeconds * 1000,
    // The CUDA-graph ceiling as the profile counts it and in sequences per rank (null: every batch), and whether this load passes it.
    cudaGraphMaxBatch: Number.isFinite(graphs.asCounted) ? graphs.asCounted : null,
    cudaGraphCounts: e.engine.cudaGraphCounts ?? 'sequences',
    cudaGraphMaxSequences: Number.isFinite(graphs.sequences) ? graphs.sequences : null,
    eagerDecode: passesCeiling(e, p, graphs),
    bounds: p.bounds,
    memory,
    ...(breakdown ? { breakdown: { prefill: stepJson(p.prefillStep), decode: stepJson(p.decodeStep) } } : {}),
  };
}
