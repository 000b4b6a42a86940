import { allReduceTime, allToAllTime, sendTime } from './collectives.js';
import { effectiveBandwidth, effectiveFlops, gemmDtype, instanceGpus, isWeightOnlyQuantized } from './deployment.js';
import type { Deployment } from './deployment.js';
import { decodeAttentionOperator, stepOperators, stepTokens } from './operators.js';
import type { Operator, StepLoad } from './operators.js';
import { speculativeStepTiming } from './speculative-step.js';
import type { SpeculativeStep } from './speculative-step.js';
import type { EngineProfile } from '../input/types.js';
import { DEFAULT_MOE_IMBALANCE, hiddenAlltoallSeconds } from './expert-parallel.js';
import { runsEagerly } from './cuda-graphs.js';
import { asEngineRunsIt } from './linear-attention.js';

/** What limits an operator or a step. */
export type Bound = 'compute' | 'memory' | 'communication' | 'overhead';

/** An operator with its roofline time; `count` is how many times a step runs it on one GPU. */
export interface TimedOperator extends Operator {
  count: number;
  computeSeconds: number;
  memorySeconds: number;
  /** One execution: the smooth max of kernel floor, compute and memory time (or the collective's time), plus kernel launches. */
  seconds: number;
  bound: Bound;
}

/** Time of one engine iteration, with the share of each bound. */
export interface StepTiming {
  ops: TimedOperator[];
  /** Time of one pipeline stage (the last, which also runs the LM head). */
  stageSeconds: number;
  /** Time for a token to pass every stage, with sends and the engine's per-step overhead. */
  latencySeconds: number;
  /** Seconds of the step bound by compute, memory, communication and overhead. */
  byBound: Record<Bound, number>;
  bound: Bound;
  /** A speculative decode step: its draft passes and verification (`ops` are the verification's). */
  speculative?: SpeculativeStep;
}

/** The roofs of one deployment under one engine, worked out once per step. */
interface Roofs {
  /** FLOP/s of GEMMs on the model's weights (dequantisation included) and of 16-bit ones. */
  weightFlops: number;
  sixteenBitFlops: number;
  bandwidth: number;
  /** FLOP/s of one compute unit in a prefill-attention tile step, and the units. */
  tileFlops: number;
  units: number;
  decodeAttentionBandwidth: number;
  elementwiseBandwidth: number;
  moe: number;
  launch: number;
}

function roofs(d: Deployment, engine: EngineProfile): Roofs {
  const gpu = d.gpu;
  const eff = gpu.efficiency;
  const dequant = isWeightOnlyQuantized(gpu, d.weights) ? eff.dequant : 1;
  const activations = d.weights === 'fp16' ? 'fp16' : 'bf16';
  const sixteenBitPeak = gpu.peakFlops[gemmDtype(gpu, activations)] ?? 0;
  const units = gpu.computeUnits ?? Infinity;
  return {
    weightFlops: dequant * effectiveFlops(gpu, gemmDtype(gpu, d.weights), engine.computeScale),
    sixteenBitFlops: effectiveFlops(gpu, gemmDtype(gpu, activations), engine.computeScale),
    bandwidth: effectiveBandwidth(gpu, engine.memoryScale),
    tileFlops: (eff.attention.prefill * engine.computeScale * sixteenBitPeak) / (Number.isFinite(units) ? units : 1),
    units,
    decodeAttentionBandwidth: eff.attention.decode * engine.memoryScale * gpu.memoryBandwidth,
    elementwiseBandwidth: eff.elementwise * engine.memoryScale * gpu.memoryBandwidth,
    moe: eff.moe,
    launch: eff.kernelOverheadSeconds,
  };
}

/** The n-norm of a few times: a smooth maximum that a kernel near its ridge point reaches. */
export function smoothMax(times: number[], n: number): number {
  const top = Math.max(...times);
  if (!(top > 0)) return 0;
  return top * Math.pow(times.reduce((sum, t) => sum + (t / top) ** n, 0), 1 / n);
}

/**
 * Compute time of a prefill attention call: its tile steps spread over the compute units, plus
 * the longest chain one unit runs alone (a list schedule's bound: few heads or short chunks
 * leave units idle). Without a unit count, the steps spread perfectly.
 */
function tileSeconds(op: Operator, r: Roofs): number {
  const t = op.tiles!;
  if (!Number.isFinite(r.units)) return op.flops / r.tileFlops;
  return (t.flopsPerStep / r.tileFlops) * (t.totalSteps / r.units + t.longestSteps);
}

/** Compute and memory time of one execution of a non-collective operator. */
function roofTimes(op: Operator, r: Roofs): { compute: number; memory: number } {
  switch (op.kind) {
    case 'prefill-attention':
      return { compute: tileSeconds(op, r), memory: op.bytes / r.bandwidth };
    case 'decode-attention':
      return { compute: op.flops / r.sixteenBitFlops, memory: op.bytes / r.decodeAttentionBandwidth };
    case 'elementwise':
      return { compute: 0, memory: op.bytes / r.elementwiseBandwidth };
    default: {
      const flops = op.sixteenBit ? r.sixteenBitFlops : r.weightFlops;
      const grouped = op.name === 'experts' ? r.moe : 1;
      return { compute: op.flops / (grouped * flops), memory: op.bytes / r.bandwidth };
    }
  }
}

function kernelFloor(d: Deployment, op: Operator): number {
  const floors = d.gpu.efficiency.kernelFloorSeconds;
  const floor =
    op.kind === 'elementwise' ? floors.elementwise
    : op.kind === 'prefill-attention' ? floors.prefillAttention
    : op.kind === 'decode-attention' ? floors.decodeAttention
    : floors.gemm;
  return op.kernels * floor;
}

/** GPU time of one execution of a non-collective operator: its floor, compute and memory time under the smooth roof. */
function kernelSeconds(d: Deployment, op: Operator, compute: number, memory: number): number {
  return smoothMax([kernelFloor(d, op), compute, memory], d.gpu.efficiency.rooflineKnee);
}

/** GPU time of one execution of an operator (no host-side launch): what a kernel profiler measures. */
export function operatorKernelSeconds(d: Deployment, engine: EngineProfile, op: Operator): number {
  const r = roofs(d, engine);
  if (op.kind === 'allreduce' || op.kind === 'alltoall') return timeOperator(d, engine, r, op, 1).seconds;
  const { compute, memory } = roofTimes(op, r);
  return kernelSeconds(d, op, compute, memory);
}

function timeOperator(d: Deployment, engine: EngineProfile, r: Roofs, op: Operator, count: number): TimedOperator {
  if (op.kind === 'allreduce' || op.kind === 'alltoall') {
    const group = op.group ?? (op.kind === 'allreduce' ? d.tp : d.ep);
    const comm = op.kind === 'allreduce' ? allReduceTime(d.gpu, group, op.bytes, engine) : allToAllTime(d.gpu, group, op.bytes);
    // A ring all-reduce pays the engine's overhead per peer; an all-to-all's peers talk at once.
    const seconds = comm + (op.kind === 'allreduce' ? group - 1 : 1) * engine.collectiveOverheadSeconds;
    return Object.assign({}, op, { count, computeSeconds: 0, memorySeconds: 0, seconds, bound: 'communication' as const });
  }
  const launch = op.kernels * r.launch;
  const { compute: computeSeconds, memory: memorySeconds } = roofTimes(op, r);
  const floor = kernelFloor(d, op);
  const kernel = kernelSeconds(d, op, computeSeconds, memorySeconds);
  const busiest = Math.max(computeSeconds, memorySeconds);
  const bound: Bound = launch + floor > busiest ? 'overhead' : computeSeconds >= memorySeconds ? 'compute' : 'memory';
  return Object.assign({}, op, { count, computeSeconds, memorySeconds, seconds: kernel + launch, bound });
}

/**
 * Times one iteration of a deployment carrying `load` under a serving engine; with speculative
 * decoding, an iteration that decodes also drafts and verifies (see speculative-step.ts).
 */
export function stepTiming(d: Deployment, load: StepLoad, engine: EngineProfile): StepTiming {
  if (d.speculative && load.decodeSequences > 0) return speculativeStepTiming(d, load, engine, targetStepTiming);
  return targetStepTiming(d, load, engine);
}

/**
 * stepTiming of `load` at any context of its decodes: only the decode attention call reads the
 * context (decodeAttentionOperator), so the other operators are timed once, at the first context
 * asked, and each later context re-times that call alone — the same timing as stepTiming's at that
 * context, for a fraction of the work. (How a colocated instance's prompt chunks, each riding with
 * a decode, are timed across the slices of one prompt size.) A speculative step is timed whole.
 */
export function stepTimingByContext(d: Deployment, load: Omit<StepLoad, 'decodeContextTokens'>, engine: EngineProfile): (contextTokens: number) => StepTiming {
  if (d.speculative && load.decodeSequences > 0) return (contextTokens) => stepTiming(d, { ...load, decodeContextTokens: contextTokens }, engine);
  let first: { ops: TimedOperator[]; decode: number; r: Roofs } | undefined;
  return (contextTokens) => {
    const at = { ...load, decodeContextTokens: contextTokens };
    if (!first) {
      const r = roofs(d, engine);
      const ops = timedOperators(d, at, engine, r);
      first = { ops, decode: ops.findIndex((op) => op.kind === 'decode-attention'), r };
      return assembleStep(d, at, engine, ops.slice());
    }
    const ops = first.ops.slice();
    if (first.decode >= 0) {
      const op = decodeAttentionOperator(d, at);
      ops[first.decode] = timeOperator(d, engine, first.r, op, operatorCount(d, op));
    }
    return assembleStep(d, at, engine, ops);
  };
}

/** How many times one GPU runs an operator in a step: once per layer of its stage (or share of them), once per step for the LM head. */
function operatorCount(d: Deployment, op: Operator): number {
  return op.perStep ? 1 : Math.ceil(d.model.layers / d.pp) * (op.layerShare ?? 1);
}

/** Every operator of one forward pass of the deployment's own model over `load`, timed. */
function timedOperators(d: Deployment, load: StepLoad, engine: EngineProfile, r: Roofs): TimedOperator[] {
  return stepOperators(withEngineStates(d, engine), load, engine.moeImbalance ?? DEFAULT_MOE_IMBALANCE, engine.moeFp8Input).map((op) => timeOperator(d, engine, r, op, operatorCount(d, op)));
}

/** The deployment as the engine runs it (asEngineRunsIt): the same object where nothing changes. */
function withEngineStates(d: Deployment, engine: EngineProfile): Deployment {
  const model = asEngineRunsIt(d.model, engine);
  return model === d.model ? d : { ...d, model };
}

/** One forward pass of the deployment's own model over `load`. */
function targetStepTiming(d: Deployment, load: StepLoad, engine: EngineProfile): StepTiming {
  return assembleStep(d, load, engine, timedOperators(d, load, engine, roofs(d, engine)));
}

/** A step from its timed operators: the stage's time, the pipeline's sends, the engine's host work. */
function assembleStep(d: Deployment, load: StepLoad, engine: EngineProfile, ops: TimedOperator[]): StepTiming {
  const byBound: Record<Bound, number> = { compute: 0, memory: 0, communication: 0, overhead: 0 };
  let stageSeconds = 0;
  for (const op of ops) {
    const launch = op.kind === 'allreduce' || op.kind === 'alltoall' ? 0 : op.kernels * d.gpu.efficiency.kernelOverheadSeconds;
    stageSeconds += op.count * op.seconds;
    // Every stage runs the same operators in turn, so the latency holds pp copies of each.
    if (op.bound === 'overhead') byBound.overhead += d.pp * op.count * op.seconds;
    else {
      byBound[op.bound] += d.pp * op.count * (op.seconds - launch);
      byBound.overhead += d.pp * op.count * launch;
    }
  }
  // Dual micro-batch overlap hides part of an expert-parallel stage's all-to-all behind its compute.
  const hidden = hiddenAlltoallSeconds(d, ops, engine.alltoallOverlap ?? 0);
  stageSeconds -= hidden;
  byBound.communication -= d.pp * hidden;
  // A decode batch above the engine's CUDA-graph ceiling runs eagerly: the host issues every
  // kernel in turn while the GPU runs those already issued, so the stage takes the longer of the two.
  if (load.prefill.length === 0 && load.decodeSequences > 0 && runsEagerly(engine, d, load.decodeSequences, load.queryTokensPerSequence)) {
    const issueSeconds = ops.reduce((sum, op) => sum + op.count * op.kernels, 0) * (engine.eagerLaunchSeconds ?? 0);
    if (issueSeconds > stageSeconds) {
      byBound.overhead += d.pp * (issueSeconds - stageSeconds);
      stageSeconds = issueSeconds;
    }
  }
  const crossNode = instanceGpus(d) > d.gpu.gpusPerNode;
  const sends = (d.pp - 1) * sendTime(d.gpu, stepTokens(load).tokens * d.model.hiddenSize * 2, crossNode);
  byBound.communication += sends;
  const host = engine.stepOverheadSeconds + (load.prefill.length > 0 ? d.model.layers * engine.prefillLayerOverheadSeconds : 0);
  byBound.overhead += host;
  const latencySeconds = d.pp * stageSeconds + sends + host;
  const bound = (Object.keys(byBound) as Bound[]).reduce((a, b) => (byBound[b] > byBound[a] ? b : a));
  return { ops, stageSeconds, latencySeconds, byBound, bound };
}
