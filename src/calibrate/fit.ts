import { gemmDtype, isWeightOnlyQuantized } from '../perf/deployment.js';
import type { ModelRegistry } from '../input/models.js';
import type { Measurement } from '../input/measurements.js';
import type { Catalog, ComputeDtype, EngineProfile, GpuEfficiency } from '../input/types.js';
import { predictRow } from './predict-rows.js';
import type { RowResult } from './predict-rows.js';

/** One fitted factor: where it lives, its bounds and its value. */
export interface FittedParam {
  owner: 'gpu' | 'engine';
  id: string;
  /** Field name: `compute.bf16`, `memory`, `kernelOverheadSeconds`, `stepOverheadSeconds`, … */
  field: string;
  min: number;
  max: number;
  value: number;
  /** The catalog's value before fitting: the fit is pulled gently towards it. */
  prior: number;
  /** `kernelFloorScale` scales the catalog's kernel floors (these) together. */
  floors?: GpuEfficiency['kernelFloorSeconds'];
}

/** Result of a calibration: the fitted factors and the catalog that carries them. */
export interface Calibration {
  params: FittedParam[];
  catalog: Catalog;
  before: RowResult[];
  after: RowResult[];
  /** `keep` entries that name no factor these rows would fit, and the names of those that they would. */
  unmatchedKeep: string[];
  fittable: string[];
}

/**
 * GPU factors end-to-end rows inform. The kernel floors, the roof's knee and the collectives'
 * latencies come from operator-level timings and stay as the catalog has them.
 */
const GPU_BOUNDS: Record<string, [number, number]> = {
  memory: [0.4, 1],
  kernelOverheadSeconds: [0, 20e-6],
  'attention.prefill': [0.2, 1],
  // One factor on every kind's kernel floor (measured on A100s): faster clocks and launch paths shorten them alike.
  kernelFloorScale: [0.2, 1.5],
  // How far kernels near the ridge point fall below both roofs (A100 kernels: 1.5).
  rooflineKnee: [1, 3],
};
/** Coordinate-descent passes over all factors. */
const SWEEPS = 4;
/** Pull towards the catalog's value, per row a factor affects, for a move across its whole range. */
const PRIOR_WEIGHT = 0.1;
const FRACTION_BOUNDS: [number, number] = [0.1, 1];
const ENGINE_BOUNDS: Record<string, [number, number]> = {
  stepOverheadSeconds: [0, 50e-3],
  requestOverheadSeconds: [0, 200e-3],
  prefillLayerOverheadSeconds: [0, 3e-3],
  collectiveOverheadSeconds: [0, 100e-6],
  prefillClustering: [0, 0.5],
};
const SCALE_BOUNDS: [number, number] = [0.3, 1.5];

/** Copies a catalog deeply enough that fitted factors can be changed without touching the original. */
function workingCopy(catalog: Catalog): Catalog {
  const gpus = Object.fromEntries(
    Object.entries(catalog.gpus).map(([id, g]) => [id, { ...g, efficiency: { ...g.efficiency, compute: { ...g.efficiency.compute }, attention: { ...g.efficiency.attention } } }]),
  );
  const engines = Object.fromEntries(Object.entries(catalog.engines).map(([id, e]) => [id, { ...e }]));
  return { gpus, engines, measuredCapacity: catalog.measuredCapacity };
}

function read(catalog: Catalog, p: FittedParam): number {
  if (p.owner === 'engine') return catalog.engines[p.id][p.field as keyof EngineProfile] as number;
  const eff = catalog.gpus[p.id].efficiency;
  if (p.field.startsWith('compute.')) return eff.compute[p.field.slice(8) as ComputeDtype] ?? eff.compute.bf16!;
  if (p.field === 'attention.prefill') return eff.attention.prefill;
  if (p.field === 'kernelFloorScale') return p.floors ? eff.kernelFloorSeconds.gemm / p.floors.gemm : 1;
  return eff[p.field as keyof GpuEfficiency] as number;
}

function write(catalog: Catalog, p: FittedParam, value: number): void {
  if (p.owner === 'engine') {
    (catalog.engines[p.id] as unknown as Record<string, number>)[p.field] = value;
  } else if (p.field.startsWith('compute.')) {
    catalog.gpus[p.id].efficiency.compute[p.field.slice(8) as ComputeDtype] = value;
  } else if (p.field === 'attention.prefill') {
    catalog.gpus[p.id].efficiency.attention.prefill = value;
  } else if (p.field === 'kernelFloorScale') {
    const floors = p.floors!;
    catalog.gpus[p.id].efficiency.kernelFloorSeconds = {
      gemm: floors.gemm * value,
      prefillAttention: floors.prefillAttention * value,
      decodeAttention: floors.decodeAttention * value,
      elementwise: floors.elementwise * value,
    };
  } else {
    (catalog.gpus[p.id].efficiency as unknown as Record<string, number>)[p.field] = value;
  }
}

/**
 * A GPU's own factors can be told apart from an engine's only when the GPU was measured under
 * the reference engine (whose scales are 1) or under several engines; otherwise they stay as the
 * catalog has them and the engine's scales absorb the difference.
 */
function identifiedGpus(results: RowResult[], referenceEngine: string): Set<string> {
  const engines = new Map<string, Set<string>>();
  for (const r of results) {
    if (!r.error && r.gpuId && r.engineId) engines.set(r.gpuId, new Set([...(engines.get(r.gpuId) ?? []), r.engineId]));
  }
  return new Set([...engines].filter(([, e]) => e.has(referenceEngine) || e.size > 1).map(([gpu]) => gpu));
}

/** The factors the measurements can inform: a few per GPU and per engine present in them. */
function chooseParams(results: RowResult[], catalog: Catalog, referenceEngine: string): FittedParam[] {
  const params: FittedParam[] = [];
  const identified = identifiedGpus(results, referenceEngine);
  const add = (owner: FittedParam['owner'], id: string, field: string, [min, max]: [number, number]) => {
    if (params.some((p) => p.owner === owner && p.id === id && p.field === field)) return;
    const floors = owner === 'gpu' ? { ...catalog.gpus[id].efficiency.kernelFloorSeconds } : undefined;
    const param: FittedParam = { owner, id, field, min, max, value: 0, prior: 0, ...(field === 'kernelFloorScale' ? { floors } : {}) };
    param.value = Math.min(max, Math.max(min, read(catalog, param)));
    param.prior = param.value;
    params.push(param);
  };
  for (const r of results) {
    if (r.error || !r.gpuId || !r.engineId) continue;
    const gpu = catalog.gpus[r.gpuId];
    if (identified.has(gpu.id)) {
      add('gpu', gpu.id, 'compute.bf16', [0.2, 1]);
      const dtype = gemmDtype(gpu, r.row.weights);
      if (dtype !== 'bf16') add('gpu', gpu.id, `compute.${dtype}`, [0.2, 1]);
      for (const field of Object.keys(GPU_BOUNDS)) add('gpu', gpu.id, field, GPU_BOUNDS[field]);
      // A weight-only-quantised MoE run cannot tell expert inefficiency from dequantisation: fit the latter.
      if (isWeightOnlyQuantized(gpu, r.row.weights)) add('gpu', gpu.id, 'dequant', FRACTION_BOUNDS);
      else if (r.moe) add('gpu', gpu.id, 'moe', FRACTION_BOUNDS);
    }
    const engine = catalog.engines[r.engineId];
    add('engine', engine.id, 'stepOverheadSeconds', ENGINE_BOUNDS.stepOverheadSeconds);
    // The GPU factors are the reference engine's; other engines carry their kernels' efficiency
    // relative to it, which rows on an identified GPU reveal.
    if (engine.id !== referenceEngine && identified.has(gpu.id)) {
      add('engine', engine.id, 'computeScale', SCALE_BOUNDS);
      add('engine', engine.id, 'memoryScale', SCALE_BOUNDS);
    }
    if (r.row.tp > 1) add('engine', engine.id, 'collectiveOverheadSeconds', ENGINE_BOUNDS.collectiveOverheadSeconds);
    if (r.row.mode === 'closed-loop') {
      add('engine', engine.id, 'requestOverheadSeconds', ENGINE_BOUNDS.requestOverheadSeconds);
      add('engine', engine.id, 'prefillLayerOverheadSeconds', ENGINE_BOUNDS.prefillLayerOverheadSeconds);
      if (engine.scheduling === 'mixed') {
        add('engine', engine.id, 'prefillClustering', ENGINE_BOUNDS.prefillClustering);
      }
    }
  }
  return params;
}

/**
 * Robust loss of one row: capped |log error| of TTFT plus that of TPOT, or twice that of the whole
 * latency where the row gives only that, so every row weighs the same (one it cannot predict costs the cap).
 */
function rowLoss(r: RowResult): number {
  if (r.error) return 2;
  const cap = (x: number) => Math.min(Math.abs(Math.log(x)), 1);
  if (r.row.ttftMs !== undefined && r.row.tpotMs !== undefined) return cap(r.predictedTtftMs! / r.row.ttftMs) + cap(r.predictedTpotMs! / r.row.tpotMs);
  return 2 * cap(r.predictedE2eMs! / r.row.e2eMs!);
}

/**
 * Fits the efficiency factors of the GPUs and engines in the measurements (coordinate descent on
 * a grid that narrows three times, four sweeps), minimising the capped |log error| of TTFT plus
 * TPOT — a median-seeking, outlier-tolerant objective — with every model × GPU group weighted
 * alike and a gentle pull towards the catalog's values. Rows the base catalog cannot predict
 * stay out of the fit.
 */
export function calibrate(rows: Measurement[], base: Catalog, models: ModelRegistry, defaultEngine: string, keep: string[] = []): Calibration {
  const catalog = workingCopy(base);
  const before = rows.map((row) => predictRow(row, base, models, defaultEngine));
  const usable = rows.filter((_, i) => before[i].error === undefined);
  // `keep` names factors known better elsewhere (`mi300x.compute`: a large-GEMM microbenchmark): they stay as the catalog has them.
  const matches = (k: string, p: FittedParam) => `${p.id}.${p.field}` === k || `${p.id}.${p.field}`.startsWith(`${k}.`);
  const candidates = chooseParams(before, catalog, defaultEngine);
  const params = candidates.filter((p) => !keep.some((k) => matches(k, p)));
  const unmatchedKeep = keep.filter((k) => !candidates.some((p) => matches(k, p)));
  const current = usable.map((row) => predictRow(row, catalog, models, defaultEngine));
  const affects = (p: FittedParam, r: RowResult) => (p.owner === 'gpu' ? r.gpuId === p.id : r.engineId === p.id);
  // Every model × GPU group counts the same, however many rows it has: accuracy is judged per model.
  const groupSizes = new Map<string, number>();
  for (const r of current) groupSizes.set(r.group, (groupSizes.get(r.group) ?? 0) + 1);
  const meanGroup = current.length / groupSizes.size;
  const weights = current.map((r) => meanGroup / groupSizes.get(r.group)!);

  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (const p of params) {
      const indexes = current.map((r, i) => (affects(p, r) ? i : -1)).filter((i) => i >= 0);
      // A factor the rows barely inform (an A100 seen through one old engine only) stays near its prior.
      const pull = PRIOR_WEIGHT * indexes.length;
      const lossAt = (value: number) => {
        write(catalog, p, value);
        const misfit = indexes.reduce((sum, i) => sum + weights[i] * rowLoss(predictRow(usable[i], catalog, models, defaultEngine)), 0);
        return misfit + pull * ((value - p.prior) / (p.max - p.min)) ** 2;
      };
      let best = { value: p.value, loss: lossAt(p.value) };
      let [lo, hi] = [p.min, p.max];
      for (let round = 0; round < 3; round++) {
        const step = (hi - lo) / 8;
        for (let k = 0; k <= 8; k++) {
          const value = lo + k * step;
          const loss = lossAt(value);
          if (loss < best.loss - 1e-12) best = { value, loss };
        }
        [lo, hi] = [Math.max(p.min, best.value - step), Math.min(p.max, best.value + step)];
      }
      p.value = best.value;
      write(catalog, p, p.value);
      for (const i of indexes) current[i] = predictRow(usable[i], catalog, models, defaultEngine);
    }
  }
  const after = rows.map((row) => predictRow(row, catalog, models, defaultEngine));
  return { params, catalog, before, after, unmatchedKeep, fittable: candidates.map((p) => `${p.id}.${p.field}`) };
}
