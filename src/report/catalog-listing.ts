import { kvBytesPerToken, windowedLayers } from '../perf/kv-cache.js';
import { attentionLayers, linearStateBytesPerSequence } from '../perf/linear-attention.js';
import { activeParams, totalParams } from '../perf/model-size.js';
import type { ModelRegistry } from '../input/models.js';
import type { Catalog, ComputeDtype, GpuSpec, ModelArch } from '../input/types.js';
import { formatBandwidth, formatBytes, formatCount, formatPower, formatUsd, sig } from './format.js';
import { renderTable } from './table.js';
import type { Column } from './table.js';

const TFLOPS_COLUMNS: ComputeDtype[] = ['bf16', 'fp8', 'int8', 'fp4'];

/** A network bandwidth in bits, as links are sold: 100 Mb/s, 400 Gb/s. */
function formatBits(bytesPerSecond: number): string {
  const bits = bytesPerSecond * 8;
  return bits >= 1e9 ? `${sig(bits / 1e9)} Gb/s` : `${sig(bits / 1e6)} Mb/s`;
}

function sortedGpus(catalog: Catalog): GpuSpec[] {
  return Object.values(catalog.gpus).sort((a, b) => a.id.localeCompare(b.id));
}

/** The catalog as a table of the figures a buyer compares, and what each type's performance factors rest on. */
export function gpuTable(catalog: Catalog, paintHeader?: (text: string) => string): string {
  const columns: Column[] = [
    { header: 'ID' },
    { header: 'NAME' },
    { header: 'MEMORY', align: 'right' },
    { header: 'BANDWIDTH', align: 'right' },
    ...TFLOPS_COLUMNS.map((d) => ({ header: `${d.toUpperCase()} TFLOPS`, align: 'right' as const })),
    { header: 'INTERCONNECT' },
    { header: 'NETWORK' },
    { header: '$/GPU-H', align: 'right' },
    { header: 'RENTED', align: 'right' },
    { header: 'TDP', align: 'right' },
    { header: 'EVIDENCE' },
  ];
  const rows = sortedGpus(catalog).map((gpu) => [
    gpu.id,
    gpu.name,
    formatBytes(gpu.memoryBytes),
    formatBandwidth(gpu.memoryBandwidth),
    ...TFLOPS_COLUMNS.map((d) => (gpu.peakFlops[d] ? sig(gpu.peakFlops[d]! / 1e12, 4) : '-')),
    `${gpu.interconnect.kind} ${formatBandwidth(gpu.interconnect.bandwidth)}`,
    gpu.network.bandwidth > 0 ? `${gpu.network.fabric} ${formatBits(gpu.network.bandwidth)}${gpu.network.per === 'instance' ? '/instance' : '/GPU'}` : '-',
    `${formatUsd(gpu.price.usdPerHour)}${gpu.price.estimate ? ' (estimate)' : ''}`,
    gpu.price.machines ? `${gpu.price.machines.map((m) => m.gpus).join('/')}-GPU machines` : 'per GPU',
    formatPower(gpu.tdpWatts),
    gpu.evidence,
  ]);
  return renderTable(columns, rows, paintHeader);
}

/** The catalog as versioned JSON (SI units, unit in each name). */
export function gpuJson(catalog: Catalog): object {
  return {
    version: 1,
    gpus: sortedGpus(catalog).map((gpu) => ({
      id: gpu.id,
      name: gpu.name,
      vendor: gpu.vendor,
      architecture: gpu.architecture ?? null,
      aliases: gpu.aliases,
      memoryBytes: gpu.memoryBytes,
      memoryBandwidthBytesPerSecond: gpu.memoryBandwidth,
      denseTflops: Object.fromEntries(Object.entries(gpu.peakFlops).map(([d, f]) => [d, f / 1e12])),
      interconnect: {
        kind: gpu.interconnect.kind,
        bandwidthBytesPerSecond: gpu.interconnect.bandwidth,
        domainSize: gpu.interconnect.domainSize,
      },
      pcieBandwidthBytesPerSecond: gpu.pcie.bandwidth,
      gpusPerNode: gpu.gpusPerNode,
      network: { bandwidthBytesPerSecond: gpu.network.bandwidth, per: gpu.network.per, fabric: gpu.network.fabric },
      tdpWatts: gpu.tdpWatts,
      priceUsdPerHour: gpu.price.usdPerHour,
      priceEstimate: gpu.price.estimate === true,
      machines: (gpu.price.machines ?? []).map((m) => ({ gpus: m.gpus, usdPerHour: m.usdPerHour, name: m.name ?? null })),
      priceSource: gpu.price.source ?? null,
      priceDate: gpu.price.date ?? null,
      source: gpu.source ?? null,
      evidence: gpu.evidence,
      evidenceNote: gpu.evidenceNote ?? null,
    })),
  };
}

/** Names of the linear-attention kinds as model cards write them. */
const LINEAR_KIND: Record<NonNullable<ModelArch['linearAttention']>['kind'], string> = { 'gated-deltanet': 'Gated DeltaNet', mamba2: 'Mamba-2' };

/**
 * The attention kind, with its sliding window where layers keep one ("GQA, 128-token window on 18
 * of 36 layers") and a hybrid's linear-attention layers with their state per sequence ("GQA on 12
 * of 48 layers, Gated DeltaNet on 36 (1.1 MiB of state per sequence)").
 */
function attentionText(model: ModelArch): string {
  const la = model.linearAttention;
  const kind = la ? `${model.attention.toUpperCase()} on ${attentionLayers(model)} of ${model.layers} layers` : model.attention.toUpperCase();
  const window = model.slidingWindow ? `, ${model.slidingWindow.sizeTokens}-token window on ${windowedLayers(model)}${la ? '' : ` of ${model.layers} layers`}` : '';
  const linear = la ? `, ${LINEAR_KIND[la.kind]} on ${la.layers} (${formatBytes(linearStateBytesPerSequence(model))} of state per sequence)` : '';
  return kind + window + linear;
}

function experts(model: ModelArch): string {
  if (!model.moe) return '-';
  const shared = model.moe.sharedExperts > 0 ? ` +${model.moe.sharedExperts} shared` : '';
  return `${model.moe.experts} (${model.moe.activeExperts} active${shared})`;
}

/**
 * The model presets as a table: size, shape and KV-cache cost per token; with `given`, the names
 * the models were asked by, one per row, in a first column (several names may read as one preset).
 */
export function modelTable(registry: ModelRegistry, paintHeader?: (text: string) => string, given?: string[]): string {
  const columns: Column[] = [
    ...(given ? [{ header: 'GIVEN' }] : []),
    { header: 'ID' },
    { header: 'PARAMS', align: 'right' },
    { header: 'ACTIVE', align: 'right' },
    { header: 'LAYERS', align: 'right' },
    { header: 'HIDDEN', align: 'right' },
    { header: 'HEADS/KV', align: 'right' },
    { header: 'ATTENTION' },
    { header: 'KV/TOKEN (BF16)', align: 'right' },
    { header: 'EXPERTS' },
    { header: 'CONTEXT', align: 'right' },
    { header: 'WEIGHTS' },
  ];
  const rows = registry.models.map((m, i) => [
    ...(given ? [given[i]] : []),
    m.id,
    formatCount(totalParams(m)),
    formatCount(activeParams(m)),
    String(m.layers),
    String(m.hiddenSize),
    m.attention === 'mla' ? `${m.heads}/latent` : `${m.heads}/${m.kvHeads}`,
    attentionText(m),
    formatBytes(kvBytesPerToken(m, 'bf16')),
    experts(m),
    m.maxContextTokens ? String(m.maxContextTokens) : '-',
    m.nativePrecision,
  ]);
  return renderTable(columns, rows, paintHeader);
}

/** The model presets as versioned JSON; with `given`, each with the name it was asked by. */
export function modelJson(registry: ModelRegistry, given?: string[]): object {
  return {
    version: 1,
    models: registry.models.map((m, i) => ({
      ...(given ? { given: given[i] } : {}),
      id: m.id,
      name: m.name,
      aliases: m.aliases,
      params: totalParams(m),
      activeParams: activeParams(m),
      publishedParams: m.publishedParams ?? null,
      layers: m.layers,
      hiddenSize: m.hiddenSize,
      heads: m.heads,
      kvHeads: m.kvHeads,
      headDim: m.headDim,
      ffnSize: m.ffnSize,
      vocabSize: m.vocabSize,
      attention: m.attention,
      kvBytesPerTokenBf16: kvBytesPerToken(m, 'bf16'),
      moe: m.moe ?? null,
      mla: m.mla ?? null,
      slidingWindow: m.slidingWindow ?? null,
      linearAttention: m.linearAttention ?? null,
      linearStateBytesPerSequence: linearStateBytesPerSequence(m),
      maxContextTokens: m.maxContextTokens ?? null,
      nativePrecision: m.nativePrecision,
      source: m.source ?? null,
    })),
  };
}
