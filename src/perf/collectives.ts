import type { EngineProfile, GpuSpec } from '../input/types.js';
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

/**
 * All-to-all in which each of `n` GPUs sends `bytes` spread evenly over the group (MoE dispatch
 * or combine): of the (n−1)/n that leaves a GPU, the share bound for its own node's peers goes
 * over the interconnect and the share bound for other nodes over the network (its per-GPU
 * bandwidth), both at the communication efficiency and at the same time, so the slower sets the
 * time; plus one collective latency.
 */
export function allToAllTime(gpu: GpuSpec, n: number, bytes: number): number {
  if (n <= 1) return 0;
  const eta = gpu.efficiency.communication;
  const local = Math.min(n, gpu.gpusPerNode);
  const inNode = local > 1 ? (((local - 1) / n) * bytes) / (eta * groupLinkBandwidth(gpu, local)) : 0;
  if (n <= gpu.gpusPerNode) return gpu.efficiency.commLatencySeconds + inNode;
  const network = networkPerGpu(gpu);
  const crossNode = (((n - local) / n) * bytes) / (eta * (network > 0 ? network : gpu.pcie.bandwidth));
  return gpu.efficiency.commLatencySeconds + Math.max(inNode, crossNode);
}

/** Point-to-point send of `bytes` between pipeline stages, inside a node or across the network: a copy at the link's speed. */
export function sendTime(gpu: GpuSpec, bytes: number, crossNode: boolean): number {
  const link = crossNode ? networkPerGpu(gpu) : gpu.interconnect.bandwidth;
  return gpu.efficiency.sendLatencySeconds + bytes / (link > 0 ? link : gpu.pcie.bandwidth);
}
