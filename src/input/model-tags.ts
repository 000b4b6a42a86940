import type { WeightDtype } from './types.js';

/**
 * The tags at the end of a checkpoint's name (`-Instruct`, `-FP8-dynamic`, `-AWQ-INT4`,
 * `-quantized.w4a16`, `-GPTQ-Int4`): the name without them, the weight precision they set, and
 * the quantisation-looking tags planner does not understand.
 */
export interface NameTags {
  /** Lower-case names from the full one down to the bare architecture, one tag stripped each. */
  keys: string[];
  /** Weight precision the tags set, if any. */
  precision?: WeightDtype;
  /** The tag (as written) that set the precision. */
  precisionTag?: string;
  /** Tags that look like a quantisation but set no precision planner models (as written). */
  ignored: string[];
}

interface Tag {
  pattern: RegExp;
  /** Precision the tag sets; undefined for fine-tune tags (instruct, chat) and markers. */
  precision?: WeightDtype;
  /** A bit-width tag (int4, w8a8, fp8) is more specific than a method tag (awq, gptq). */
  specific?: boolean;
}

/**
 * Known tags, matched case-insensitively at the end of a name after `-`, `_` or `.`. There are
 * no int2/int3/fp6 dtypes in planner; tags naming them are reported as ignored, not rounded.
 */
const TAGS: Tag[] = [
  { pattern: /^(instruct|chat|hf|it|base|quantized|dynamic|static)$/ },
  { pattern: /^(bf16|bfloat16)$/, precision: 'bf16', specific: true },
  { pattern: /^(fp16|float16|half)$/, precision: 'fp16', specific: true },
  // FP8 checkpoints (Meta, Qwen, RedHatAI llm-compressor `-FP8-dynamic`, NVIDIA ModelOpt `-FP8`).
  { pattern: /^fp8([-_](dynamic|static|block))?$/, precision: 'fp8', specific: true },
  // llm-compressor's W8A8 (`-quantized.w8a8`) is int8 weights and activations; W8A16 int8 weight-only.
  { pattern: /^(int8|w8a8|w8a16)$/, precision: 'int8', specific: true },
  // W4A16 is int4 weight-only; W4A8 (int4 weights, fp8 activations) stores int4 weights too.
  { pattern: /^(int4|w4a16|w4a8)$/, precision: 'int4', specific: true },
  // NVFP4 and MXFP4 are both 4-bit floats with a block scale: planner's fp4.
  { pattern: /^(fp4|nvfp4|mxfp4)$/, precision: 'fp4', specific: true },
  // AWQ and GPTQ checkpoints are 4-bit unless a bit tag says otherwise (`-GPTQ-Int8`).
  { pattern: /^(awq|gptq)$/, precision: 'int4' },
];

/** Tags that name a quantisation planner does not model (GGUF, EXL2, bitsandbytes, 3-bit…). */
const QUANT_LOOKING = /^(gguf|ggml|exl2|exl3|hqq|eetq|aqlm|quip|marlin|bnb|mlx|\d+[-_]?bits?|q\d(_[0-9a-z]{1,2})*|iq\d(_[0-9a-z]{1,3})*|w\d+a\d+|int\d+|fp\d+|mxfp\d+|nvfp\d+|quant)$/;

/** The last tag of a name (after `-`, `_` or `.`), including two-part tags like fp8-dynamic and q4_k_m. */
function lastTag(name: string): { tag: string; rest: string; known?: Tag; unknown?: boolean } | undefined {
  for (const parts of [3, 2, 1]) {
    const m = name.match(new RegExp(`^(.+?)[-_.]((?:[a-z0-9]+[-_]){${parts - 1}}[a-z0-9]+)$`, 'i'));
    if (!m) continue;
    const lower = m[2].toLowerCase();
    const known = TAGS.find((t) => t.pattern.test(lower));
    if (known) return { tag: m[2], rest: m[1], known };
    if (QUANT_LOOKING.test(lower)) return { tag: m[2], rest: m[1], unknown: true };
  }
  return undefined;
}

/** Most tags one name carries (`-Instruct-2507-FP8` carries 2; a cap keeps odd names cheap). */
const MAX_TAGS = 6;

/** Reads the variant tags at the end of a model name (the organisation prefix is dropped). */
export function nameTags(name: string): NameTags {
  const trimmed = name.trim();
  let rest = trimmed.includes('/') ? trimmed.slice(trimmed.lastIndexOf('/') + 1) : trimmed;
  const keys = [rest.toLowerCase()];
  const ignored: string[] = [];
  let specific: { precision: WeightDtype; tag: string } | undefined;
  let method: { precision: WeightDtype; tag: string } | undefined;
  for (let i = 0; i < MAX_TAGS; i++) {
    const found = lastTag(rest);
    if (!found) break;
    rest = found.rest;
    keys.push(rest.toLowerCase());
    if (found.unknown) ignored.unshift(found.tag);
    else if (found.known?.precision) {
      // The tag nearest the end wins among tags of one kind (`-FP8-dynamic` is one tag).
      const hit = { precision: found.known.precision, tag: found.tag };
      if (found.known.specific) specific ??= hit;
      else method ??= hit;
    }
  }
  const chosen = specific ?? method;
  return { keys, ...(chosen ? { precision: chosen.precision, precisionTag: chosen.tag } : {}), ignored };
}
