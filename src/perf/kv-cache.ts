import type { KvDtype, ModelArch } from '../input/types.js';
import { bytesPerValue } from './dtypes.js';

/** Values one layer caches per token: K and V of every KV head, or MLA's compressed latent. */
export function kvValuesPerTokenPerLayer(arch: ModelArch): number {
  if (arch.mla) return arch.mla.kvLoraRank + arch.mla.qkRopeHeadDim;
  return 2 * arch.kvHeads * arch.headDim;
}

/** KV-cache bytes per token of context across all layers (no sliding-window savings). */
export function kvBytesPerToken(arch: ModelArch, kvDtype: KvDtype): number {
  return arch.layers * kvValuesPerTokenPerLayer(arch) * bytesPerValue(kvDtype);
}

/** Layers that keep a sliding window rather than the full context. */
export function windowedLayers(arch: ModelArch): number {
  if (!arch.slidingWindow) return 0;
  const fullEvery = arch.slidingWindow.fullEvery;
  return fullEvery === 0 ? arch.layers : arch.layers - Math.floor(arch.layers / fullEvery);
}

/** Tokens of KV cache held per layer on average for a sequence of `contextTokens`. */
export function cachedTokensPerLayer(arch: ModelArch, contextTokens: number): number {
  const windowed = windowedLayers(arch);
  if (windowed === 0) return contextTokens;
  const window = Math.min(contextTokens, arch.slidingWindow!.sizeTokens);
  return ((arch.layers - windowed) * contextTokens + windowed * window) / arch.layers;
}

/** KV-cache bytes of one sequence of `contextTokens` (sliding windows honoured). */
export function kvBytesPerSequence(arch: ModelArch, kvDtype: KvDtype, contextTokens: number): number {
  return kvBytesPerToken(arch, kvDtype) * cachedTokensPerLayer(arch, contextTokens);
}
