import type { KvDtype, WeightDtype } from '../input/types.js';

/**
 * Bytes per stored value. 4-bit formats carry their scales: MXFP4 one byte per 32 values,
 * int4 (GPTQ/AWQ, group 128) a 16-bit scale and zero per 128 values — both ≈ 4.25 bits.
 */
const BYTES: Record<WeightDtype | KvDtype, number> = {
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  int4: 0.53125,
  fp4: 0.53125,
};

/** Bytes one value of this precision takes in memory, scales included. */
export function bytesPerValue(dtype: WeightDtype | KvDtype): number {
  return BYTES[dtype];
}
