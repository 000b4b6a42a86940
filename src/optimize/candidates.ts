import { instanceGpus, shapeProblems } from '../perf/deployment.js';
import { MAX_WIDE_EP, parallelShapes, shapeLabel } from './parallel-shapes.js';
import type { Deployment } from '../perf/deployment.js';
import { memoryPlan, runningLimit } from '../perf/memory.js';
import { decodeTable, IDLE_RATE, instanceCapacity, instanceModel, loadPoint } from '../perf/open-loop.js';
import type { Capacity, DecodeTable, InstanceModel, LoadPoint, Role } from '../perf/open-loop.js';
import type { EngineProfile, GpuSpec, MeasuredCapacity, ServiceSpec } from '../input/types.js';
import { kvTransferSeconds } from '../perf/transfer.js';
import { largestRequestTokens } from '../workload/slices.js';
import { decodeClasses, kvPartners, narrowestShape } from './kv-partners.js';
import { instanceCostPerHour } from './machines.js';
import type { KvPartner } from './kv-partners.js';
import type { Slice } from '../workload/slices.js';

/** What one instance sustains for a slice within its SLOs, and what limits it there. */
export interface SliceCapacity {
  ratePerSecond: number;
  /** ttft, tpot, e2e, memory, queueing — or measured, for a capacity from measurements. */
  binding: string;
}

/** One kind of instance the plan may buy: a GPU type, its parallelism and its role. */
export interface Candidate {
  id: string;
  gpu: GpuSpec;
  tp: number;
  pp: number;
  /** Expert-parallel degree and attention data-parallel ranks (1 and 1 for a dense model). */
  ep: number;
  dp: number;
  role: Role;
  /** GPUs per instance. */
  gpus: number;
  /** What an instance costs: its GPUs, or its share of the machine it packs into (see machines.ts). */
  costPerHour: number;
  powerWatts: number;
  deployment: Deployment;
  /** Per slice: what one instance sustains within the SLOs (absent: cannot serve the slice). */
  capacity: Map<string, SliceCapacity>;
  /** Capacities come from measurements, not the performance model (no latency predictions). */
  measured: boolean;
  models: Map<string, InstanceModel>;
  /** Per slice it holds in memory: its latencies at a vanishing load (which SLOs it misses even when idle, by how much). */
  idle: Map<string, LoadPoint>;
  /** Per slice it cannot hold (no instance model: memory, or no measurement covers it): why. Where it misses an SLO even when idle, `idle` says which. */
  unservable: Map<string, string>;
  /** How its instances are launched (the engine's limits and the KV room they leave). */
  launch: CandidateLaunch;
  /** Prefill and decode candidates hand KV only to their own class (e.g. a vendor); undefined: to any. */
  pairClass?: string;
}

/** The engine settings an instance of a candidate runs with, and the KV cache they leave it. */
export interface CandidateLaunch {
  /** Tokens of context the KV cache of one instance holds. */
  kvCacheTokens: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** Fraction of each GPU's memory the engine may take. */
  gpuMemoryUtilization: number;
}

/** Roles the spec's disaggregation setting allows. */
export function allowedRoles(spec: ServiceSpec): Role[] {
  switch (spec.planning.disaggregation) {
    case 'off':
      return ['colocated'];
    case 'only':
      return ['prefill', 'decode'];
    default:
      return ['colocated', 'prefill', 'decode'];
  }
}

/** Pipeline degrees to try on a GPU: the spec's, or 1 and, when the model fits no node at pp 1, the least that fits. */
function pipelineDegrees(spec: ServiceSpec, gpu: GpuSpec, base: Omit<Deployment, 'tp' | 'pp' | 'ep'>): number[] {
  if (spec.planning.pipelineParallel) return spec.planning.pipelineParallel;
  const fitsAt = (pp: number) => memoryPlan({ ...base, gpu, tp: Math.min(gpu.gpusPerNode, 8), pp, ep: 1 }, 8192).fits;
  if (fitsAt(1)) return [1];
  for (const pp of [2, 4, 8, 16]) if (fitsAt(pp)) return [pp];
  return [1];
}

/**
 * Every instance shape the spec allows, with its capacity for every slice: from the performance
 * model, or — for GPU types with measured capacities — only the measured shapes, from the table.
 */
export function buildCandidates(spec: ServiceSpec, gpus: GpuSpec[], engine: EngineProfile, slices: Slice[]): Candidate[] {
  const candidates: Candidate[] = [];
  const roles = allowedRoles(spec);
  const base = { model: spec.model, weights: spec.precision.weights, kvCache: spec.precision.kvCache, ...(spec.speculative ? { speculative: spec.speculative } : {}) };
  const measured = spec.planning.measuredCapacity;
  // The decode instance a prefill candidate's KV transfer is timed against, per GPU type.
  const narrowest = new Map<string, Deployment | undefined>();
  const decodeShape = (gpu: GpuSpec) => {
    if (!narrowest.has(gpu.id)) narrowest.set(gpu.id, narrowestShape(base, gpu, { tp: spec.planning.tensorParallel, pp: pipelineDegrees(spec, gpu, { ...base, gpu }) }));
    return narrowest.get(gpu.id);
  };
  // Per role: the last candidate's capacities, which the next one's searches start from.
  const references = new Map<Role, ReadonlyMap<string, SliceCapacity>>();
  for (const gpu of [...gpus].sort((a, b) => a.id.localeCompare(b.id))) {
    const table = measured.filter((m) => m.gpu === gpu.id && roles.includes(m.role));
    if (measured.some((m) => m.gpu === gpu.id)) {
      candidates.push(...measuredCandidates(gpu, engine, table, base, slices).map((c) => ({ ...c, pairClass: c.role === 'colocated' ? undefined : gpu.id })));
      continue;
    }
    for (const { tp, pp, ep, dp } of parallelShapes(spec.model, gpu.gpusPerNode, spec.planning.tensorParallel, pipelineDegrees(spec, gpu, { ...base, gpu }))) {
      {
        const deployment: Deployment = { ...base, gpu, tp, pp, ep, ...(dp > 1 ? { dp } : {}) };
        if (shapeProblems(deployment).length > 0 || instanceGpus(deployment) > Math.max(MAX_WIDE_EP, gpu.gpusPerNode)) continue;
        if (!memoryPlan(deployment, 1).fits) continue;
        const table = decodeTable(deployment, engine, slices.map((s) => s.inputTokens + s.outputTokens / 2));
        for (const role of roles) {
          const candidate = evaluate(deployment, engine, role, slices, table, spec.arrivalCv, references.get(role));
          if (candidate.capacity.size > 0) references.set(role, candidate.capacity);
          if (candidate.models.size === 0 && candidate.unservable.size === 0) continue;
          if (role === 'colocated') candidates.push(candidate);
          if (role === 'decode') {
            for (const { pairClass, idSuffix } of decodeClasses(deployment)) candidates.push({ ...candidate, id: candidate.id + idSuffix, pairClass });
          }
          if (role === 'prefill') {
            // A KV transfer only adds to an idle prompt's TTFT: a candidate that misses every slice
            // even without one misses them with any partner, and only the own type's pair is kept.
            const servesSome = servesAtIdle(candidate, slices, spec.arrivalCv);
            const settled: SettledTransfers = new Map();
            for (const partner of kvPartners(spec, deployment, gpus, decodeShape)) {
              if (!servesSome && partner.idSuffix !== '') continue;
              const paired = withPartner(candidate, partner, slices, spec.arrivalCv, settled, references.get('prefill'));
              if (paired.capacity.size > 0) references.set('prefill', paired.capacity);
              // A partner that serves nothing explains nothing the own type's does not: drop it.
              if (paired.capacity.size > 0 || partner.idSuffix === '') candidates.push(paired);
            }
          }
        }
      }
    }
  }
  return candidates;
}

function emptyCandidate(deployment: Deployment, engine: EngineProfile, role: Role): Candidate {
  const { gpu, tp, pp, ep } = deployment;
  const dp = deployment.dp ?? 1;
  const gpus = instanceGpus(deployment);
  const memory = memoryPlan(deployment, engine.maxBatchedTokens, engine);
  return {
    launch: {
      kvCacheTokens: memory.maxKvTokens,
      maxNumSeqs: runningLimit(deployment, engine, memory),
      maxNumBatchedTokens: engine.maxBatchedTokens,
      gpuMemoryUtilization: gpu.efficiency.memoryUtilization,
    },
    id: `${gpu.id}/${shapeLabel({ tp, pp, ep, dp })}/${role}`,
    gpu,
    tp,
    pp,
    ep,
    dp,
    role,
    gpus,
    costPerHour: instanceCostPerHour(gpu, gpus),
    powerWatts: gpus * gpu.tdpWatts,
    deployment,
    capacity: new Map(),
    measured: false,
    models: new Map(),
    idle: new Map(),
    unservable: new Map(),
  };
}

function evaluate(deployment: Deployment, engine: EngineProfile, role: Role, slices: Slice[], table: DecodeTable, arrivalCv: number, reference?: ReadonlyMap<string, SliceCapacity>): Candidate {
  const candidate = emptyCandidate(deployment, engine, role);
  const guesses = capacityGuesses(reference);
  for (const slice of slices) {
    const shape = {
      inputTokens: slice.inputTokens,
      outputTokens: slice.outputTokens,
      outputRange: slice.outputRange,
      // A pool that takes the slice's route must hold the route's longest request.
      longest: { inputTokens: slice.routeRange[1], outputTokens: slice.maxOutputTokens },
    };
    // With prompt reuse, the instance modelled with its prefix cache and without: an engine whose
    // cache cannot keep the working set evicts it and serves as if it had none. Without pinned
    // blocks (history only) the cache takes no room and saves work, so it is never worse; nor on
    // a prefill instance, whose KV room does not bound it: there the plain model is not needed.
    const cached = slice.cache && role !== 'decode' ? instanceModel(deployment, engine, role, { ...shape, cache: slice.cache }, table) : undefined;
    const plainNeeded = !cached || 'reason' in cached || (role !== 'prefill' && slice.cache!.pinnedTokens > 0);
    const plain = plainNeeded ? instanceModel(deployment, engine, role, shape, table) : undefined;
    const models = [cached, plain].filter((m): m is InstanceModel => m !== undefined && !('reason' in m));
    if (models.length === 0) {
      candidate.unservable.set(slice.id, (plain as { reason: string }).reason);
      continue;
    }
    // A prefill instance's capacity waits for its KV partner (the transfer counts in its TTFT);
    // its KV room does not bound it, so the cache never costs it capacity.
    if (role === 'prefill') candidate.models.set(slice.id, models[0]);
    else guesses.record(slice.id, settle(candidate, slice, models, arrivalCv, guesses.next(slice.id)).ratePerSecond);
  }
  return candidate;
}

/** Where a candidate's capacity searches start, slice by slice. */
interface CapacityGuesses {
  /** The guess for a slice, in requests/s. */
  next(sliceId: string): number;
  /** A slice's capacity once found (0: none). */
  record(sliceId: string, ratePerSecond: number): void;
}

/**
 * Guesses from the last slice served, scaled as a reference candidate's capacity changes
 * between the two slices (the workload shapes every candidate's profile over the slices alike),
 * or the reference's own capacity before any is found; 1 req/s without either.
 */
function capacityGuesses(reference?: ReadonlyMap<string, SliceCapacity>): CapacityGuesses {
  let last: { sliceId: string; rate: number } | undefined;
  const of = (id: string) => reference?.get(id)?.ratePerSecond;
  return {
    next(sliceId) {
      const ref = of(sliceId);
      if (!last) return ref ?? 1;
      const refLast = of(last.sliceId);
      return ref !== undefined && refLast !== undefined ? (last.rate * ref) / refLast : last.rate;
    },
    record(sliceId, rate) {
      if (rate > 0) last = { sliceId, rate };
    },
  };
}

/**
 * Records a slice's model on a candidate with the capacity it gives within the slice's SLOs (or
 * why it gives none): of several models (with the prefix cache, without), the one that sustains
 * the most. Each search starts at `guess` requests/s.
 */
function settle(candidate: Candidate, slice: Slice, models: InstanceModel[], arrivalCv: number, guess: number): Capacity {
  const [best, capacity] = models
    .map((m) => [m, instanceCapacity(m, slice.slo, arrivalCv, guess)] as const)
    .reduce((a, b) => (b[1].ratePerSecond > a[1].ratePerSecond ? b : a));
  record(candidate, slice, best, capacity);
  return capacity;
}

/** Records a slice's model, its idle latencies and, when it serves the slice at all, its capacity on a candidate. */
function record(candidate: Candidate, slice: Slice, best: InstanceModel, capacity: Capacity): void {
  candidate.models.set(slice.id, best);
  candidate.idle.set(slice.id, capacity.idle);
  if (capacity.ratePerSecond > 0) candidate.capacity.set(slice.id, capacity);
}

/** Whether a prefill candidate meets some slice's SLOs when idle with no KV transfer (its models have none). */
function servesAtIdle(prefill: Candidate, slices: Slice[], arrivalCv: number): boolean {
  return slices.some((slice) => {
    const model = prefill.models.get(slice.id);
    return model !== undefined && loadPoint(model, IDLE_RATE, slice.slo, arrivalCv).violations.length === 0;
  });
}

/** A prefill candidate's slices already settled with a given KV transfer time (by slice id, then seconds). */
type SettledTransfers = Map<string, Map<number, { model: InstanceModel; capacity: Capacity }>>;

/**
 * A prefill candidate that hands its KV to `partner`: the same prompt work, plus the transfer of
 * each slice's KV over the partner's link (inside one node, or over the slower side's network),
 * which counts in its TTFT.
 */
function withPartner(prefill: Candidate, partner: KvPartner, slices: Slice[], arrivalCv: number, settled: SettledTransfers, reference?: ReadonlyMap<string, SliceCapacity>): Candidate {
  const paired: Candidate = { ...prefill, id: prefill.id + partner.idSuffix, pairClass: partner.pairClass, capacity: new Map(), models: new Map(), idle: new Map(), unservable: new Map(prefill.unservable) };
  const guesses = capacityGuesses(reference);
  for (const slice of slices) {
    const base = prefill.models.get(slice.id);
    if (!base) continue;
    const transferSeconds = kvTransferSeconds(prefill.deployment, partner.decode, slice.inputTokens, partner.link, base.engine);
    // Partners whose links take as long to carry the slice's KV give it the same capacity.
    let bySeconds = settled.get(slice.id);
    if (!bySeconds) settled.set(slice.id, (bySeconds = new Map()));
    const known = bySeconds.get(transferSeconds);
    if (known) record(paired, slice, known.model, known.capacity);
    else {
      const model = { ...base, transferSeconds };
      bySeconds.set(transferSeconds, { model, capacity: settle(paired, slice, [model], arrivalCv, guesses.next(slice.id)) });
    }
    guesses.record(slice.id, paired.capacity.get(slice.id)?.ratePerSecond ?? 0);
  }
  return paired;
}

/**
 * Candidates from a measured table: one per measured shape (GPU, tp, pp, role). A slice takes the
 * rate measured at the nearest profiled size at or above its own in both input and output (the
 * smallest such input, then the smallest such output) — a conservative reading — and cannot be
 * served when no measurement covers it, or when the shape cannot hold its route's longest request.
 */
function measuredCandidates(gpu: GpuSpec, engine: EngineProfile, table: MeasuredCapacity[], base: Omit<Deployment, 'gpu' | 'tp' | 'pp' | 'ep'>, slices: Slice[]): Candidate[] {
  const shapes = [...new Set(table.map((m) => `${m.tp}/${m.pp}/${m.role}`))].sort();
  return shapes.map((shape) => {
    const [tp, pp, role] = shape.split('/') as [string, string, Role];
    const points = table.filter((m) => `${m.tp}/${m.pp}/${m.role}` === shape);
    const deployment: Deployment = { ...base, gpu, tp: Number(tp), pp: Number(pp), ep: 1 };
    const candidate = emptyCandidate(deployment, engine, role);
    candidate.measured = true;
    for (const slice of slices) {
      const longest = role === 'prefill' ? slice.routeRange[1] + 1 : largestRequestTokens(slice);
      if (longest > candidate.launch.kvCacheTokens) {
        candidate.unservable.set(slice.id, `the longest ${longest}-token request of its route does not fit the ${candidate.launch.kvCacheTokens}-token KV cache of ${gpu.id} tp ${tp} pp ${pp}`);
        continue;
      }
      const covering = points.filter((m) => m.inputTokens >= slice.inputTokens && m.outputTokens >= slice.outputTokens);
      if (covering.length === 0) {
        candidate.unservable.set(slice.id, `no measured capacity covers ${slice.inputTokens}-token prompts with ${slice.outputTokens}-token answers`);
        continue;
      }
      const nearest = covering.reduce((best, m) =>
        m.inputTokens < best.inputTokens || (m.inputTokens === best.inputTokens && (m.outputTokens < best.outputTokens || (m.outputTokens === best.outputTokens && m.maxRatePerSecond < best.maxRatePerSecond))) ? m : best,
      );
      candidate.capacity.set(slice.id, { ratePerSecond: nearest.maxRatePerSecond, binding: 'measured' });
    }
    return candidate;
  });
}
