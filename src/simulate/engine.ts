import type { Role } from '../perf/open-loop.js';
import { MinHeap } from './heap.js';
import type { Arrival } from './requests.js';
import type { InstanceTiming } from './timing.js';
import { BlockCache } from './prefix-cache.js';
import type { PromptBlock } from './prefix-cache.js';
import type { PrefixRouting } from '../input/types.js';

/** A pool of identical instances in the simulation. */
export interface SimPool {
  id: string;
  role: Role;
  instances: number;
  timing: InstanceTiming;
  /** Longest request (prompt + answer; prompt + 1 on a prefill pool) it accepts; longer ones are refused. */
  maxModelLen?: number;
  /** Prefill and decode pools hand over only within the same class (e.g. a vendor); undefined: any. */
  pairClass?: string;
  /** KV-cache transfer of a prompt from this (prefill) pool to a decode pool (default: instant). */
  transferSeconds?: (decodePool: number, inputTokens: number) => number;
  /** A decode step reads the shared blocks all its sequences hold once, not once per sequence (shared-prefix attention). */
  sharedPrefixAttention?: boolean;
  /**
   * DP attention: `instances` are attention ranks, this many to an engine instance, which step
   * together (the MoE layers need every rank): an iteration lasts as long as the slowest rank's
   * own work plus the MoE work they share (the slowest rank's whole step where the timing has no
   * rank-local part), and a rank with nothing to do waits it out. Absent or 1: instances step alone.
   */
  attentionRanks?: number;
  /**
   * Attention-DP balance (TensorRT-LLM's ADP balance, perf/attention-dp-balance.ts): a rank's new
   * prompts wait until every rank of its instance holds one, or `timeoutIters` iterations, then
   * `batchingWaitIters` more.
   */
  attentionDpBalance?: { timeoutIters: number; batchingWaitIters: number };
}

/** Where a route's requests go: pools with their shares, for each side of the work. */
export interface SimRoute {
  /** Colocated and prefill-only pools, with the share of the route each takes. */
  prefillSide: Array<{ pool: number; share: number }>;
  /** Decode-only pools, with their shares (of the requests that go to a prefill-only pool). */
  decodeOnly: Array<{ pool: number; share: number }>;
}

/** Tokens of the leading shared blocks every one of `running` holds (the same blocks, by key): 0 if any holds none. */
function commonPrefix(running: ReadonlyArray<{ blocks?: PromptBlock[]; shared: number }>): number {
  const first = running[0];
  if (!first?.blocks || first.shared === 0) return 0;
  let depth = first.blocks.length;
  for (const r of running) {
    if (!r.blocks || r.shared === 0) return 0;
    let d = 0;
    while (d < depth && d < r.blocks.length && r.blocks[d].key === first.blocks[d].key) d++;
    depth = d;
    if (depth === 0) return 0;
  }
  let tokens = 0;
  for (let d = 0; d < depth; d++) tokens += first.blocks[d].tokens;
  return tokens;
}

/** What one finished request measured. */
export interface RequestOutcome {
  slice: number;
  /** The pool that prefilled it, and the one that decoded it (the same for a colocated pool). */
  pool: number;
  decodePool: number;
  ttft: number;
  /** Mean time per output token after the first (undefined for one-token answers). */
  tpot?: number;
  e2e: number;
}

/** Per-pool figures of a run. */
export interface PoolOutcome {
  /** Busy time over elapsed time, averaged over the pool's instances. */
  utilization: number;
  meanQueue: number;
  maxQueue: number;
  /** Running sequences evicted to make KV room (recomputed later), and requests refused as too long. */
  preemptions: number;
  rejected: number;
}

/** The raw result of a run (the measured requests went to {@link EngineOptions.record} as they finished). */
export interface EngineResult {
  pools: PoolOutcome[];
  /** Measured requests still unfinished when the run stopped draining (or refused), per slice. */
  unfinished: number[];
  endTime: number;
}

interface Req {
  arrival: number;
  input: number;
  output: number;
  slice: number;
  /** Tokens still to prefill of the current prompt (the input, or after a preemption input + generated). */
  remaining: number;
  /** The prompt being prefilled: the input, or the whole context again after a preemption. */
  prompt: number;
  /** Output tokens produced so far (the first one at the end of its prefill). */
  generated: number;
  firstToken: number;
  /** The pool that takes its prompt, and the one that decodes it. */
  pool: number;
  decodePool: number;
  /** The instance holding its KV cache while it is sent to the decode pool. */
  sender?: Instance;
  measured: boolean;
  /** Shared blocks its prompt starts with, and the tokens of them it holds in its instance's prefix cache (0: none held). */
  blocks?: PromptBlock[];
  shared: number;
  /** Tokens of earlier turns it finds cached (0: none, or not found). */
  historyTokens: number;
  /** Held back by attention-DP balance: its prompt waits for the other ranks (see SimPool.attentionDpBalance). */
  held?: boolean;
}

/** The attention ranks of one engine instance: they step together; under attention-DP balance, with their held prompts. */
interface RankGroup {
  ranks: Instance[];
  /** An iteration of the ranks is under way. */
  busy: boolean;
  /** Whether the pool balances prompts over the ranks (SimPool.attentionDpBalance). */
  balanced: boolean;
  held: Req[];
  /** When the oldest held prompt's timeout fires (Infinity: none pending). */
  timeoutAt: number;
}

interface Instance {
  pool: number;
  timing: InstanceTiming;
  role: Role;
  /** Prompts waiting to be prefilled (FCFS; preempted sequences go back to the front). */
  waiting: Req[];
  head: number;
  prefilling: Req[];
  /** Sequences whose KV arrived from a prefill pool, waiting for room. */
  decodeQueue: Req[];
  decodeHead: number;
  /** Sequences decoding, in the order they were admitted (the last is preempted first). */
  running: Req[];
  /** KV held by prompts sent to a decode pool and not yet read. */
  sendingBytes: number;
  /** When the instance's link to the decode pools is free again (its transfers go one after another). */
  linkFree: number;
  iteration: number;
  busy: boolean;
  busyTime: number;
  outstanding: number;
  queueArea: number;
  maxQueue: number;
  lastChange: number;
  preemptions: number;
  rejected: number;
  chunk: Array<[Req, number]>;
  /** Whether the iteration under way decodes the running sequences. */
  decoded: boolean;
  /** Its prefix cache of shared blocks (none on a decode-only instance, which receives whole sequences). */
  cache?: BlockCache;
  /** The ranks of its engine instance, where it is one of several (DP attention). */
  group?: RankGroup;
  /** In its group's iteration under way, it has work of its own (else it waits the iteration out). */
  stepped: boolean;
  /** The step it planned last (see plan): sequences decoded, their context tokens in all, prompt tokens prefilled. */
  step: { decoding: number; contextTokens: number; prefillTokens: number };
}

type Event =
  | { kind: 'arrive'; req: Req; pool: number }
  | { kind: 'iteration'; instance: Instance; duration: number }
  | { kind: 'transferred'; req: Req }
  | { kind: 'step'; group: RankGroup; duration: number }
  | { kind: 'release'; group: RankGroup; at: number };

/** How a run goes: its length, its warm-up, how many slices outcomes are counted in, and where they go. */
export interface EngineOptions {
  durationSeconds: number;
  warmupSeconds: number;
  slices: number;
  /** Takes each measured request as it finishes (the engine keeps none: memory stays flat in the run's length). */
  record: (outcome: RequestOutcome) => void;
  /** How the router places conversations (default random: a history is found on the instance a request lands on 1 time in n). */
  prefixRouting?: PrefixRouting;
}

/**
 * A discrete-event simulation of vLLM-like continuous batching: every instance runs iterations
 * that decode all its running sequences first and prefill waiting prompts FCFS in chunks within
 * the engine's token budget and sequence limit. KV memory is what the sequences really hold —
 * a prompt is admitted only while its KV fits beside what is running, every decoded token grows
 * its sequence, and when the next step would overflow the room the most recently admitted
 * sequence is preempted and recomputed later (its context prefilled again), as vLLM does; an
 * engine that reserves whole requests (TensorRT-LLM) admits a sequence only while its whole
 * answer fits, and so never preempts.
 * Requests longer than a pool's max model length are refused. Prefill-only instances keep a
 * prompt's KV until it reaches the decode pool (of the same pairing class) after its transfer;
 * an instance's transfers share its link, one after another.
 * Requests go to pools by their route's shares — the route is all the router knows of a request
 * (class and prompt length) — and, within a pool, to the instance with the fewest outstanding
 * requests. Requests arriving before `warmupSeconds` are not measured (the others go to
 * `record` as they finish); after the last arrival the
 * run drains, up to twice its duration plus a minute (what is left then is reported unfinished).
 * With prompt reuse, an instance's prefix cache holds shared blocks once for the sequences that
 * use them, keeps them in free KV room when idle (evicted least recently used), and a prompt
 * skips the leading blocks it finds computed there; a conversation's history is found at its hit
 * rate (prefix-aware routing) or that over the pool's instances (random routing).
 */
export function runEngine(
  pools: SimPool[],
  routes: SimRoute[],
  arrivals: Iterator<Arrival>,
  routeOf: (a: Arrival) => number,
  sliceOf: (a: Arrival, route: number) => number,
  rng: () => number,
  options: EngineOptions,
): EngineResult {
  const instances: Instance[][] = pools.map((pool, p) =>
    Array.from({ length: pool.instances }, () => ({
      pool: p,
      timing: pool.timing,
      role: pool.role,
      waiting: [],
      head: 0,
      prefilling: [],
      decodeQueue: [],
      decodeHead: 0,
      running: [],
      sendingBytes: 0,
      linkFree: 0,
      iteration: 0,
      busy: false,
      busyTime: 0,
      outstanding: 0,
      queueArea: 0,
      maxQueue: 0,
      lastChange: 0,
      preemptions: 0,
      rejected: 0,
      chunk: [],
      decoded: false,
      stepped: false,
      step: { decoding: 0, contextTokens: 0, prefillTokens: 0 },
      cache: pool.role === 'decode' ? undefined : new BlockCache((tokens) => pool.timing.blockBytes(tokens)),
    })),
  );
  pools.forEach((pool, p) => {
    const ranks = pool.attentionRanks ?? 1;
    if (ranks <= 1) return;
    // Decode pools receive whole sequences, no prompts: nothing to balance there.
    const balanced = pool.attentionDpBalance !== undefined && pool.role !== 'decode';
    for (let i = 0; i < instances[p].length; i += ranks) {
      const group: RankGroup = { ranks: instances[p].slice(i, i + ranks), busy: false, balanced, held: [], timeoutAt: Infinity };
      for (const x of group.ranks) x.group = group;
    }
  });
  const refused = pools.map(() => 0);
  const events = new MinHeap<Event>();
  const unfinished = Array.from({ length: options.slices }, () => 0);
  let now = 0;
  // Requests arrived and not yet finished (to count what a run leaves unfinished).
  const live = new Set<Req>();

  const choose = (choices: Array<{ pool: number; share: number }>): number => {
    let u = rng() * choices.reduce((sum, o) => sum + o.share, 0);
    for (const o of choices) {
      u -= o.share;
      if (u <= 0) return o.pool;
    }
    return choices[choices.length - 1].pool;
  };
  /** The decode pool a prefill pool hands to: by the route's shares, within the prefill pool's pairing class. */
  const decodeFor = (route: SimRoute, prefillPool: number): number => {
    const cls = pools[prefillPool].pairClass;
    const paired = route.decodeOnly.filter((d) => cls === undefined || pools[d.pool].pairClass === cls);
    return choose(paired.length > 0 ? paired : route.decodeOnly);
  };
  const leastLoaded = (pool: number): Instance | undefined =>
    instances[pool].reduce<Instance | undefined>((best, x) => (!best || x.outstanding < best.outstanding ? x : best), undefined);
  const queued = (x: Instance) => x.waiting.length - x.head + x.decodeQueue.length - x.decodeHead;
  const track = (x: Instance) => {
    x.queueArea += queued(x) * (now - x.lastChange);
    x.lastChange = now;
  };
  const kv = (x: Instance, tokens: number) => x.timing.kvBytes(tokens);
  /**
   * Whether the instance's engine reserves a sequence's whole answer at admission
   * (kv_reservation: whole-request, TensorRT-LLM's GUARANTEED_NO_EVICT): then it admits only what
   * fits at full length and never preempts. A prefill-only instance makes one token: nothing to reserve.
   */
  const reservesWhole = (x: Instance) => x.timing.engine.kvReservation === 'whole-request' && x.role !== 'prefill';
  /** Answer tokens a sequence has booked beyond those it holds (its whole answer's rest where reserved). */
  const booked = (x: Instance, r: Req) => (reservesWhole(x) ? r.output - r.generated : 0);
  /**
   * KV the instance holds now: running contexts (at their booked length), prompts being prefilled
   * (whole), prompts being sent — each less the shared blocks it holds in the prefix cache, which
   * count once.
   */
  const kvHeld = (x: Instance, grow: number) => {
    let bytes = x.sendingBytes;
    const whole = reservesWhole(x);
    for (const r of x.running) bytes += kv(x, r.input + (whole ? r.output : r.generated + grow) - r.shared);
    for (const r of x.prefilling) bytes += kv(x, r.prompt + booked(x, r) - r.shared);
    return bytes + (x.cache?.inUseBytes ?? 0);
  };
  /** A sequence lets go of the shared blocks it holds on an instance. */
  const releaseBlocks = (x: Instance, r: Req) => {
    if (r.shared === 0) return;
    x.cache!.release(r.blocks!);
    r.shared = 0;
  };

  /** A request's last token is out: record what it measured. */
  const complete = (r: Req) => {
    live.delete(r);
    if (r.measured) {
      options.record({ slice: r.slice, pool: r.pool, decodePool: r.decodePool, ttft: r.firstToken - r.arrival, tpot: r.output > 1 ? (now - r.firstToken) / (r.output - 1) : undefined, e2e: now - r.arrival });
    }
  };
  /** Hands a request to the least-loaded instance of a pool: its prompt to prefill, or (decode) its sequence. */
  const enqueue = (pool: number, r: Req, work: 'prompt' | 'sequence') => {
    const limit = pools[pool].maxModelLen;
    const longest = pools[pool].role === 'prefill' ? r.input + 1 : r.input + r.output;
    const x = leastLoaded(pool);
    // A request longer than the engine's max model length is refused (as vLLM answers 400), and
    // one sent to a pool with every instance down is lost: both count as misses.
    if (!x || (limit !== undefined && longest > limit)) {
      if (x) x.rejected++;
      else refused[pool]++;
      live.delete(r);
      if (r.measured) unfinished[r.slice]++;
      return;
    }
    x.outstanding++;
    track(x);
    (work === 'prompt' ? x.waiting : x.decodeQueue).push(r);
    x.maxQueue = Math.max(x.maxQueue, queued(x));
    if (work === 'prompt' && x.group?.balanced) hold(x.group, x, r);
    start(x);
  };

  /** One iteration of an attention rank as the balance counts them: a decode step of what it runs. */
  const iterationSeconds = (x: Instance) => {
    let context = 0;
    for (const r of x.running) context += r.input + r.generated;
    return x.timing.decodeSeconds(Math.max(1, x.running.length), x.running.length > 0 ? context / x.running.length : 1);
  };
  /**
   * A new prompt on a balanced rank waits: until every rank of its instance holds a prompt (then
   * all are released after the batching wait), or the timeout of the oldest held prompt.
   */
  const hold = (group: RankGroup, x: Instance, r: Req) => {
    const balance = pools[x.pool].attentionDpBalance!;
    r.held = true;
    group.held.push(r);
    if (group.ranks.every((rank) => rank.head < rank.waiting.length)) {
      const at = now + balance.batchingWaitIters * iterationSeconds(x);
      if (at <= now) release(group);
      else events.push(at, { kind: 'release', group, at });
      return;
    }
    if (group.timeoutAt === Infinity) {
      group.timeoutAt = now + (balance.timeoutIters + balance.batchingWaitIters) * iterationSeconds(x);
      events.push(group.timeoutAt, { kind: 'release', group, at: group.timeoutAt });
    }
  };
  /** Every held prompt of the ranks may be prefilled now. */
  const release = (group: RankGroup) => {
    for (const r of group.held) r.held = false;
    group.held.length = 0;
    group.timeoutAt = Infinity;
    startGroup(group);
  };

  /**
   * Evicts the most recently admitted sequence — a prompt still being prefilled, else the last
   * running one — back to the front of the queue: its whole context is prefilled again later.
   */
  const preempt = (x: Instance) => {
    const r = x.prefilling.length > 0 ? x.prefilling.pop()! : x.running.pop()!;
    x.preemptions++;
    releaseBlocks(x, r);
    r.prompt = r.input + r.generated;
    r.remaining = r.prompt;
    if (x.head > 0) x.waiting[--x.head] = r;
    else x.waiting.unshift(r);
  };

  /** Starts the next iteration of an instance (of its ranks, with DP attention) if it is idle and has work. */
  const start = (x: Instance) => {
    if (x.group) {
      startGroup(x.group);
      return;
    }
    if (x.busy) return;
    const duration = plan(x);
    if (duration === undefined) return;
    x.busy = true;
    events.push(now + duration, { kind: 'iteration', instance: x, duration });
  };

  /** The ranks of one instance step together: every rank plans its step, and the slowest sets the iteration. */
  const startGroup = (group: RankGroup) => {
    if (group.busy) return;
    let longest = -1;
    for (const rank of group.ranks) {
      const duration = plan(rank);
      rank.stepped = duration !== undefined;
      if (duration !== undefined) longest = Math.max(longest, duration);
    }
    if (longest < 0) return;
    const duration = groupStepSeconds(group) ?? longest;
    group.busy = true;
    for (const rank of group.ranks) rank.busy = true;
    events.push(now + duration, { kind: 'step', group, duration });
  };

  /**
   * A step of ranks with different loads: the slowest rank's own work (attention, dense layers,
   * shared experts) plus the MoE work they share, which takes every rank's tokens — timed as the
   * shared part of a step at the ranks' mean load (the full step less its rank-local part).
   * Undefined where the timing has no rank-local part (then the slowest rank's whole step).
   */
  const groupStepSeconds = (group: RankGroup): number | undefined => {
    const timing = group.ranks[0].timing;
    const local = timing.rankLocal;
    if (!local) return undefined;
    let slowest = 0;
    let decoding = 0;
    let contextTokens = 0;
    let prefillTokens = 0;
    for (const rank of group.ranks) {
      if (!rank.stepped) continue;
      const { step } = rank;
      let own = local.decodeSeconds(Math.max(1, step.decoding), step.decoding > 0 ? step.contextTokens / step.decoding : 1);
      for (const [r, tokens] of rank.chunk) own += local.prefillSeconds(tokens, r.prompt - r.remaining);
      slowest = Math.max(slowest, own);
      decoding += step.decoding;
      contextTokens += step.contextTokens;
      prefillTokens += step.prefillTokens;
    }
    const n = group.ranks.length;
    const context = decoding > 0 ? contextTokens / decoding : 1;
    const mean = (t: Pick<InstanceTiming, 'decodeSeconds' | 'prefillSeconds'>) => t.decodeSeconds(Math.max(1, decoding / n), context) + t.prefillSeconds(prefillTokens / n, 0);
    return slowest + Math.max(0, mean(timing) - mean(local));
  };

  /**
   * Admits what fits into an instance's next iteration (evicting where the running sequences
   * outgrow the room) and picks its prompt chunks: the iteration's duration, or undefined when it
   * has nothing to do.
   */
  const plan = (x: Instance): number | undefined => {
    track(x);
    const room = x.timing.kvRoomBytes;
    const limit = x.timing.maxSequences;
    // Decodes first: the running sequences grow by a token this step; evict until that fits.
    let held = kvHeld(x, 1);
    while (held > room && x.running.length + x.prefilling.length > 1) {
      preempt(x);
      held = kvHeld(x, 1);
    }
    // Then transferred sequences and waiting prompts, FCFS, while their KV fits and the sequence
    // limit allows (an empty instance takes one whatever its size, so nothing waits forever).
    const empty = () => x.running.length + x.prefilling.length === 0 && x.sendingBytes === 0;
    while (x.decodeHead < x.decodeQueue.length && x.running.length + x.prefilling.length < limit) {
      const r = x.decodeQueue[x.decodeHead];
      const need = kv(x, r.input + r.generated + Math.max(1, booked(x, r)));
      if (held + need > room && !empty()) break;
      x.decodeHead++;
      held += need;
      x.running.push(r);
    }
    while (x.head < x.waiting.length && x.running.length + x.prefilling.length < limit) {
      const r = x.waiting[x.head];
      if (r.held) break;
      // Its shared blocks: what the cache has computed it skips; what the cache lacks it stores there.
      const blocks = x.cache && r.blocks;
      const found = blocks ? x.cache!.lookup(blocks) : undefined;
      const carried = blocks ? blocks.reduce((sum, b) => sum + b.tokens, 0) : 0;
      const need = kv(x, r.prompt + booked(x, r) - carried) + (found?.newBytes ?? 0);
      if (held + need > room && !empty()) break;
      x.head++;
      held += need;
      if (blocks) {
        x.cache!.acquire(blocks);
        r.shared = carried;
      }
      const cached = Math.min(r.prompt - 1, Math.max(found?.cachedTokens ?? 0, r.historyTokens));
      if (cached > 0) r.remaining = r.prompt - cached;
      x.prefilling.push(r);
    }
    // Idle cached blocks live in the room the sequences leave: the least recently used go first.
    x.cache?.evictTo(room - held);
    // Drop the requests already taken off the queues once they are half of it: each one kept there
    // would hold a finished request (and its memory) until the next drop.
    if (x.head > 32 && x.head * 2 > x.waiting.length) {
      x.waiting = x.waiting.slice(x.head);
      x.head = 0;
    }
    if (x.decodeHead > 32 && x.decodeHead * 2 > x.decodeQueue.length) {
      x.decodeQueue = x.decodeQueue.slice(x.decodeHead);
      x.decodeHead = 0;
    }
    // Mixed scheduling (vLLM, TensorRT-LLM) decodes every running sequence and fills the rest of
    // the token budget with prompt chunks; prefill-first (SGLang) runs waiting prompts alone and
    // pauses the decodes meanwhile.
    const prefillFirst = x.timing.engine.scheduling === 'prefill-first' && x.prefilling.length > 0;
    let decoding = prefillFirst ? 0 : x.running.length;
    // A speculative step verifies k + 1 tokens of each sequence: all count against the token budget.
    let budget = Math.max(0, x.timing.engine.maxBatchedTokens - decoding * (x.timing.speculative?.tokensPerSequence ?? 1));
    x.chunk = [];
    for (const r of x.prefilling) {
      if (budget <= 0) break;
      const tokens = Math.min(r.remaining, budget);
      x.chunk.push([r, tokens]);
      budget -= tokens;
    }
    if (prefillFirst && x.chunk.length === 0) decoding = x.running.length;
    x.decoded = decoding > 0;
    if (decoding === 0 && x.chunk.length === 0) return undefined;
    let context = 0;
    if (decoding > 0) for (const r of x.running) context += r.input + r.generated;
    if (decoding > 1 && pools[x.pool].sharedPrefixAttention) context -= (decoding - 1) * commonPrefix(x.running);
    x.step.decoding = decoding;
    x.step.contextTokens = context;
    x.step.prefillTokens = 0;
    for (const [, tokens] of x.chunk) x.step.prefillTokens += tokens;
    let duration = x.timing.decodeSeconds(Math.max(1, decoding), decoding > 0 ? context / decoding : 1);
    for (const [r, tokens] of x.chunk) duration += x.timing.prefillSeconds(tokens, r.prompt - r.remaining);
    return duration;
  };

  /** An iteration of `duration` ends (`restart`: the instance starts its next one; a group's ranks start together). */
  const endIteration = (x: Instance, duration: number, restart = true) => {
    track(x);
    x.busy = false;
    x.busyTime += duration;
    x.iteration++;
    // Every running sequence decoded a token (unless the step was prefill only); those with their
    // whole answer finish, and the rest keep their order (compacted in place: this runs every iteration).
    if (x.decoded) {
      const running = x.running;
      let kept = 0;
      for (let i = 0; i < running.length; i++) {
        const r = running[i];
        r.generated += x.timing.speculative ? Math.min(acceptedTokens(x.timing.speculative.cumulative, rng()), r.output - r.generated) : 1;
        if (r.generated >= r.output) {
          x.outstanding--;
          releaseBlocks(x, r);
          complete(r);
        } else {
          running[kept++] = r;
        }
      }
      if (kept < running.length) running.length = kept;
    }
    for (const [r, tokens] of x.chunk) {
      r.remaining -= tokens;
      if (r.remaining > 0) continue;
      x.prefilling.splice(x.prefilling.indexOf(r), 1);
      if (r.shared > 0) x.cache!.computed(r.blocks!);
      if (x.role === 'prefill') {
        // The KV stays here until the decode pool has read it (its shared blocks with it).
        r.sender = x;
        x.sendingBytes += kv(x, r.prompt - r.shared);
        x.outstanding--;
        // Transfers share the instance's link: each takes it whole, in turn.
        const transfer = pools[x.pool].transferSeconds?.(r.decodePool, r.input) ?? 0;
        x.linkFree = Math.max(now, x.linkFree) + transfer;
        events.push(x.linkFree, { kind: 'transferred', req: r });
        continue;
      }
      // A recomputed sequence picks up where it was; a new one has its first token now.
      if (r.generated === 0) {
        r.firstToken = now;
        r.generated = 1;
      }
      if (r.generated >= r.output) {
        x.outstanding--;
        releaseBlocks(x, r);
        complete(r);
      } else {
        x.running.push(r);
      }
    }
    if (restart) start(x);
  };

  let next = arrivals.next();
  const scheduleArrival = () => {
    if (next.done) return;
    const a = next.value;
    next = arrivals.next();
    const route = routes[routeOf(a)];
    const pool = choose(route.prefillSide);
    // A history is found where the conversation's last turn ran: always with prefix-aware
    // routing (up to its hit rate), on one instance in n with random routing.
    const history = a.reuse?.history;
    const spread = options.prefixRouting === 'prefix-aware' ? 1 : Math.max(1, pools[pool].instances);
    const historyTokens = history && history.draw < history.hitRate / spread ? history.tokens : 0;
    const req: Req = {
      arrival: a.arrival,
      input: a.inputTokens,
      output: a.outputTokens,
      slice: sliceOf(a, routeOf(a)),
      remaining: a.inputTokens,
      prompt: a.inputTokens,
      generated: 0,
      firstToken: 0,
      pool,
      decodePool: pools[pool].role === 'prefill' ? decodeFor(route, pool) : pool,
      measured: a.arrival >= options.warmupSeconds,
      ...(a.reuse && a.reuse.blocks.length > 0 ? { blocks: a.reuse.blocks } : {}),
      shared: 0,
      historyTokens,
    };
    // The host-side cost before a request reaches the scheduler (HTTP, tokenising).
    events.push(a.arrival + pools[pool].timing.engine.requestOverheadSeconds, { kind: 'arrive', req, pool });
  };
  scheduleArrival();

  const stopAt = options.durationSeconds * 2 + 60;
  while (events.size > 0) {
    const time = events.peekKey();
    if (time > stopAt) break;
    const event = events.pop()!;
    now = time;
    if (event.kind === 'arrive') {
      live.add(event.req);
      enqueue(event.pool, event.req, 'prompt');
      scheduleArrival();
    } else if (event.kind === 'iteration') {
      endIteration(event.instance, event.duration);
    } else if (event.kind === 'step') {
      // A rank with nothing of its own waited the iteration out: not busy, its state unchanged.
      const { group, duration } = event;
      group.busy = false;
      for (const rank of group.ranks) {
        if (rank.stepped) endIteration(rank, duration, false);
        else rank.busy = false;
      }
      startGroup(group);
    } else if (event.kind === 'release') {
      // A stale timeout (its prompts went earlier, with every rank holding one) releases nothing.
      const { group, at } = event;
      if (group.held.length > 0 && (at === group.timeoutAt || group.ranks.every((rank) => rank.head < rank.waiting.length))) release(group);
    } else {
      // The first token reaches the user with the KV cache at the decode pool (as TTFT is planned).
      const r = event.req;
      const sender = r.sender!;
      sender.sendingBytes -= kv(sender, r.prompt - r.shared);
      releaseBlocks(sender, r);
      r.sender = undefined;
      start(sender);
      r.firstToken = now;
      r.generated = 1;
      if (r.output <= 1) complete(r);
      else enqueue(r.decodePool, r, 'sequence');
    }
  }
  const elapsed = Math.max(now, 1e-9);
  for (const r of live) if (r.measured) unfinished[r.slice]++;
  return {
    unfinished,
    endTime: now,
    pools: instances.map((xs, p) => ({
      utilization: xs.length === 0 ? 0 : xs.reduce((sum, x) => sum + x.busyTime, 0) / (xs.length * elapsed),
      meanQueue: xs.length === 0 ? 0 : xs.reduce((sum, x) => sum + x.queueArea + queued(x) * (now - x.lastChange), 0) / (xs.length * elapsed),
      maxQueue: xs.reduce((most, x) => Math.max(most, x.maxQueue), 0),
      preemptions: xs.reduce((sum, x) => sum + x.preemptions, 0),
      rejected: refused[p] + xs.reduce((sum, x) => sum + x.rejected, 0),
    })),
  };
}

/** Tokens a speculative step yields a sequence: the first j + 1 whose cumulative probability reaches u (drafts accepted until the first rejection). */
function acceptedTokens(cumulative: number[], u: number): number {
  let j = 0;
  while (j < cumulative.length - 1 && u >= cumulative[j]) j++;
  return j + 1;
}
