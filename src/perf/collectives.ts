import type { EngineProfile, GpuSpec } from '../spec/types.js';
import { networkPerGpu } from './transfer.js';

/**
 * Bandwidth (bytes/s per direction) of the link a group of `n` GPUs of one node talks over:
 * the fast interconnect when it joins them all (NVLink, Infinity Fabric, a bridged pair),
 * PCIe otherwise.
 */
export function groupLinkBandwidth(gpu: GpuSpec, n: number): number {
  return n <= gpu.interconnect.domainSize ? gpu.interconnect.bandwidth : gpu.pcie.bandwidth;
}

/**
 * All-reduce of `bytes` over `n` GPUs: α + 2(n−1)/n · bytes / (η · link bandwidth). α is the
 * engine's one-shot custom all-reduce where it applies (a small message inside an NVLink or
 * Infinity Fabric domain), NCCL's ring latency (the GPU's `comm_latency`) otherwise.
 */
export function allReduceTime(gpu: GpuSpec, n: number, bytes: number, engine?: Pick<EngineProfile, 'customAllreduce'>): number {
  if (n <= 1) return 0;
  const bandwidth = gpu.efficiency.communication * groupLinkBandwidth(gpu, n);
  const custom = engine?.customAllreduce;
  const oneShot = custom !== undefined && bytes <= custom.maxBytes && n <= gpu.interconnect.domainSize && gpu.interconnect.kind !== 'pcie';
  const alpha = oneShot ? custom.latencySeconds : gpu.efficiency.commLatencySeconds;
  return alpha + ((2 * (n - 1)) / n) * (bytes / bandwidth);
}

/** All-to-all where each of `n` GPUs holds `bytes` and keeps 1/n of them (MoE token dispatch). */
export function allToAllTime(gpu: GpuSpec, n: number, bytes: number): number {
  if (n <= 1) return 0;
  const bandwidth = gpu.efficiency.communication * groupLinkBandwidth(gpu, n);
  return gpu.efficiency.commLatencySeconds + ((n - 1) / n) * (bytes / bandwidth);
}

/** Point-to-point send of `bytes` between pipeline stages, inside a node or across the network: a copy at the link's speed. */
export function sendTime(gpu: GpuSpec, bytes: number, crossNode: boolean): number {
  const link = crossNode ? networkPerGpu(gpu) : gpu.interconnect.bandwidth;
  return gpu.efficiency.sendLatencySeconds + bytes / (link > 0 ? link : gpu.pcie.bandwidth);
}
