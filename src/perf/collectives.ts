import type { GpuSpec } from '../spec/types.js';
import { networkPerGpu } from './transfer.js';

/**
 * Bandwidth (bytes/s per direction) of the link a group of `n` GPUs of one node talks over:
 * the fast interconnect when it joins them all (NVLink, Infinity Fabric, a bridged pair),
 * PCIe otherwise.
 */
export function groupLinkBandwidth(gpu: GpuSpec, n: number): number {
  return n <= gpu.interconnect.domainSize ? gpu.interconnect.bandwidth : gpu.pcie.bandwidth;
}

/** Ring all-reduce of `bytes` over `n` GPUs: α + 2(n−1)/n · bytes / (η · link bandwidth). */
export function allReduceTime(gpu: GpuSpec, n: number, bytes: number): number {
  if (n <= 1) return 0;
  const bandwidth = gpu.efficiency.communication * groupLinkBandwidth(gpu, n);
  return gpu.efficiency.commLatencySeconds + ((2 * (n - 1)) / n) * (bytes / bandwidth);
}

/** All-to-all where each of `n` GPUs holds `bytes` and keeps 1/n of them (MoE token dispatch). */
export function allToAllTime(gpu: GpuSpec, n: number, bytes: number): number {
  if (n <= 1) return 0;
  const bandwidth = gpu.efficiency.communication * groupLinkBandwidth(gpu, n);
  return gpu.efficiency.commLatencySeconds + ((n - 1) / n) * (bytes / bandwidth);
}

/** Point-to-point send of `bytes` between pipeline stages, inside a node or across the network. */
export function sendTime(gpu: GpuSpec, bytes: number, crossNode: boolean): number {
  const link = crossNode ? networkPerGpu(gpu) : gpu.interconnect.bandwidth;
  const bandwidth = gpu.efficiency.communication * (link > 0 ? link : gpu.pcie.bandwidth);
  return gpu.efficiency.commLatencySeconds + bytes / bandwidth;
}
