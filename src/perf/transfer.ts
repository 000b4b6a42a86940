import type { GpuSpec } from '../input/types.js';
import type { Deployment } from './deployment.js';
import { effectiveBandwidth, instanceGpus } from './deployment.js';
import type { EngineProfile } from '../input/types.js';
import { kvBytesPerSequence } from './kv-cache.js';
import { asEngineRunsIt, linearStateBytesPerSequence } from './linear-attention.js';

/**
 * Where a prefill instance's KV cache goes: to a decode instance in the same node (over the
 * node's interconnect: NVLink, Infinity Fabric, PCIe) or in another one (over the network
 * between instances of the offerings).
 */
export type KvLink = 'node' | 'network';

/** Suffix of a node-local pairing class (prefill and decode pools that share one node) and of its candidates' ids. */
export const NODE_LOCAL = '@node';

/** Whether a pairing class is node-local: its pools share one node and move KV over its interconnect. */
export function isNodeLocal(pairClass: string | undefined): boolean {
  return pairClass !== undefined && pairClass.endsWith(NODE_LOCAL);
}

/** Network bandwidth one GPU of an offering has towards other instances (a per-instance link shared by the node). */
export function networkPerGpu(gpu: GpuSpec): number {
  return gpu.network.per === 'gpu' ? gpu.network.bandwidth : gpu.network.bandwidth / gpu.gpusPerNode;
}

/** GPUs of an instance that hold distinct KV shards (heads split over tensor parallelism, layers over stages). */
function shardHolders(d: Deployment): number {
  const heads = d.model.mla ? 1 : Math.min(d.tp, d.model.kvHeads);
  return heads * d.pp;
}

/** Bandwidth (bytes/s) one side of a transfer sends or receives at: each of `holders` GPUs over its own link, or the instance's one link. */
function sideBandwidth(d: Deployment, link: KvLink, holders = shardHolders(d)): number {
  if (link === 'node') return holders * d.gpu.interconnect.bandwidth;
  return d.gpu.network.per === 'instance' ? d.gpu.network.bandwidth : holders * d.gpu.network.bandwidth;
}

/** Whether KV can move between the two instances over this link at all. */
export function kvLinkExists(prefill: Deployment, decode: Deployment, link: KvLink): boolean {
  // Inside one node: the same offering, both instances in its GPUs — and pods of any size (an
  // offering rented by the machine would need both on one machine, which its packing does not ask).
  if (link === 'node') return prefill.gpu.id === decode.gpu.id && !prefill.gpu.price.machines && instanceGpus(prefill) + instanceGpus(decode) <= prefill.gpu.gpusPerNode;
  return prefill.gpu.network.bandwidth > 0 && decode.gpu.network.bandwidth > 0;
}

/**
 * Seconds to move the KV cache of an `inputTokens` prompt from a prefill instance to a decode
 * instance: the prompt's KV bytes over the slower side (each GPU that holds a distinct shard
 * sends or receives over its own link; a per-instance network link is shared), at the
 * communication efficiency, plus one collective latency; when the two differ in tensor
 * parallelism the decode side also re-lays the KV out (one read and one write of its share in
 * HBM), as heterogeneous-TP connectors do.
 */
export function kvTransferSeconds(prefill: Deployment, decode: Deployment, inputTokens: number, link: KvLink, engine?: Pick<EngineProfile, 'linearState'>): number {
  if (!kvLinkExists(prefill, decode, link)) return Infinity;
  // A hybrid's linear-attention state (in the engine's precision where it sets one) splits over
  // every GPU (heads over TP, layers over stages).
  const state = linearStateBytesPerSequence(asEngineRunsIt(prefill.model, engine));
  const bytes = kvBytesPerSequence(prefill.model, prefill.kvCache, inputTokens) - state;
  const everyGpu = (d: Deployment) => d.tp * d.pp;
  const bandwidth = Math.min(sideBandwidth(prefill, link), sideBandwidth(decode, link));
  const stateBandwidth = Math.min(sideBandwidth(prefill, link, everyGpu(prefill)), sideBandwidth(decode, link, everyGpu(decode)));
  const efficiency = Math.min(prefill.gpu.efficiency.communication, decode.gpu.efficiency.communication);
  const reshard = prefill.tp === decode.tp ? 0 : (2 * bytes) / shardHolders(decode) / effectiveBandwidth(decode.gpu) + (2 * state) / everyGpu(decode) / effectiveBandwidth(decode.gpu);
  const send = bytes / (efficiency * bandwidth) + (state > 0 ? state / (efficiency * stateBandwidth) : 0);
  return Math.max(prefill.gpu.efficiency.commLatencySeconds, decode.gpu.efficiency.commLatencySeconds) + send + reshard;
}
