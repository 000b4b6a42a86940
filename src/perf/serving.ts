import type { PrefillChunk } from './attention.js';
import type { Deployment } from './deployment.js';
import { kvBytesPerSequencePerGpu, memoryPlan, runningLimit } from './memory.js';
import type { MemoryPlan } from './memory.js';
import { stepTiming } from './roofline.js';
import { deploymentTokensPerStep } from './speculative.js';
import type { Bound, StepTiming } from './roofline.js';
import type { EngineProfile } from '../input/types.js';
import type { CacheHits } from './prefix-cache.js';
import { alignmentWait } from './attention-dp-balance.js';
import { dpOf } from './deployment.js';

/** A request size: prompt and answer tokens. */
export interface RequestShape {
  inputTokens: number;
  outputTokens: number;
  /** Output sizes the shape stands for (a slice's bucket), where known. */
  outputRange?: [number, number];
  /** The longest request an instance serving this shape must hold as one sequence (default: this one). */
  longest?: { inputTokens: number; outputTokens: number };
  /** What its requests find in the engine's prefix cache (absent: nothing). */
  cache?: CacheHits;
}

/** Steady-state latency and throughput of one instance. */
export interface ServingPrediction {
  ttftSeconds: number;
  tpotSeconds: number;
  e2eSeconds: number;
  requestsPerSecond: number;
  outputTokensPerSecond: number;
  /** Sequences in the running batch. */
  runningSequences: number;
  /** Most sequences the KV cache holds at this request size. */
  maxSequences: number;
  /** Clients waiting for a free KV slot (closed loop above capacity). */
  queuedRequests: number;
  /** Of the TTFT, the wait for a prefill where prompt work alone fills the engine (closed loop; else 0). */
  prefillQueueSeconds: number;
  memory: MemoryPlan;
  /** A prefill iteration (with the decodes it carries) and a decode-only iteration. */
  prefillStep: StepTiming;
  decodeStep: StepTiming;
  bounds: { prefill: Bound; decode: Bound };
}

/** Why a deployment cannot serve a request shape at all. */
export interface Unservable {
  reason: string;
  memory: MemoryPlan;
}

/** Tokens of KV room a running sequence of an I-token prompt and O-token answer holds on average. */
export function reservedTokens(engine: Pick<EngineProfile, 'kvReservation'>, I: number, O: number): number {
  return engine.kvReservation === 'whole-request' ? I + O : I + O / 2;
}

/** Most sequences of `contextTokens` whose KV cache fits, within the engine's limit and reserved states (runningLimit). */
export function maxConcurrentSequences(d: Deployment, memory: MemoryPlan, contextTokens: number, engine: EngineProfile): number {
  const perSequence = kvBytesPerSequencePerGpu(d, contextTokens, engine);
  return Math.min(runningLimit(d, engine, memory), Math.floor(Math.max(0, memory.kvRoomBytes) / perSequence));
}

/** A fits-in-memory check with a message that gives the numbers. */
export function checkFits(d: Deployment, memory: MemoryPlan, contextTokens: number, sequences: number, engine?: EngineProfile): string | undefined {
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (memory.kvRoomBytes <= 0) {
    return `does not fit: ${gib(memory.weightBytes)} of weights and ${gib(memory.activationBytes)} of activations per GPU exceed the ${gib(memory.usableBytes)} usable on ${d.gpu.id} (tp ${d.tp}, pp ${d.pp})`;
  }
  if (memory.stateSlots !== undefined && sequences > memory.stateSlots) {
    return `does not fit: ${sequences} sequence(s) need as many linear-attention states, and ${engine?.id ?? 'the engine'}'s share of the cache holds ${memory.stateSlots} on ${d.gpu.id} (tp ${d.tp}, pp ${d.pp})`;
  }
  const need = kvBytesPerSequencePerGpu(d, contextTokens, engine) * sequences;
  if (need > memory.kvRoomBytes) {
    return `does not fit: ${sequences} sequence(s) of ${contextTokens} tokens need ${gib(need)} of KV cache per GPU, ${gib(memory.kvRoomBytes)} is left after weights on ${d.gpu.id} (tp ${d.tp}, pp ${d.pp})`;
  }
  return undefined;
}

/**
 * The prompt split into the chunks the token budget allows (`count` prompts side by side when
 * short); with `cachedTokens` of it found in the prefix cache, only the rest is prefilled, each
 * chunk after the cached prefix (which its attention still reads).
 */
export function promptChunks(inputTokens: number, group: number, budget: number, cachedTokens = 0): PrefillChunk[] {
  const computed = inputTokens - cachedTokens;
  if (computed <= budget) return [{ count: group, tokens: computed, prefixTokens: cachedTokens }];
  const chunks: PrefillChunk[] = [];
  for (let prefix = cachedTokens; prefix < inputTokens; prefix += budget) {
    chunks.push({ count: 1, tokens: Math.min(budget, inputTokens - prefix), prefixTokens: prefix });
  }
  return chunks;
}

/**
 * Static batch: all `batch` prompts prefilled in one step (the time to first token), then
 * decoded together; TPOT is the decode step at the mean context over the tokens a step yields
 * (1, or the expected accepted length under speculative decoding).
 */
export function predictStaticBatch(
  d: Deployment,
  batch: number,
  shape: RequestShape,
  engine: EngineProfile,
): ServingPrediction | Unservable {
  const { inputTokens: I, outputTokens: O } = shape;
  const memory = memoryPlan(d, batch * I, engine);
  const problem = checkFits(d, memory, I + O, batch, engine);
  if (problem) return { reason: problem, memory };
  const prefillStep = stepTiming(d, { prefill: [{ count: batch, tokens: I, prefixTokens: 0 }], decodeSequences: 0, decodeContextTokens: 0 }, engine);
  const decodeStep = stepTiming(d, { prefill: [], decodeSequences: batch, decodeContextTokens: I + O / 2 }, engine);
  const ttft = prefillStep.latencySeconds;
  const tpot = decodeStep.latencySeconds / deploymentTokensPerStep(d);
  const e2e = ttft + (O - 1) * tpot;
  return {
    ttftSeconds: ttft,
    tpotSeconds: tpot,
    e2eSeconds: e2e,
    requestsPerSecond: batch / e2e,
    outputTokensPerSecond: (batch * O) / e2e,
    runningSequences: batch,
    maxSequences: batch,
    queuedRequests: 0,
    prefillQueueSeconds: 0,
    memory,
    prefillStep,
    decodeStep,
    bounds: { prefill: prefillStep.bound, decode: decodeStep.bound },
  };
}

/** What the closed-loop models share: memory, the running batch, and the iteration times. */
interface LoopSetup {
  memory: MemoryPlan;
  maxSequences: number;
  running: number;
  /** Prompts the token budget lets one iteration prefill side by side (1 when a prompt needs chunks). */
  promptsPerIteration: number;
  decodeStep: StepTiming;
  /** The iterations that prefill `prompts` prompts (several chunks for a long prompt). */
  prefillSteps: StepTiming[];
  prefillSeconds: number;
}

function setupLoop(
  d: Deployment,
  concurrency: number,
  shape: RequestShape,
  engine: EngineProfile,
  prefill: (running: number, promptsPerIteration: number) => { prompts: number; decodes: number },
): LoopSetup | Unservable {
  const { inputTokens: I, outputTokens: O } = shape;
  const budget = engine.maxBatchedTokens;
  const memory = memoryPlan(d, budget, engine);
  const problem = checkFits(d, memory, I + O, 1, engine);
  if (problem) return { reason: problem, memory };
  // Paged KV cache: staggered sequences hold I + O/2 tokens on average (or I + O where the engine
  // reserves a whole request at admission), which sets how many run at once.
  const maxSequences = Math.max(1, maxConcurrentSequences(d, memory, reservedTokens(engine, I, O), engine));
  const running = Math.min(concurrency, maxSequences);
  // Mixed iterations schedule the running decodes first and prompt chunks fill what is left of
  // the budget, a part of the next prompt included (so prompts per iteration need not be whole).
  // A decode is charged its one token, never more than half the budget: under speculation (k + 1
  // tokens each), near the cap of budget / (k + 1) sequences, fewer of them decode while a group
  // of prompts waits — an equilibrium this loop does not solve; charging all of them k + 1 tokens
  // starved the prompts (0.8 req/s where the budget allows 28). Nor does a budget overlaid below
  // the running sequences (vLLM refuses one) cut the prompts to a token an iteration.
  const mixed = engine.scheduling === 'mixed';
  const decodeTokens = mixed ? Math.min(running - 1, budget / 2) : 0;
  const promptBudget = Math.max(1, budget - decodeTokens);
  const promptsPerIteration = Math.max(1, Math.min(running, mixed ? promptBudget / I : Math.floor(promptBudget / I)));
  const context = I + O / 2;
  const decodeStep = stepTiming(d, { prefill: [], decodeSequences: running, decodeContextTokens: context }, engine);
  const { prompts, decodes } = prefill(running, promptsPerIteration);
  const prefillSteps = promptChunks(I, prompts, promptBudget).map((chunk) =>
    stepTiming(d, { prefill: [chunk], decodeSequences: decodes, decodeContextTokens: context }, engine),
  );
  const prefillSeconds = prefillSteps.reduce((sum, s) => sum + s.latencySeconds, 0);
  return { memory, maxSequences, running, promptsPerIteration, decodeStep, prefillSteps, prefillSeconds };
}

/**
 * A closed loop's prediction at request rate `x`. It holds its C clients (Little's law: X · E2E
 * = C): where prompt work alone fills the engine and nothing is left to stretch (one-token
 * answers), the clients the cycle cannot hold wait for their prefill, C / X − E2E more.
 */
function prediction(setup: LoopSetup, concurrency: number, O: number, x: number, ttft: number, tpot: number): ServingPrediction {
  const e2e = ttft + (O - 1) * tpot;
  const promptQueue = x * e2e < concurrency * (1 - 1e-6) ? concurrency / x - e2e : 0;
  return {
    ttftSeconds: ttft + promptQueue,
    tpotSeconds: tpot,
    e2eSeconds: e2e + promptQueue,
    prefillQueueSeconds: promptQueue,
    requestsPerSecond: x,
    outputTokensPerSecond: x * O,
    runningSequences: setup.running,
    maxSequences: setup.maxSequences,
    queuedRequests: Math.max(0, concurrency - setup.running),
    memory: setup.memory,
    prefillStep: setup.prefillSteps[0],
    decodeStep: setup.decodeStep,
    bounds: { prefill: setup.prefillSteps[0].bound, decode: setup.decodeStep.bound },
  };
}

/**
 * Closed loop of `concurrency` clients, each sending its next request when the previous one
 * finishes (vLLM's benchmark with a max concurrency, genai-perf), on an engine with continuous
 * batching. Engines that mix prefill chunks into decode iterations run {@link mixedLoop};
 * engines that run prefills first synchronise the clients into waves ({@link waveLoop}).
 */
export function predictClosedLoop(
  d: Deployment,
  concurrency: number,
  shape: RequestShape,
  engine: EngineProfile,
): ServingPrediction | Unservable {
  return engine.scheduling === 'mixed' ? mixedLoop(d, concurrency, shape, engine) : waveLoop(d, concurrency, shape, engine);
}

/**
 * Mixed iterations (vLLM, TensorRT-LLM): a fluid steady state, solved for the request rate X.
 *  - The running batch B is the concurrency capped by the KV cache; the other clients wait for a
 *    slot (Little's law: (C − B) / X).
 *  - Every iteration decodes the running batch (t_decode) and prefills the prompts that are due;
 *    a prompt adds δ to the iterations it rides in (its chunks' time beyond a decode step). The
 *    engine spends ψ = X · δ of each second on prompts, so TPOT = t_decode / (1 − ψ).
 *  - Clients that finish together return together: prompts arrive in groups of
 *    g = 1 + c · (B − 1) (c: the engine's clustering). A group is prefilled m = (budget − the
 *    running decodes' tokens) / I at a time (need not be whole: a chunk takes part of the next);
 *    its members see their first token after (g + m) / 2 · δ of prompt work plus the iterations
 *    that carry it (on average).
 *  - TTFT = per-request overhead + half an iteration (arrival mid-step) + the group's prefill +
 *    the wait for a KV slot; X = C / (TTFT + (O − 1) · TPOT). No Poisson (M/D/1) wait behind other
 *    groups: a client returns one cycle after its last request, so arrivals are near-periodic and a
 *    prompt queues only behind its own group; as the engine fills, the prompt work stretches the
 *    iterations (TPOT), not the queue — until prompts alone saturate it (ψ → 1, say one-token
 *    answers), where the clients the cycle cannot hold wait for their prefill (see prediction).
 *    On the H100 closed-loop rows a Poisson wait had put vLLM's TTFT at 128 clients at +34%.
 *  - One rank of an instance with DP attention (`d.dp` ranks, each this loop; see data-parallel.ts):
 *    the ranks step together, so a rank's decodes also wait out the others' prompts (1 − (1 − ψ)^dp
 *    of the iterations carry one); with the engine's balancing the ranks prefill together instead
 *    (ψ), and a prompt first waits the mean alignment wait at X prompts/s per rank.
 */
function mixedLoop(d: Deployment, concurrency: number, shape: RequestShape, engine: EngineProfile): ServingPrediction | Unservable {
  const O = shape.outputTokens;
  const setup = setupLoop(d, concurrency, shape, engine, (running) => ({ prompts: 1, decodes: Math.max(0, running - 1) }));
  if ('reason' in setup) return setup;
  const { running, promptsPerIteration: m } = setup;
  const tDecode = setup.decodeStep.latencySeconds;
  const perStep = deploymentTokensPerStep(d);
  const chunks = setup.prefillSteps.length;
  // Prompt work of one request: what its chunks add to decode iterations.
  const delta = Math.max(setup.prefillSeconds - chunks * tDecode, 1e-9);
  const group = 1 + engine.prefillClustering * (running - 1);
  const groupPrefill = chunks * tDecode * Math.ceil(group / m) + (group <= m ? group : (group + m) / 2) * delta;
  const ranks = dpOf(d);
  const promptRanks = engine.attentionDpBalance ? 1 : ranks;
  const evaluate = (x: number) => {
    const psi = Math.min(0.999, x * delta);
    const iteration = tDecode / Math.pow(1 - psi, promptRanks);
    const tpot = iteration / perStep;
    const slotWait = concurrency > running ? (concurrency - running) / x : 0;
    const align = alignmentWait(engine, ranks, x, tDecode).meanSeconds;
    const ttft = engine.requestOverheadSeconds + iteration / 2 + groupPrefill + slotWait + align;
    return { tpot: O > 1 ? tpot : tDecode / perStep, ttft, cycle: ttft + (O - 1) * tpot };
  };
  // X · cycle(X) grows with X: bisect for X · cycle(X) = C below the prefill-saturation rate.
  let lo = 0;
  let hi = 0.999 / delta;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (mid * evaluate(mid).cycle < concurrency) lo = mid;
    else hi = mid;
  }
  const { tpot, ttft } = evaluate(lo);
  return prediction(setup, concurrency, O, lo, ttft, tpot);
}

/**
 * Prefill-first scheduling (SGLang's default): while prompts wait, prefill batches run and
 * decodes pause, so a closed loop of identical requests moves in waves. A wave prefills its B
 * prompts in n = ⌈B / m⌉ iterations (the request of the j-th has its first token after j of
 * them), then decodes all B together for O − 1 iterations, after waiting for the rest of the
 * prefills: TTFT = (n + 1)/2 · t_prefill, TPOT = t_decode + (n − 1)/2 · t_prefill / (O − 1).
 * Clients beyond the KV capacity wait (C − B) / X for a slot.
 */
function waveLoop(d: Deployment, concurrency: number, shape: RequestShape, engine: EngineProfile): ServingPrediction | Unservable {
  const O = shape.outputTokens;
  const setup = setupLoop(d, concurrency, shape, engine, (_, m) => ({ prompts: m, decodes: 0 }));
  if ('reason' in setup) return setup;
  const waves = Math.ceil(setup.running / setup.promptsPerIteration);
  // Per output token: a decode step yields the expected accepted length under speculative decoding.
  const tDecode = setup.decodeStep.latencySeconds / deploymentTokensPerStep(d);
  // (With one-token answers no decode phase holds a wave together: each client's next prompt
  // waits a whole round, which prediction's Little's law adds.)
  const prefillTtft = ((waves + 1) / 2) * setup.prefillSeconds;
  const tpot = tDecode + (O > 1 ? ((waves - 1) / 2) * setup.prefillSeconds / (O - 1) : 0);
  // A wave's clients send their next requests together, so the engine also waits out their
  // per-request cost (what keeps X · E2E = C).
  const cycle = engine.requestOverheadSeconds + waves * setup.prefillSeconds + (O - 1) * tDecode;
  const x = setup.running / cycle;
  const slotWait = concurrency > setup.running ? (concurrency - setup.running) / x : 0;
  return prediction(setup, concurrency, O, x, engine.requestOverheadSeconds + prefillTtft + slotWait, tpot);
}
