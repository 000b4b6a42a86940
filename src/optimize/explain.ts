import { shapeText } from '../plan/moe-shape.js';
import { instanceGpus, shapeProblems } from '../perf/deployment.js';
import { memoryPlan } from '../perf/memory.js';
import type { Role } from '../perf/open-loop.js';
import type { GpuSpec, ServiceSpec } from '../input/types.js';
import type { Slice } from '../workload/slices.js';
import type { Candidate } from './candidates.js';
import { MAX_WIDE_EP, parallelShapes, shapeLabel } from './parallel-shapes.js';
import { grouped } from '../text/digits.js';

/** Largest fleet planner plans, in GPUs: beyond it the MILP's numbers leave the solver's precision (and any real fleet). */
export const MAX_FLEET_GPUS = 1_000_000;

/** Human name of a candidate: "h100-sxm tp4 colocated". */
export function candidateName(c: Candidate): string {
  return `${c.gpu.id} ${shapeText(c)} ${c.role}`;
}

/** Human name of a slice: "1.2k-token prompts with 300-token answers (class chat)". */
export function sliceName(slice: Slice, classCount: number): string {
  const range = (r: [number, number]) => (r[0] === r[1] ? `${r[0]}` : `${r[0]}–${r[1]}`);
  const cls = classCount > 1 ? ` of class ${slice.className}` : '';
  return `${range(slice.inputRange)}-token prompts with ${range(slice.outputRange)}-token answers${cls}`;
}

function seconds(value: number): string {
  return value >= 1 ? `${Number(value.toPrecision(3))} s` : `${Number((value * 1000).toPrecision(3))} ms`;
}

const SIDES: Array<{ side: string; roles: Role[] }> = [
  { side: 'prefill', roles: ['colocated', 'prefill'] },
  { side: 'decode', roles: ['colocated', 'decode'] },
];

/**
 * For every route no candidate can serve whole (on its prefill or its decode side), says which
 * SLO fails and by how much on the candidate that comes closest — or that nothing holds it in
 * memory. A route goes to a pool whole (a router cannot tell its answer lengths apart), so a
 * candidate that misses one of its slices cannot take it.
 */
export function explainUncovered(slices: Slice[], candidates: Candidate[], classCount: number): string[] {
  const reasons: string[] = [];
  const routes = new Map<string, Slice[]>();
  for (const slice of slices) routes.set(slice.route ?? slice.id, [...(routes.get(slice.route ?? slice.id) ?? []), slice]);
  for (const members of routes.values()) {
    for (const { side, roles } of SIDES) {
      const sideCandidates = candidates.filter((c) => roles.includes(c.role));
      if (sideCandidates.some((c) => members.every((s) => c.capacity.has(s.id)))) continue;
      // Explain the slice the fewest candidates serve, among those that serve the rest of the route.
      const servers = (s: Slice) => sideCandidates.filter((c) => c.capacity.has(s.id)).length;
      const hardest = [...members].sort((a, b) => servers(a) - servers(b))[0];
      const rest = sideCandidates.filter((c) => members.every((s) => s === hardest || c.capacity.has(s.id)));
      reasons.push(explainSlice(hardest, side, rest.length > 0 ? rest : sideCandidates, classCount));
    }
  }
  return [...new Set(reasons)];
}

function explainSlice(slice: Slice, side: string, candidates: Candidate[], classCount: number): string {
  const name = sliceName(slice, classCount);
  let best: { ratio: number; text: string } | undefined;
  for (const c of candidates) {
    const idle = c.idle.get(slice.id);
    if (!idle) continue;
    for (const v of idle.violations) {
      const ratio = v.value / v.limit;
      if (best && ratio >= best.ratio) continue;
      const target = v.binding === 'ttft' || v.binding === 'tpot' || v.binding === 'e2e' ? slice.slo[v.binding] : undefined;
      const what = target ? `${v.binding.toUpperCase()} p${target.percentile}` : v.binding;
      best = {
        ratio,
        text: `${what} for ${name} is ${seconds(v.value)} on the fastest candidate (${candidateName(c)}), SLO ${seconds(v.limit)}`,
      };
    }
  }
  if (best) return best.text;
  const reasons = candidates.map((c) => c.unservable.get(slice.id)).filter(Boolean);
  if (reasons.length === 0) return `no allowed GPU type can run the ${side} side of ${name}`;
  return `no ${side}-capable candidate can serve ${name}: ${reasons[0]}`;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Why no instance shape can hold the model at all: its weights against the roomiest shape the
 * spec allows (GPU type × tensor × pipeline parallelism), or why no shape is possible.
 */
export function explainNothingFits(spec: ServiceSpec, gpus: GpuSpec[]): string {
  const base = { model: spec.model, weights: spec.precision.weights, kvCache: spec.precision.kvCache, ep: 1, ...(spec.speculative ? { speculative: spec.speculative } : {}) };
  let roomiest: { name: string; weight: number; usable: number; room: number } | undefined;
  const problems = new Set<string>();
  for (const gpu of gpus) {
    // The shapes the candidates try: tp × pp, and for a fine-grained MoE model EP and DP attention.
    for (const s of parallelShapes(spec.model, gpu.gpusPerNode, spec.planning.tensorParallel, spec.planning.pipelineParallel ?? [1, 2, 4, 8, 16])) {
      const d = { ...base, gpu, tp: s.tp, pp: s.pp, ep: s.ep, ...(s.dp > 1 ? { dp: s.dp } : {}) };
      const shape = shapeProblems(d);
      shape.forEach((p) => problems.add(p));
      if (shape.length > 0 || instanceGpus(d) > Math.max(MAX_WIDE_EP, gpu.gpusPerNode)) continue;
      const plan = memoryPlan(d, 1);
      if (!roomiest || plan.kvRoomBytes > roomiest.room) {
        roomiest = { name: `${gpu.id} ${shapeLabel(s).replace(/\//g, ' ')}`, weight: plan.weightBytes, usable: plan.usableBytes, room: plan.kvRoomBytes };
      }
    }
  }
  const precision = `${spec.model.id} with ${spec.precision.weights} weights`;
  if (!roomiest) return `no allowed instance shape can run ${precision}: ${[...problems].slice(0, 3).join('; ')}`;
  return `${precision} fits no allowed instance shape: on the roomiest, ${roomiest.name}, its weights take ${gib(roomiest.weight)} per GPU of ${gib(roomiest.usable)} usable; allow more GPUs per instance (planning.tensor_parallel, planning.pipeline_parallel), larger GPUs or lower-precision weights`;
}

/**
 * Says why the traffic is too much to plan when even a perfect packing would need more than
 * MAX_FLEET_GPUS: on each side (prefill, decode) every slice on the candidate that serves it
 * with the fewest GPUs per request — a lower bound on any plan. Undefined when the fleet may fit.
 */
export function explainFleetTooLarge(slices: Slice[], candidates: Candidate[], loadFactor: number): string | undefined {
  const sideBound = (roles: Role[]) =>
    slices.reduce((sum, slice) => {
      const perGpu = Math.max(0, ...candidates.filter((c) => roles.includes(c.role)).map((c) => ((c.capacity.get(slice.id)?.ratePerSecond ?? 0) * loadFactor) / c.gpus));
      return sum + (perGpu > 0 ? slice.ratePerSecond / perGpu : 0);
    }, 0);
  const gpus = Math.max(...SIDES.map((s) => sideBound(s.roles)));
  if (!(gpus > MAX_FLEET_GPUS)) return undefined;
  const rate = slices.reduce((sum, s) => sum + s.ratePerSecond, 0);
  const count = gpus < 1e15 ? grouped(Number(gpus.toPrecision(3))) : gpus.toPrecision(3);
  return `serving ${Number(rate.toPrecision(3))} requests/s needs at least ${count} GPUs even on the candidates that take the most requests per GPU; planner plans fleets of up to ${grouped(MAX_FLEET_GPUS)} GPUs`;
}
