import { instanceGpus, shapeProblems } from '../perf/deployment.js';
import type { Deployment } from '../perf/deployment.js';
import { memoryPlan } from '../perf/memory.js';
import { kvLinkExists, NODE_LOCAL } from '../perf/transfer.js';
import type { KvLink } from '../perf/transfer.js';
import type { GpuSpec, ServiceSpec } from '../input/types.js';

/**
 * Where a prefill candidate sends its KV: decode instances of one GPU type, over the network
 * between instances or inside one node. Prefill and decode candidates of the same pairing class
 * balance each other in the MILP; a node-local class must fit one node.
 */
export interface KvPartner {
  /** The decode instance the transfer is timed against: the narrowest shape of the type that holds the model. */
  decode: Deployment;
  link: KvLink;
  pairClass: string;
  /** What the prefill candidate's id gains: "" (own type, network), "-to-h200", "@node". */
  idSuffix: string;
}

/** The decode GPU types a prefill GPU may hand KV to (planning.disaggregation_pairs). */
function partnerTypes(spec: ServiceSpec, gpu: GpuSpec, gpus: GpuSpec[]): GpuSpec[] {
  switch (spec.planning.disaggregationPairs) {
    case 'same-gpu':
      return [gpu];
    case 'same-vendor':
      return gpus.filter((g) => g.vendor === gpu.vendor);
    default:
      return gpus;
  }
}

/** The narrowest instance of a GPU type (fewest GPUs) that holds the model, or undefined. */
export function narrowestShape(base: Omit<Deployment, 'gpu' | 'tp' | 'pp' | 'ep'>, gpu: GpuSpec, degrees: { tp: number[]; pp: number[] }): Deployment | undefined {
  for (const pp of degrees.pp) {
    for (const tp of degrees.tp) {
      const d: Deployment = { ...base, gpu, tp, pp, ep: 1 };
      if (shapeProblems(d).length === 0 && memoryPlan(d, 1).fits) return d;
    }
  }
  return undefined;
}

/**
 * The partners of a prefill instance: every decode type it may hand KV to over the network
 * (where both offerings have one), and its own type inside one node (where a decode instance
 * still fits beside it).
 */
export function kvPartners(
  spec: ServiceSpec,
  prefill: Deployment,
  gpus: GpuSpec[],
  decodeShape: (gpu: GpuSpec) => Deployment | undefined,
): KvPartner[] {
  const partners: KvPartner[] = [];
  for (const gpu of partnerTypes(spec, prefill.gpu, gpus)) {
    const decode = decodeShape(gpu);
    if (!decode || !kvLinkExists(prefill, decode, 'network')) continue;
    partners.push({ decode, link: 'network', pairClass: gpu.id, idSuffix: gpu.id === prefill.gpu.id ? '' : `-to-${gpu.id}` });
  }
  const own = decodeShape(prefill.gpu);
  if (own && kvLinkExists(prefill, own, 'node')) partners.push({ decode: own, link: 'node', pairClass: `${prefill.gpu.id}${NODE_LOCAL}`, idSuffix: NODE_LOCAL });
  return partners;
}

/** The pairing classes a decode instance can join: its own type over the network, and inside one node beside a prefill instance. */
export function decodeClasses(decode: Deployment): Array<{ pairClass: string; idSuffix: string }> {
  const classes = decode.gpu.network.bandwidth > 0 ? [{ pairClass: decode.gpu.id, idSuffix: '' }] : [];
  if (instanceGpus(decode) < decode.gpu.gpusPerNode) classes.push({ pairClass: `${decode.gpu.id}${NODE_LOCAL}`, idSuffix: NODE_LOCAL });
  return classes;
}
