import { checkedQuantity } from './models.js';
import type { ComputeDtype, GpuEfficiency, GpuEvidence, GpuNetwork, GpuSpec } from './types.js';

/** Raw efficiency factors as written in a catalog. */
export interface RawEfficiency {
  compute?: Partial<Record<ComputeDtype, number>>;
  memory?: number;
  communication?: number;
  comm_latency?: string;
  kernel_overhead?: string;
  memory_utilization?: number;
  runtime_reserve?: string | number;
  moe?: number;
  dequant?: number;
  roofline_knee?: number;
  kernel_floor?: { gemm?: string; prefill_attention?: string; decode_attention?: string; elementwise?: string };
  attention?: { prefill?: number; decode?: number };
  elementwise?: number;
  send_latency?: string;
}

/** One GPU entry as written in a catalog file (every field optional in an overlay). */
export interface RawGpu {
  name?: string;
  vendor?: string;
  architecture?: string;
  aliases?: string[];
  memory?: string | number;
  memory_bandwidth?: string | number;
  tflops?: Partial<Record<ComputeDtype, number>>;
  interconnect?: { kind?: GpuSpec['interconnect']['kind']; bandwidth?: string | number; domain_size?: number };
  pcie?: { generation?: number; bandwidth?: string | number };
  gpus_per_node?: number;
  network?: string | number | { bandwidth: string | number; per?: 'gpu' | 'instance'; fabric: 'rdma' | 'tcp'; source?: string };
  tdp?: string | number;
  compute_units?: number;
  price?: {
    usd_per_hour?: string | number;
    estimate?: boolean;
    machines?: Array<{ gpus: number; usd_per_hour: string | number; name?: string }>;
    source?: string;
    date?: string;
    committed?: RawPurchasePrice & { term?: string };
    spot?: RawPurchasePrice;
  };
  source?: string;
  notes?: string;
  efficiency?: RawEfficiency;
  evidence?: GpuEvidence;
  evidence_note?: string;
}

const REQUIRED_FIELDS: Array<keyof RawGpu> = [
  'name', 'vendor', 'memory', 'memory_bandwidth', 'tflops', 'interconnect', 'gpus_per_node', 'tdp', 'price',
];
const EFFICIENCY_FIELDS: Array<keyof RawEfficiency> = [
  'compute', 'memory', 'communication', 'comm_latency', 'kernel_overhead', 'memory_utilization', 'runtime_reserve', 'moe',
  'dequant', 'roofline_knee', 'kernel_floor', 'attention', 'elementwise', 'send_latency',
];

/** Fields a merged GPU entry (with its inherited efficiency factors) still lacks. */
export function missingGpuFields(raw: RawGpu, efficiency: RawEfficiency): string[] {
  const missing: string[] = REQUIRED_FIELDS.filter((field) => raw[field] === undefined);
  if (raw.price && raw.price.usd_per_hour === undefined) missing.push('price.usd_per_hour');
  missing.push(...EFFICIENCY_FIELDS.filter((field) => efficiency[field] === undefined).map((field) => `efficiency.${field}`));
  if (efficiency.compute && efficiency.compute.bf16 === undefined) missing.push('efficiency.compute.bf16');
  for (const kind of ['gemm', 'prefill_attention', 'decode_attention', 'elementwise'] as const) {
    if (efficiency.kernel_floor && efficiency.kernel_floor[kind] === undefined) missing.push(`efficiency.kernel_floor.${kind}`);
  }
  for (const phase of ['prefill', 'decode'] as const) {
    if (efficiency.attention && efficiency.attention[phase] === undefined) missing.push(`efficiency.attention.${phase}`);
  }
  return missing;
}

/** Converts a complete, schema-checked GPU entry into SI units. */
export function normalizeGpu(id: string, raw: RawGpu, efficiency: RawEfficiency): GpuSpec {
  const peakFlops: GpuSpec['peakFlops'] = {};
  for (const [dtype, tflops] of Object.entries(raw.tflops ?? {})) peakFlops[dtype as ComputeDtype] = tflops * 1e12;
  const gpusPerNode = raw.gpus_per_node!;
  const pcieBandwidth = raw.pcie?.bandwidth === undefined ? 32e9 : checkedQuantity('bandwidth', raw.pcie.bandwidth);
  return {
    id,
    name: raw.name!,
    vendor: raw.vendor!,
    architecture: raw.architecture,
    aliases: raw.aliases ?? [],
    memoryBytes: checkedQuantity('bytes', raw.memory),
    memoryBandwidth: checkedQuantity('bandwidth', raw.memory_bandwidth),
    peakFlops,
    interconnect: {
      kind: raw.interconnect?.kind ?? 'pcie',
      bandwidth: raw.interconnect?.bandwidth === undefined ? pcieBandwidth : checkedQuantity('bandwidth', raw.interconnect.bandwidth),
      domainSize: raw.interconnect?.domain_size ?? gpusPerNode,
    },
    pcie: { generation: raw.pcie?.generation, bandwidth: pcieBandwidth },
    gpusPerNode,
    network: normalizeNetwork(raw.network),
    tdpWatts: checkedQuantity('power', raw.tdp),
    ...(raw.compute_units !== undefined ? { computeUnits: raw.compute_units } : {}),
    price: {
      usdPerHour: checkedQuantity('price', raw.price!.usd_per_hour),
      ...(raw.price!.estimate ? { estimate: true } : {}),
      ...(raw.price!.machines
        ? { machines: raw.price!.machines.map((m) => ({ gpus: m.gpus, usdPerHour: checkedQuantity('price', m.usd_per_hour), ...(m.name ? { name: m.name } : {}) })) }
        : {}),
      source: raw.price!.source,
      date: raw.price!.date,
      ...(raw.price!.committed ? { committed: { ...purchasePrice(raw.price!.committed), ...(raw.price!.committed.term ? { term: raw.price!.committed.term } : {}) } } : {}),
      ...(raw.price!.spot ? { spot: purchasePrice(raw.price!.spot) } : {}),
    },
    source: raw.source,
    notes: raw.notes,
    efficiency: normalizeEfficiency(efficiency),
    // A type added without saying what its factors rest on has the defaults': microbenchmarks at best.
    evidence: raw.evidence ?? 'microbenchmarks',
    ...(raw.evidence_note ? { evidenceNote: raw.evidence_note } : {}),
  };
}

/** A bare bandwidth is per GPU over an RDMA fabric (how DGX-style clusters are specified). */
function normalizeNetwork(raw: RawGpu['network']): GpuNetwork {
  if (raw === undefined) return { bandwidth: 0, per: 'gpu', fabric: 'tcp' };
  if (typeof raw !== 'object') return { bandwidth: checkedQuantity('bandwidth', raw), per: 'gpu', fabric: 'rdma' };
  return { bandwidth: checkedQuantity('bandwidth', raw.bandwidth), per: raw.per ?? 'gpu', fabric: raw.fabric, ...(raw.source ? { source: raw.source } : {}) };
}

function normalizeEfficiency(raw: RawEfficiency): GpuEfficiency {
  return {
    compute: { ...raw.compute },
    memory: raw.memory!,
    communication: raw.communication!,
    commLatencySeconds: checkedQuantity('duration', raw.comm_latency),
    kernelOverheadSeconds: checkedQuantity('duration', raw.kernel_overhead),
    memoryUtilization: raw.memory_utilization!,
    runtimeReserveBytes: checkedQuantity('bytes', raw.runtime_reserve),
    moe: raw.moe!,
    dequant: raw.dequant!,
    rooflineKnee: raw.roofline_knee!,
    kernelFloorSeconds: {
      gemm: checkedQuantity('duration', raw.kernel_floor!.gemm),
      prefillAttention: checkedQuantity('duration', raw.kernel_floor!.prefill_attention),
      decodeAttention: checkedQuantity('duration', raw.kernel_floor!.decode_attention),
      elementwise: checkedQuantity('duration', raw.kernel_floor!.elementwise),
    },
    attention: { prefill: raw.attention!.prefill!, decode: raw.attention!.decode! },
    elementwise: raw.elementwise!,
    sendLatencySeconds: checkedQuantity('duration', raw.send_latency),
  };
}

/** A committed or spot price as a catalog writes it (schema-checked). */
interface RawPurchasePrice {
  usd_per_hour: string | number;
  source: string;
  date: string;
}

/** A committed or spot price in SI form. */
function purchasePrice(raw: RawPurchasePrice): { usdPerHour: number; source: string; date: string } {
  return { usdPerHour: checkedQuantity('price', raw.usd_per_hour), source: raw.source, date: raw.date };
}
