import { closestNames } from './did-you-mean.js';
import type { InputIssue } from './issues.js';
import { checkedQuantity } from './models.js';
import type { Catalog, ComputeDtype, GpuEfficiency, GpuSpec } from './types.js';
import type { YamlSource } from './yaml-source.js';

/** Raw efficiency factors as written in a catalog. */
export interface RawEfficiency {
  compute?: Partial<Record<ComputeDtype, number>>;
  memory?: number;
  communication?: number;
  comm_latency?: string;
  kernel_overhead?: string;
  step_overhead?: string;
  memory_utilization?: number;
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
  network?: string | number;
  tdp?: string | number;
  price?: { usd_per_hour?: string | number; source?: string; date?: string };
  source?: string;
  notes?: string;
  efficiency?: RawEfficiency;
}

/** A catalog file as written (schema-checked). */
export interface RawCatalog {
  version?: number;
  defaults?: { efficiency?: RawEfficiency };
  gpus: Record<string, RawGpu>;
}

/** Fields a GPU type must have once every catalog file is merged. */
const REQUIRED_FIELDS: Array<keyof RawGpu> = [
  'name', 'vendor', 'memory', 'memory_bandwidth', 'tflops', 'interconnect', 'gpus_per_node', 'tdp', 'price',
];

type Mergeable = Record<string, unknown>;

function isPlainObject(value: unknown): value is Mergeable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge: mappings merge key by key, everything else in `top` replaces `base`. */
export function deepMerge<T>(base: T, top: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(top)) return (top === undefined ? base : top) as T;
  const merged: Mergeable = { ...base };
  for (const [key, value] of Object.entries(top)) merged[key] = deepMerge(merged[key], value);
  return merged as T;
}

/**
 * Merges catalog files in order (the first is the base, later ones override fields or add types),
 * checks that every type is complete and returns the normalised catalog.
 */
export function buildCatalog(sources: YamlSource[]): { catalog: Catalog; issues: InputIssue[] } {
  let merged: RawCatalog = { gpus: {} };
  const introducedBy = new Map<string, YamlSource>();
  for (const source of sources) {
    const raw = source.data as RawCatalog;
    for (const id of Object.keys(raw.gpus ?? {})) if (!introducedBy.has(id)) introducedBy.set(id, source);
    merged = deepMerge(merged, raw);
  }
  const issues: InputIssue[] = [];
  const gpus: Record<string, GpuSpec> = {};
  const efficiencyDefaults = merged.defaults?.efficiency ?? {};
  for (const id of Object.keys(merged.gpus).sort()) {
    const raw = merged.gpus[id];
    const efficiency = deepMerge(efficiencyDefaults, raw.efficiency ?? {});
    const missing: string[] = REQUIRED_FIELDS.filter((field) => raw[field] === undefined);
    if (raw.price && raw.price.usd_per_hour === undefined) missing.push('price.usd_per_hour');
    missing.push(...missingEfficiency(efficiency));
    if (missing.length > 0) {
      const source = introducedBy.get(id)!;
      const hint = closestNames(id, Object.keys(merged.gpus).filter((other) => other !== id));
      const overrideHint = hint.length > 0 ? ` (to override a known type, use its id: ${hint.join(', ')})` : '';
      issues.push(source.issueAt(['gpus', id], `gpus.${id}: GPU type is missing ${missing.join(', ')}${overrideHint}`, 'key'));
      continue;
    }
    gpus[id] = normalizeGpu(id, raw, efficiency);
  }
  return { catalog: { gpus }, issues };
}

function normalizeGpu(id: string, raw: RawGpu, efficiency: RawEfficiency): GpuSpec {
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
    networkBandwidth: raw.network === undefined ? 0 : checkedQuantity('bandwidth', raw.network),
    tdpWatts: checkedQuantity('power', raw.tdp),
    price: {
      usdPerHour: checkedQuantity('price', raw.price!.usd_per_hour),
      source: raw.price!.source,
      date: raw.price!.date,
    },
    source: raw.source,
    notes: raw.notes,
    efficiency: normalizeEfficiency(efficiency),
  };
}

const EFFICIENCY_FIELDS: Array<keyof RawEfficiency> = [
  'compute', 'memory', 'communication', 'comm_latency', 'kernel_overhead', 'step_overhead', 'memory_utilization',
];

/** Names of the efficiency factors a GPU type lacks after merging the catalog defaults. */
function missingEfficiency(raw: RawEfficiency): string[] {
  return EFFICIENCY_FIELDS.filter((field) => raw[field] === undefined).map((field) => `efficiency.${field}`);
}

function normalizeEfficiency(raw: RawEfficiency): GpuEfficiency {
  return {
    compute: { ...raw.compute },
    memory: raw.memory!,
    communication: raw.communication!,
    commLatencySeconds: checkedQuantity('duration', raw.comm_latency),
    kernelOverheadSeconds: checkedQuantity('duration', raw.kernel_overhead),
    stepOverheadSeconds: checkedQuantity('duration', raw.step_overhead),
    memoryUtilization: raw.memory_utilization!,
  };
}

/** Finds a GPU type by id or alias (case-insensitive). */
export function resolveGpuId(catalog: Catalog, name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  if (catalog.gpus[lower]) return lower;
  for (const gpu of Object.values(catalog.gpus)) {
    if (gpu.aliases.some((alias) => alias.toLowerCase() === lower)) return gpu.id;
  }
  return undefined;
}

/** Every name a GPU type answers to, mapped to its id (for "did you mean" hints). */
export function gpuNames(catalog: Catalog): Map<string, string> {
  return new Map(Object.values(catalog.gpus).flatMap((gpu) => [gpu.id, ...gpu.aliases].map((name) => [name, gpu.id] as const)));
}
