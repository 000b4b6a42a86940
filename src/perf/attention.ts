import type { ModelArch } from '../input/types.js';
import { windowedLayers } from './kv-cache.js';
import { attentionLayers } from './linear-attention.js';

/** A prefill chunk: `count` sequences each adding `tokens` prompt tokens after `prefixTokens` cached ones. */
export interface PrefillChunk {
  count: number;
  tokens: number;
  prefixTokens: number;
}

/** Σ_{i=1..n} min(i, w): query–key pairs of n consecutive positions under a window of w. */
function windowedPrefixSum(n: number, w: number): number {
  if (n <= w) return (n * (n + 1)) / 2;
  return (w * (w + 1)) / 2 + (n - w) * w;
}

/** Causal query–key pairs of one prefill chunk in one layer, with or without a sliding window. */
function chunkPairs(chunk: PrefillChunk, window: number): number {
  const end = chunk.prefixTokens + chunk.tokens;
  return windowedPrefixSum(end, window) - windowedPrefixSum(chunk.prefixTokens, window);
}

/** Mean query–key pairs per attention layer of the prefill chunks (windowed layers see fewer keys). */
export function prefillPairsPerLayer(model: ModelArch, chunks: PrefillChunk[]): number {
  const windowed = windowedLayers(model) / attentionLayers(model);
  const window = model.slidingWindow?.sizeTokens ?? Infinity;
  let pairs = 0;
  for (const chunk of chunks) {
    const full = chunkPairs(chunk, Infinity);
    const limited = windowed > 0 ? chunkPairs(chunk, window) : full;
    pairs += chunk.count * ((1 - windowed) * full + windowed * limited);
  }
  return pairs;
}

/** Mean keys per attention layer a decoding token attends to, at a context of `contextTokens`. */
export function decodeKeysPerLayer(model: ModelArch, contextTokens: number): number {
  const windowed = windowedLayers(model) / attentionLayers(model);
  const window = Math.min(contextTokens, model.slidingWindow?.sizeTokens ?? Infinity);
  return (1 - windowed) * contextTokens + windowed * window;
}
