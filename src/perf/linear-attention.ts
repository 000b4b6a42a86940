import type { EngineProfile, LinearAttentionArch, ModelArch } from '../input/types.js';

/**
 * Linear-attention layers of hybrid models (Gated DeltaNet, Mamba-2): each keeps a fixed
 * recurrent state per sequence, whatever its length, in place of a KV cache that grows with it.
 */

/**
 * Bytes per value of the convolution state: vLLM keeps it in the model's dtype
 * (`--mamba-cache-dtype auto`), whatever `--kv-cache-dtype` says; the recurrent state's is the
 * model's (LinearAttentionArch.stateDtype).
 */
const CONV_STATE_BYTES = 2;

/** Tokens per chunk of the chunked prefill scan (flash-linear-attention's and Mamba-2's kernels: 64). */
export const SCAN_CHUNK = 64;

/** The model as an engine runs it: a hybrid's recurrent state in the engine's precision where its profile sets one (SGLang's fp32). */
export function asEngineRunsIt(model: ModelArch, engine: Pick<EngineProfile, 'linearState'> | undefined): ModelArch {
  const la = model.linearAttention;
  const dtype = engine?.linearState?.stateDtype;
  return la && dtype && dtype !== la.stateDtype ? { ...model, linearAttention: { ...la, stateDtype: dtype } } : model;
}

/** Layers that keep softmax attention (and a KV cache): all but the linear-attention ones. */
export function attentionLayers(arch: ModelArch): number {
  return arch.layers - (arch.linearAttention?.layers ?? 0);
}

/** Fraction of the layers with softmax attention (1 for a plain transformer). */
export function attentionShare(arch: ModelArch): number {
  return attentionLayers(arch) / arch.layers;
}

/** Heads of one GPU of a tensor-parallel group of `tp`: value heads split; key heads split, replicated once tp exceeds them (Mamba-2's groups). */
export function linearHeadsPerGpu(la: LinearAttentionArch, tp: number): { keyHeads: number; valueHeads: number } {
  return { keyHeads: Math.max(1, Math.ceil(la.keyHeads / tp)), valueHeads: Math.max(1, Math.ceil(la.valueHeads / tp)) };
}

/** Channels of the causal convolution (q, k and v; Mamba-2's B, C and x) on one GPU. */
function convChannels(la: LinearAttentionArch, tp: number): number {
  const { keyHeads, valueHeads } = linearHeadsPerGpu(la, tp);
  return 2 * keyHeads * la.keyHeadDim + valueHeads * la.valueHeadDim;
}

/** Scalars per value head the input projection also yields: Gated DeltaNet's β and decay, Mamba-2's Δt. */
function headScalars(la: LinearAttentionArch): number {
  return la.kind === 'gated-deltanet' ? 2 : 1;
}

/** Width of the input projection on one GPU: q, k, v, the output gate z and the per-head scalars. */
export function linearInputWidth(la: LinearAttentionArch, tp: number): number {
  const { valueHeads } = linearHeadsPerGpu(la, tp);
  return convChannels(la, tp) + valueHeads * (la.valueHeadDim + headScalars(la));
}

/** Recurrent-state values of one layer for one sequence on one GPU (keyHeadDim × valueHeadDim per value head). */
export function recurrentStateValues(la: LinearAttentionArch, tp: number): number {
  return linearHeadsPerGpu(la, tp).valueHeads * la.keyHeadDim * la.valueHeadDim;
}

/**
 * State bytes one sequence keeps per linear-attention layer on one GPU, in one state block: the
 * recurrent state and the convolution's last kernel − 1 inputs, plus one per drafted token
 * (`draftTokens`) under speculative decoding (vllm/model_executor/layers/mamba/mamba_utils.py,
 * gated_delta_net_state_shape and mamba2_state_shape).
 */
export function linearStateBytesPerLayer(la: LinearAttentionArch, tp: number, draftTokens = 0): number {
  return recurrentStateValues(la, tp) * (la.stateDtype === 'fp32' ? 4 : 2) + convChannels(la, tp) * (la.convKernel - 1 + draftTokens) * CONV_STATE_BYTES;
}

/** State bytes one sequence keeps across a model's linear-attention layers (one GPU, no parallelism). */
export function linearStateBytesPerSequence(arch: ModelArch): number {
  const la = arch.linearAttention;
  return la ? la.layers * linearStateBytesPerLayer(la, 1) : 0;
}

/**
 * Parameters of one linear-attention layer's mixer: the input projection, the convolution
 * (Mamba-2's with a bias), the per-head decay and step parameters (Mamba-2 also its skip D), the
 * gated norm (over a head, Gated DeltaNet; over the inner width, Mamba-2) and the output projection.
 */
export function linearAttentionParams(arch: ModelArch): number {
  const la = arch.linearAttention!;
  const h = arch.hiddenSize;
  const inner = la.valueHeads * la.valueHeadDim;
  const channels = convChannels(la, 1);
  const mamba = la.kind === 'mamba2';
  const conv = channels * la.convKernel + (mamba ? channels : 0);
  const perHead = la.valueHeads * (mamba ? 3 : 2);
  const norm = mamba ? inner : la.valueHeadDim;
  return h * linearInputWidth(la, 1) + conv + perHead + norm + inner * h;
}

/**
 * FLOPs of the scan per token and value head. Prefill runs it chunked: the state carried between
 * chunks (its readout and update, 2 × 2·dk·dv) and attention-like products inside a chunk of C
 * tokens (2·C·(dk + dv)). Decode updates the state token by token: decay, the delta rule's
 * prediction and correction, and the readout (about 6·dk·dv; Mamba-2's fewer).
 */
export function scanFlopsPerToken(la: LinearAttentionArch, phase: 'prefill' | 'decode'): number {
  const dk = la.keyHeadDim;
  const dv = la.valueHeadDim;
  return phase === 'prefill' ? 4 * dk * dv + 2 * SCAN_CHUNK * (dk + dv) : 6 * dk * dv;
}
