import type { KvDtype, ModelArch } from '../input/types.js';
import { bytesPerValue } from './dtypes.js';
import { attentionLayers, linearStateBytesPerSequence } from './linear-attention.js';

/** Values one layer caches per token: K and V of every KV head, or MLA's compressed latent. */
export function kvValuesPerTokenPerLayer(arch: ModelArch): number {
  if (arch.mla) return arch.mla.kvLoraRank + arch.mla.qkRopeHeadDim;
  return 2 * arch.kvHeads * arch.headDim;
}

/** KV-cache bytes per token of context across the attention layers (no sliding-window savings; linear-attention layers keep none). */
export function kvBytesPerToken(arch: ModelArch, kvDtype: KvDtype): number {
  return attentionLayers(arch) * kvValuesPerTokenPerLayer(arch) * bytesPerValue(kvDtype);
}

/** Attention layers that keep a sliding window rather than the full context. */
export function windowedLayers(arch: ModelArch): number {
  if (!arch.slidingWindow) return 0;
  const layers = attentionLayers(arch);
  const fullEvery = arch.slidingWindow.fullEvery;
  return fullEvery === 0 ? layers : layers - Math.floor(layers / fullEvery);
}

/** Tokens of KV cache held per attention layer on average for a sequence of `contextTokens`. */
export function cachedTokensPerLayer(arch: ModelArch, contextTokens: number): number {
  const windowed = windowedLayers(arch);
  if (windowed === 0) return contextTokens;
  const layers = attentionLayers(arch);
  const window = Math.min(contextTokens, arch.slidingWindow!.sizeTokens);
  return ((layers - windowed) * contextTokens + windowed * window) / layers;
}

/** KV-cache bytes of one sequence of `contextTokens` (sliding windows honoured), with the linear-attention layers' fixed state. */
export function kvBytesPerSequence(arch: ModelArch, kvDtype: KvDtype, contextTokens: number): number {
  return kvBytesPerToken(arch, kvDtype) * cachedTokensPerLayer(arch, contextTokens) + linearStateBytesPerSequence(arch);
}
