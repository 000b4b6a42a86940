import { acceptanceForLength } from '../perf/speculative.js';
import { didYouMean } from './did-you-mean.js';
import type { ModelRegistry } from './models.js';
import type { ModelArch, SpeculativeDecoding, SpeculativeMethod } from './types.js';
import type { DocPath } from './yaml-source.js';

/** A spec's `speculative:` block as written (schema-checked). */
export interface RawSpeculative {
  method: SpeculativeMethod;
  tokens: number;
  acceptance?: number;
  accepted_length?: number;
  draft_model?: string;
}

/**
 * The speculative-decoding setting a spec asks for, or the problems with it (each reported at
 * its field): the acceptance is the user's measurement, never assumed, so one of `acceptance`
 * (α in [0, 1)) or `accepted_length` (1 ≤ L < k + 1) is required; `draft` needs a known draft
 * model, `mtp` a model that has multi-token-prediction modules, and the others no draft model.
 */
export function normalizeSpeculative(
  raw: RawSpeculative,
  model: ModelArch,
  models: ModelRegistry,
  at: (path: DocPath, message: string) => void,
): SpeculativeDecoding | undefined {
  const here = (key?: string): DocPath => (key ? ['speculative', key] : ['speculative']);
  const k = raw.tokens;
  let ok = true;
  const fail = (path: DocPath, message: string) => {
    at(path, message);
    ok = false;
  };
  let acceptance: number | undefined;
  if (raw.acceptance !== undefined && raw.accepted_length !== undefined) fail(here('accepted_length'), 'give acceptance or accepted_length, not both');
  else if (raw.acceptance !== undefined) {
    if (raw.acceptance >= 0 && raw.acceptance < 1) acceptance = raw.acceptance;
    else fail(here('acceptance'), `must be a per-token acceptance probability from 0 to under 1, got ${raw.acceptance}`);
  } else if (raw.accepted_length !== undefined) {
    if (raw.accepted_length >= 1 && raw.accepted_length < k + 1) acceptance = acceptanceForLength(raw.accepted_length, k);
    else fail(here('accepted_length'), `must be the mean tokens per step, from 1 to under k + 1 = ${k + 1}, got ${raw.accepted_length}`);
  } else {
    fail(here(), 'missing acceptance: give the per-token acceptance probability you measured (acceptance: 0.7) or the mean tokens per step (accepted_length: 2.5, as vLLM and SGLang report it); planner never assumes one');
  }
  let draftModel: ModelArch | undefined;
  if (raw.method === 'draft') {
    if (raw.draft_model === undefined) fail(here('method'), 'method draft needs draft_model (a preset id or Hugging Face id of the draft model)');
    else {
      draftModel = models.resolve(raw.draft_model);
      if (!draftModel) fail(here('draft_model'), `unknown draft model "${raw.draft_model}"${didYouMean(raw.draft_model, models.names)}; \`planner models\` lists the presets`);
    }
  } else if (raw.draft_model !== undefined) {
    fail(here('draft_model'), `method ${raw.method} takes no draft_model (only method draft does)`);
  }
  if (raw.method === 'mtp' && !(model.mtpLayers && model.mtpLayers > 0)) {
    fail(here('method'), `${model.id} has no multi-token-prediction layers (mtp_layers in its model file; DeepSeek-V3 and GLM-4.5 have one): use eagle, draft or ngram`);
  }
  if (!ok || acceptance === undefined) return undefined;
  return {
    method: raw.method,
    tokens: k,
    acceptance,
    given: raw.acceptance !== undefined ? 'acceptance' : 'accepted_length',
    ...(draftModel ? { draftModel, draftModelName: raw.draft_model!.trim() } : {}),
  };
}
