import type { EngineProfile, SloTargets } from '../input/types.js';
import { promptChunks, reservedTokens } from './serving.js';
import type { RequestShape } from './serving.js';
import { dpOf } from './deployment.js';
import type { Deployment } from './deployment.js';
import { kvBytesPerSequencePerGpu, kvBytesPerTokenPerGpu, memoryPlan, runningLimit } from './memory.js';
import { commonPrefixTokens, meanSharedTokens } from './prefix-cache.js';
import type { CacheHits } from './prefix-cache.js';
import type { MemoryPlan } from './memory.js';
import { stepTiming, stepTimingByContext } from './roofline.js';
import type { Bound, StepTiming } from './roofline.js';
import type { PrefillChunk } from './attention.js';
import { colocatedOwnTpot, colocatedOwnTpotShare, decodeOwnTpot, decodeOwnTpotShare, outputPoints } from './own-tpot.js';
import { deploymentTokensPerStep } from './speculative.js';
import { inFlightQuantile, inFlightTail, waitQuantile } from './queueing.js';
import { alignmentWait } from './attention-dp-balance.js';
import { highestHoldingRate } from './rate-search.js';

/** What an instance does: both phases, or one side of a disaggregated pair. */
export type Role = 'colocated' | 'prefill' | 'decode';

/** What limits an instance's rate for a slice. */
export type Binding = 'ttft' | 'tpot' | 'e2e' | 'memory' | 'queueing';

/** Latencies of one instance at one request rate, at the SLO percentiles. */
export interface LoadPoint {
  ratePerSecond: number;
  ttftSeconds: number;
  tpotSeconds: number;
  e2eSeconds: number;
  /** Mean sequences decoding, and the percentile batch (per attention rank with DP attention). */
  meanBatch: number;
  percentileBatch: number;
  /** Fraction of time the instance spends on prompts (the prefill queue's load). */
  prefillLoad: number;
  /** The SLOs (or memory, or a saturated prefill queue) this point violates, with the excess. */
  violations: Array<{ binding: Binding; value: number; limit: number }>;
  bounds: { prefill: Bound; decode: Bound };
}

/** The steps of one instance for one request size, precomputed for the load model. */
export interface InstanceModel {
  deployment: Deployment;
  engine: EngineProfile;
  role: Role;
  shape: RequestShape;
  memory: MemoryPlan;
  /** Most sequences of mean context the KV room holds (within the engine's limit). */
  maxSequences: number;
  /** Decode step time at a batch (interpolated on a grid). */
  decodeSeconds(batch: number): number;
  /** Tokens a decode step yields per sequence (1; the expected accepted length under speculative decoding). */
  tokensPerStep: number;
  /** The batch B with B = k · t_decode(B) (sequences in flight at a given arrival flow), or Infinity. */
  steadyBatch(k: number): number;
  /** Prompt work of one request beyond the decode steps it rides in (colocated), or its whole prefill: the mean over `prompts`. */
  promptSeconds: number;
  /**
   * Prompt work and iterations (chunks of the token budget) of the requests by what they find in
   * the prefix cache, by increasing work: one entry without prompt reuse.
   */
  prompts: PromptWork[];
  /** The service time the prompts' queue waits behind: E[S²] / E[S] over `prompts` (M/G/1). */
  waitServiceSeconds: number;
  /** The prefix-cache hits the model counts on (absent: none). */
  cache?: CacheHits;
  /** KV-cache transfer to the decode pool (prefill role; 0 until a partner is known, see optimize/kv-partners). */
  transferSeconds: number;
  /** Output sizes a request's own TPOT percentile is mixed over. */
  outputPoints: number[];
  bounds: { prefill: Bound; decode: Bound };
}

/** The prompt work of a share of a slice's requests. */
export interface PromptWork {
  share: number;
  seconds: number;
  iterations: number;
}

/** Batches at which decode steps are timed; between them the time is interpolated (it is piecewise linear in the batch). */
export const BATCH_GRID = [1, 4, 16, 64, 256, 1024, 4096];

/** Decode step times of a deployment on a grid of batches × contexts, shared by the slices it serves. */
export interface DecodeTable {
  contexts: number[];
  /** seconds[c][b]: a decode step of BATCH_GRID[b] sequences at contexts[c]. */
  seconds: number[][];
  bound: Bound;
}

/**
 * Times decode steps at every grid batch for a few contexts (the smallest and largest a set of
 * slices needs, and their geometric mean); a step's time is linear in the context between them
 * (only the KV-cache read grows with it), so slices interpolate instead of re-timing.
 * `rankLocal`: only the part an attention-DP rank runs on its own tokens (StepLoad.rankLocal).
 */
export function decodeTable(d: Deployment, engine: EngineProfile, contexts: number[], rankLocal = false): DecodeTable {
  const lo = Math.min(...contexts);
  const hi = Math.max(...contexts);
  const points = [...new Set([lo, Math.round(Math.sqrt(lo * hi)), hi])].sort((a, b) => a - b);
  const steps = points.map((context) =>
    BATCH_GRID.map((b) => stepTiming(d, { prefill: [], decodeSequences: b, decodeContextTokens: context, ...(rankLocal ? { rankLocal } : {}) }, engine)),
  );
  return { contexts: points, seconds: steps.map((row) => row.map((s) => s.latencySeconds)), bound: steps[0][3].bound };
}

/** Decode times at every grid batch for one context, interpolated in the table. */
export function decodeRow(table: DecodeTable, context: number): number[] {
  const { contexts, seconds } = table;
  if (contexts.length === 1) return seconds[0];
  let i = 1;
  while (i < contexts.length - 1 && contexts[i] < context) i++;
  const t = (context - contexts[i - 1]) / (contexts[i] - contexts[i - 1]);
  return seconds[i].map((y1, b) => seconds[i - 1][b] + t * (y1 - seconds[i - 1][b]));
}

/** Builds the instance model, or says why the instance cannot hold one request of this size. */
export function instanceModel(
  d: Deployment,
  engine: EngineProfile,
  role: Role,
  shape: RequestShape,
  table?: DecodeTable,
): InstanceModel | { reason: string } {
  const { inputTokens: I, outputTokens: O } = shape;
  // The engine reserves activations for a full token budget (vLLM profiles a step of
  // max_num_batched_tokens), and must hold the longest request it is sent as one sequence: its
  // prompt (plus the first token) on a prefill instance, prompt and whole answer otherwise.
  const memory = memoryPlan(d, engine.maxBatchedTokens, engine);
  const longest = shape.longest ?? { inputTokens: I, outputTokens: O };
  const longestTokens = role === 'prefill' ? longest.inputTokens + 1 : longest.inputTokens + longest.outputTokens;
  // A decode instance receives whole sequences: it finds nothing cached.
  const cache = role === 'decode' ? undefined : shape.cache;
  // The cache keeps its shared blocks (room the sequences no longer have), and a sequence that
  // uses them does not hold them itself.
  const pinnedBytes = cache ? cache.pinnedTokens * kvBytesPerTokenPerGpu(d) : 0;
  const sharedTokens = cache ? meanSharedTokens(cache) : 0;
  const perSequence = kvBytesPerSequencePerGpu(d, (role === 'prefill' ? I : reservedTokens(engine, I, O)) - sharedTokens, engine);
  const maxSequences = Math.min(runningLimit(d, engine, memory), Math.floor(Math.max(0, memory.kvRoomBytes - pinnedBytes) / perSequence));
  if (maxSequences < 1 || kvBytesPerSequencePerGpu(d, longestTokens, engine) > memory.kvRoomBytes) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    if (pinnedBytes > 0 && kvBytesPerSequencePerGpu(d, longestTokens, engine) <= memory.kvRoomBytes) {
      return { reason: `the prefix cache's ${cache!.pinnedTokens}-token working set leaves no room for a sequence in the ${memory.maxKvTokens}-token KV cache` };
    }
    const what = role === 'prefill' ? `${longest.inputTokens}-token prompt` : `${longestTokens}-token request (${longest.inputTokens}-token prompt, ${longest.outputTokens}-token answer)`;
    return {
      reason:
        memory.kvRoomBytes <= 0
          ? `weights (${gib(memory.weightBytes)} per GPU) do not fit ${d.gpu.id} tp ${d.tp} pp ${d.pp}`
          : `the longest ${what} needs ${gib(kvBytesPerSequencePerGpu(d, longestTokens, engine))} of KV cache per GPU, ${gib(memory.kvRoomBytes)} is left (${memory.maxKvTokens} tokens)`,
    };
  }
  const context = I + O / 2;
  const decode = table ?? decodeTable(d, engine, [context]);
  const grid = BATCH_GRID.filter((_, i) => i === 0 || BATCH_GRID[i - 1] < maxSequences);
  // Shared-prefix attention: a step reads the prefix its sequences all share once, not per sequence.
  const levels = role === 'colocated' ? cache?.batchShared : undefined;
  const curve = piecewiseLinear(
    grid,
    levels ? grid.map((b, i) => decodeRow(decode, context - commonPrefixTokens(levels, b) * (1 - 1 / b))[i]) : decodeRow(decode, context).slice(0, grid.length),
  );
  const alongside = role === 'colocated' ? 1 : 0;
  let prefillBound: Bound | undefined;
  const prompts = (cache?.outcomes ?? [{ share: 1, cachedTokens: 0 }]).map((o): PromptWork => {
    const chunks = promptChunks(I, 1, engine.maxBatchedTokens, o.cachedTokens);
    const prefillSteps = chunks.map((chunk) => promptStep(d, engine, chunk, alongside, context));
    prefillBound ??= prefillSteps[0].bound;
    const prefillTotal = prefillSteps.reduce((sum, s) => sum + s.latencySeconds, 0);
    const seconds = role === 'colocated' ? Math.max(1e-9, prefillTotal - chunks.length * curve.at(1)) : prefillTotal;
    return { share: o.share, seconds, iterations: chunks.length };
  }).sort((a, b) => a.seconds - b.seconds);
  const promptSeconds = prompts.reduce((sum, p) => sum + p.share * p.seconds, 0);
  const waitServiceSeconds = prompts.length === 1 ? promptSeconds : prompts.reduce((sum, p) => sum + p.share * p.seconds ** 2, 0) / promptSeconds;
  return {
    deployment: d,
    engine,
    role,
    shape,
    memory,
    maxSequences,
    decodeSeconds: curve.at,
    tokensPerStep: deploymentTokensPerStep(d),
    steadyBatch: curve.fixedPoint,
    promptSeconds,
    prompts,
    waitServiceSeconds,
    ...(cache ? { cache } : {}),
    transferSeconds: 0,
    outputPoints: outputPoints(shape),
    bounds: { prefill: prefillBound!, decode: decode.bound },
  };
}

/** The time and bound of one prompt-chunk iteration. */
type PromptStep = Pick<StepTiming, 'latencySeconds' | 'bound'>;

/** Prompt-chunk iterations timed so far, per deployment and engine, by chunk and decodes riding along: each a function of the decodes' context. */
const promptSteps = new WeakMap<Deployment, WeakMap<EngineProfile, Map<string, (context: number) => PromptStep>>>();

/**
 * One iteration that prefills `chunk` with `alongside` decodes of `context` tokens riding in it.
 * The slices of one prompt size (and cache outcome) share its timing: with none alongside the
 * decodes' context does not enter the step, which is timed once per deployment, engine and chunk
 * (without that, RAG at 256 slices timed 57,000 prefill-only steps for about 1,100 distinct
 * chunks); with decodes alongside only their attention call is re-timed for each context
 * (stepTimingByContext; RAG at 256 slices times 28,720 such steps, every one at its own context).
 * The memo assumes what planning assumes: a deployment and an engine profile do not change once
 * built (calibration, which edits factors in place, predicts through serving.ts, not here).
 */
function promptStep(d: Deployment, engine: EngineProfile, chunk: PrefillChunk, alongside: number, context: number): PromptStep {
  let byEngine = promptSteps.get(d);
  if (!byEngine) promptSteps.set(d, (byEngine = new WeakMap()));
  let steps = byEngine.get(engine);
  if (!steps) byEngine.set(engine, (steps = new Map()));
  const key = `${chunk.count} ${chunk.tokens} ${chunk.prefixTokens} ${alongside}`;
  let step = steps.get(key);
  if (!step) steps.set(key, (step = promptStepTimer(d, engine, chunk, alongside)));
  return step(context);
}

/** promptStep's timing of one chunk and decode count as a function of the decodes' context; only what instanceModel reads is kept, not the step's operators. */
function promptStepTimer(d: Deployment, engine: EngineProfile, chunk: PrefillChunk, alongside: number): (context: number) => PromptStep {
  const kept = ({ latencySeconds, bound }: StepTiming): PromptStep => ({ latencySeconds, bound });
  if (alongside === 0) {
    let step: PromptStep | undefined;
    return (context) => (step ??= kept(stepTiming(d, { prefill: [chunk], decodeSequences: 0, decodeContextTokens: context }, engine)));
  }
  const at = stepTimingByContext(d, { prefill: [chunk], decodeSequences: alongside }, engine);
  return (context) => kept(at(context));
}

/**
 * A non-decreasing piecewise-linear function through (xs, ys), flat below xs[0] and extending
 * its last segment; with the solution of B = k · f(B), segment by segment.
 */
function piecewiseLinear(xs: number[], ys: number[]): { at(x: number): number; fixedPoint(k: number): number } {
  const segments = xs.length === 1
    ? [{ x0: xs[0], x1: Infinity, a: 0, b: ys[0] / xs[0] }]
    : xs.slice(1).map((x1, i) => {
        const x0 = xs[i];
        const b = Math.max(0, (ys[i + 1] - ys[i]) / (x1 - x0));
        return { x0, x1: i === xs.length - 2 ? Infinity : x1, a: ys[i] - b * x0, b };
      });
  const at = (x: number) => {
    if (x <= xs[0]) return ys[0];
    const s = segments.find((seg) => x <= seg.x1) ?? segments[segments.length - 1];
    return s.a + s.b * x;
  };
  const fixedPoint = (k: number) => {
    if (k <= 0) return 0;
    if (k * ys[0] <= xs[0]) return k * ys[0];
    for (const s of segments) {
      if (1 - k * s.b <= 0) continue;
      const x = (k * s.a) / (1 - k * s.b);
      if (x >= s.x0 - 1e-9 && x <= s.x1) return x;
    }
    return Infinity;
  };
  return { at, fixedPoint };
}

/**
 * Latency percentiles of an instance under arrivals at `rate` requests/s (open loop; Poisson, or
 * with the gaps' coefficient of variation `arrivalCv`):
 *  - colocated: prompt work takes the fraction ψ = rate · δ of the time, decode iterations the
 *    rest, so TPOT = t_decode(B) / (1 − ψ) / L (L: tokens per step, 1 without speculative
 *    decoding) with B = rate · (O − 1) · TPOT sequences decoding (a
 *    fixed point); the batch at the percentile is the Poisson quantile of B (an M/G/∞ count);
 *    a request's own TPOT (its mean over O − 1 intervals) also carries the prompt work arriving
 *    in its lifetime, over O − 1 (see own-tpot.ts);
 *    TTFT = overhead + half an iteration + the prompt's iterations + the G/D/1 wait behind other
 *    prompts (Kingman; M/D/1 for Poisson; exponential-tail approximation, ρ = ψ) at the percentile;
 *  - prefill: an M/D/1 queue of prompts (ρ = rate · t_prefill) plus the KV-cache transfer, whose
 *    link is a queue of its own (ρ = rate · t_transfer);
 *  - decode: the decode fixed point without prompt work; a request's own TPOT also carries its
 *    wait to join the running batch, over O − 1.
 * E2E at the percentile is taken as TTFT_p + (O − 1) · TPOT_p (an upper bound).
 * With DP attention (dp ranks) the instance is dp schedulers, each with its own batch and KV
 * cache, taking rate / dp each; they step together (the MoE layers join them), so a colocated
 * rank's decodes also wait out the other ranks' prompts: the share of iterations that carry
 * some rank's prompt is 1 − (1 − ψ)^dp (ranks independent). Batches are per rank. With the
 * engine's attention-DP balancing the ranks prefill together (the share is ψ) and a prompt first
 * waits for the other ranks to hold one: the p-quantile of the longest such wait, capped at the
 * timeout (perf/attention-dp-balance.ts).
 */
export function loadPoint(m: InstanceModel, instanceRate: number, slo: SloTargets, arrivalCv = 1): LoadPoint {
  return evaluateLoad(m, instanceRate, slo, arrivalCv, false).point;
}

/**
 * loadPoint, or with `decide` a cheaper point that only says whether the SLOs hold: a request's
 * own TPOT percentile is tested against the most its TPOT and E2E targets allow instead of found
 * (the point's TPOT is then the batch-percentile one, and a failing test is a violation of its
 * own). `tpotShare`: the share of requests over that limit to the share allowed (≤ 1: within;
 * 0 when not tested).
 */
function evaluateLoad(m: InstanceModel, instanceRate: number, slo: SloTargets, arrivalCv: number, decide: boolean): { point: LoadPoint; tpotShare: number } {
  const O = m.shape.outputTokens;
  const percentile = (t: keyof SloTargets) => slo[t]?.percentile ?? 90;
  const violations: LoadPoint['violations'] = [];
  const ranks = dpOf(m.deployment);
  const rate = instanceRate / ranks;
  const psi = m.role === 'decode' ? 0 : rate * m.promptSeconds;
  if (psi >= 1) violations.push({ binding: 'queueing', value: psi, limit: 1 });
  // Balanced attention DP (engine.attentionDpBalance) prefills the ranks together: ψ of the iterations carry prompts.
  const promptRanks = m.engine.attentionDpBalance ? 1 : ranks;
  const stretch = m.role === 'colocated' ? 1 / Math.max(1e-6, Math.pow(Math.max(0, 1 - psi), promptRanks)) : 1;
  const L = m.tokensPerStep;
  // Sequences decoding: B = rate · (O − 1) · TPOT with TPOT = t_decode(B) · stretch / L.
  const meanBatch = m.role === 'prefill' ? 0 : m.steadyBatch((rate * Math.max(0, O - 1) * stretch) / L);
  const iteration = m.decodeSeconds(Math.max(1, Math.min(meanBatch, 1e9))) * stretch;
  const tpot = iteration / L;
  // A batch that grows without bound means decode iterations cannot keep up with arrivals.
  if (m.role !== 'prefill' && !Number.isFinite(meanBatch)) violations.push({ binding: 'queueing', value: Infinity, limit: 1 });
  const percentileBatch = m.role === 'prefill' || !Number.isFinite(meanBatch) ? 0 : Math.max(1, inFlightQuantile(meanBatch, percentile('tpot') / 100, arrivalCv));
  let ttftP = 0;
  let linkViolation: LoadPoint['violations'][number] | undefined;
  if (m.role !== 'decode') {
    // The request's own prompt at the TTFT percentile (what it found cached), and its wait behind the others.
    const own = promptAt(m.prompts, percentile('ttft') / 100);
    const service = own.seconds;
    const wait = psi < 1 ? waitQuantile(psi, m.waitServiceSeconds, percentile('ttft') / 100, arrivalCv) : Infinity;
    const iterations = m.role === 'colocated' ? iteration / 2 + own.iterations * m.decodeSeconds(Math.max(1, meanBatch)) : 0;
    // A prefill instance's transfers share its link: a queue of its own (the link's load is rate × transfer).
    const linkLoad = rate * m.transferSeconds;
    if (linkLoad >= 1) linkViolation = { binding: 'queueing', value: linkLoad, limit: 1 };
    const linkWait = m.transferSeconds > 0 && linkLoad < 1 ? waitQuantile(linkLoad, m.transferSeconds, percentile('ttft') / 100, arrivalCv) : linkLoad >= 1 ? Infinity : 0;
    // Balanced attention DP: the prompt waits for every other rank to hold one (at most the timeout).
    const align = alignmentWait(m.engine, ranks, rate, m.decodeSeconds(Math.max(1, meanBatch))).quantileSeconds(percentile('ttft') / 100);
    ttftP = m.engine.requestOverheadSeconds + iterations + service + wait + align + m.transferSeconds + linkWait;
  }
  // What the E2E percentile adds to the TPOT one: the TTFT before it (a decode instance's share of the TTFT target).
  const e2eBase = m.role === 'decode' ? slo.ttft?.maxSeconds ?? 0 : ttftP;
  let tpotP = Number.isFinite(meanBatch) ? (m.decodeSeconds(percentileBatch) * stretch) / L : Infinity;
  let tpotShare = 0;
  let shareViolation: LoadPoint['violations'][number] | undefined;
  if (O > 1 && Number.isFinite(tpotP) && m.role !== 'prefill') {
    const stepSeconds = m.decodeSeconds(Math.max(1, meanBatch));
    const decodeStep = stepSeconds / L;
    const p = percentile('tpot') / 100;
    const load = { decodeStep, promptSeconds: m.promptSeconds, rate, meanTpot: tpot, arrivalCv };
    if (decide) {
      // The most a request's own TPOT may be within both targets.
      const e2eLimit = slo.e2e ? (slo.e2e.maxSeconds - e2eBase) / (O - 1) : Infinity;
      const limit = Math.min(slo.tpot?.maxSeconds ?? Infinity, e2eLimit);
      if (Number.isFinite(limit)) {
        tpotShare = m.role === 'colocated' ? colocatedOwnTpotShare(m.outputPoints, load, p, limit) : decodeOwnTpotShare(m.outputPoints, decodeStep, p, limit, stepSeconds);
        if (tpotShare > 1) shareViolation = { binding: limit < e2eLimit ? 'tpot' : 'e2e', value: tpotShare, limit: 1 };
      }
    } else if (m.role === 'colocated') tpotP = colocatedOwnTpot(m.outputPoints, load, tpotP, p, slo.tpot?.maxSeconds);
    else tpotP = decodeOwnTpot(m.outputPoints, decodeStep, tpotP, p, stepSeconds);
  }
  if (m.role !== 'prefill' && percentileBatch > m.maxSequences) {
    violations.push({ binding: 'memory', value: percentileBatch, limit: m.maxSequences });
  }
  if (linkViolation) violations.push(linkViolation);
  if (shareViolation) violations.push(shareViolation);
  const e2eP = e2eBase + Math.max(0, O - 1) * (m.role === 'prefill' ? 0 : tpotP);
  const check = (binding: Binding, value: number, target: SloTargets[keyof SloTargets], applies: boolean) => {
    if (applies && target && !(value <= target.maxSeconds)) violations.push({ binding, value, limit: target.maxSeconds });
  };
  check('ttft', ttftP, slo.ttft, m.role !== 'decode');
  check('tpot', tpotP, slo.tpot, m.role !== 'prefill');
  check('e2e', e2eP, slo.e2e, m.role !== 'prefill');
  const point = {
    ratePerSecond: instanceRate,
    ttftSeconds: ttftP,
    tpotSeconds: m.role === 'prefill' ? 0 : tpotP,
    e2eSeconds: m.role === 'prefill' ? 0 : e2eP,
    meanBatch,
    percentileBatch,
    prefillLoad: psi,
    violations,
    bounds: m.bounds,
  };
  return { point, tpotShare };
}

/** The prompt work at the p-quantile (0–1) over a slice's requests (`prompts` by increasing work). */
function promptAt(prompts: PromptWork[], p: number): PromptWork {
  let acc = 0;
  for (const w of prompts) {
    acc += w.share;
    if (acc >= p - 1e-9) return w;
  }
  return prompts[prompts.length - 1];
}

/** The most requests/s an instance serves within the SLOs, what binds there, and the idle latencies. */
export interface Capacity {
  ratePerSecond: number;
  binding: Binding;
  /** Latencies at a vanishing load: what the instance does at best. */
  idle: LoadPoint;
}

/** The rate (requests/s) at which an instance counts as idle: what it gives a lone request. */
export const IDLE_RATE = 1e-9;

/**
 * Finds the highest rate that meets the SLOs (latencies grow with rate): see highestHoldingRate,
 * started at `guess` requests/s (a neighbouring slice's capacity: fewer steps, the same answer).
 * The search's probes only decide (see evaluateLoad); the idle point and the binding SLO (named
 * at the next grid rate up, which fails) come from exact points.
 */
export function instanceCapacity(m: InstanceModel, slo: SloTargets, arrivalCv = 1, guess = 1): Capacity {
  const at = (rate: number) => loadPoint(m, rate, slo, arrivalCv);
  const idle = at(IDLE_RATE);
  if (idle.violations.length > 0) return { ratePerSecond: 0, binding: idle.violations[0].binding, idle };
  const probe = (rate: number) => {
    const { point, tpotShare } = evaluateLoad(m, rate, slo, arrivalCv, true);
    return { point, holds: point.violations.length === 0, margin: sloMargin(m, point, slo, arrivalCv, tpotShare) };
  };
  const { rate, above } = highestHoldingRate(probe, guess);
  return { ratePerSecond: rate, binding: at(above).violations[0]?.binding ?? 'queueing', idle };
}

/**
 * How far a load point is from its limits: the log of the largest ratio of a latency to its SLO,
 * of the prompt queue's load to 1, of the share of requests over their own-TPOT limit to the
 * share allowed (`tpotShare`), or of the share of time more sequences are in flight than memory
 * holds to the share the TPOT percentile allows (≤ 0 within them all; continuous in the rate
 * where the percentiles step); NaN where a ratio is not finite.
 */
function sloMargin(m: InstanceModel, p: LoadPoint, slo: SloTargets, arrivalCv: number, tpotShare: number): number {
  let worst = 0;
  if (m.role !== 'decode') worst = Math.max(p.ttftSeconds / (slo.ttft?.maxSeconds ?? Infinity), p.prefillLoad);
  if (m.role !== 'prefill') {
    const memory = inFlightTail(p.meanBatch, m.maxSequences, arrivalCv) / (1 - (slo.tpot?.percentile ?? 90) / 100);
    worst = Math.max(worst, p.tpotSeconds / (slo.tpot?.maxSeconds ?? Infinity), p.e2eSeconds / (slo.e2e?.maxSeconds ?? Infinity), tpotShare, memory);
  }
  // The memory violation steps with the percentile batch: the continuous share above stands for it.
  for (const v of p.violations) if (v.binding !== 'memory') worst = Math.max(worst, v.value / v.limit);
  return Number.isFinite(worst) && worst > 0 ? Math.log(worst) : Number.NaN;
}
