import type { Role } from '../perf/open-loop.js';
import { MinHeap } from './heap.js';
import type { Arrival } from './requests.js';
import type { InstanceTiming } from './timing.js';

/** A pool of identical instances in the simulation. */
export interface SimPool {
  id: string;
  role: Role;
  instances: number;
  timing: InstanceTiming;
}

/** Where a slice's requests go: pools with their shares, for each side of the work. */
export interface SimRoute {
  /** Colocated and prefill-only pools, with the share of the slice each takes. */
  prefillSide: Array<{ pool: number; share: number }>;
  /** Decode-only pools, with their shares (of the requests that go to a prefill-only pool). */
  decodeOnly: Array<{ pool: number; share: number }>;
}

/** What one finished request measured. */
export interface RequestOutcome {
  slice: number;
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
}

/** The raw result of a run. */
export interface EngineResult {
  outcomes: RequestOutcome[];
  pools: PoolOutcome[];
  /** Measured requests still unfinished when the run stopped draining, per slice. */
  unfinished: number[];
  endTime: number;
}

interface Req {
  arrival: number;
  input: number;
  output: number;
  slice: number;
  remaining: number;
  firstToken: number;
  kvBytes: number;
  context: number;
  decodePool: number;
  measured: boolean;
}

interface Instance {
  pool: number;
  timing: InstanceTiming;
  role: Role;
  waiting: Req[];
  head: number;
  prefilling: Req[];
  decodeQueue: Req[];
  decodeHead: number;
  running: MinHeap<Req>;
  contextSum: number;
  kvUsed: number;
  iteration: number;
  busy: boolean;
  busyTime: number;
  outstanding: number;
  queueArea: number;
  maxQueue: number;
  lastChange: number;
  chunk: Array<[Req, number]>;
}

type Event = { kind: 'arrive'; req: Req; pool: number } | { kind: 'iteration'; instance: Instance; duration: number } | { kind: 'transferred'; req: Req };

/**
 * A discrete-event simulation of continuous batching with chunked prefill: every instance runs
 * iterations that decode all its running sequences and prefill waiting prompts FCFS within the
 * engine's token budget; prompts are admitted while their KV cache (I + O/2 tokens, the steady
 * mean) fits; prefill-only instances hand finished prompts to a decode pool after the KV-cache
 * transfer. Requests go to pools by the plan's shares and, within a pool, to the instance with
 * the fewest outstanding requests. Requests arriving before `warmupSeconds` are not measured;
 * after the last arrival the run drains, up to twice its duration plus a minute (what is left
 * then is reported unfinished).
 */
export function runEngine(
  pools: SimPool[],
  routes: SimRoute[],
  arrivals: Iterator<Arrival>,
  sliceOf: (a: Arrival) => number,
  rng: () => number,
  options: { durationSeconds: number; warmupSeconds: number },
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
      running: new MinHeap<Req>(),
      contextSum: 0,
      kvUsed: 0,
      iteration: 0,
      busy: false,
      busyTime: 0,
      outstanding: 0,
      queueArea: 0,
      maxQueue: 0,
      lastChange: 0,
      chunk: [],
    })),
  );
  const events = new MinHeap<Event>();
  const outcomes: RequestOutcome[] = [];
  let now = 0;
  // Requests arrived and not yet finished (to count what a run leaves unfinished).
  const live = new Set<Req>();

  const choose = (options: Array<{ pool: number; share: number }>): number => {
    let u = rng() * options.reduce((sum, o) => sum + o.share, 0);
    for (const o of options) {
      u -= o.share;
      if (u <= 0) return o.pool;
    }
    return options[options.length - 1].pool;
  };
  const leastLoaded = (pool: number): Instance => instances[pool].reduce((best, x) => (x.outstanding < best.outstanding ? x : best));
  const queued = (x: Instance) => x.waiting.length - x.head + x.decodeQueue.length - x.decodeHead;
  const track = (x: Instance) => {
    x.queueArea += queued(x) * (now - x.lastChange);
    x.lastChange = now;
  };

  /** A request's last token is out: record what it measured. */
  const complete = (r: Req) => {
    live.delete(r);
    if (r.measured) {
      outcomes.push({ slice: r.slice, ttft: r.firstToken - r.arrival, tpot: r.output > 1 ? (now - r.firstToken) / (r.output - 1) : undefined, e2e: now - r.arrival });
    }
  };
  const finish = (x: Instance, r: Req) => {
    x.kvUsed -= r.kvBytes;
    x.contextSum -= r.context;
    x.outstanding--;
    complete(r);
  };
  /** Hands a request to the least-loaded instance of a pool: its prompt to prefill, or (decode) its sequence. */
  const enqueue = (pool: number, r: Req, work: 'prompt' | 'sequence') => {
    const x = leastLoaded(pool);
    r.kvBytes = x.timing.kvBytes(x.role === 'prefill' ? r.input : r.context);
    x.outstanding++;
    track(x);
    (work === 'prompt' ? x.waiting : x.decodeQueue).push(r);
    x.maxQueue = Math.max(x.maxQueue, queued(x));
    start(x);
  };

  const start = (x: Instance) => {
    if (x.busy) return;
    track(x);
    const limit = x.timing.engine.maxSequences;
    // Admit waiting prompts (and, on a decode instance, transferred sequences) while their KV cache fits.
    while (x.head < x.waiting.length && x.running.size + x.prefilling.length < limit) {
      const r = x.waiting[x.head];
      if (x.kvUsed + r.kvBytes > x.timing.kvRoomBytes && x.running.size + x.prefilling.length > 0) break;
      x.head++;
      x.kvUsed += r.kvBytes;
      x.prefilling.push(r);
    }
    while (x.decodeHead < x.decodeQueue.length && x.running.size < limit) {
      const r = x.decodeQueue[x.decodeHead];
      if (x.kvUsed + r.kvBytes > x.timing.kvRoomBytes && x.running.size > 0) break;
      x.decodeHead++;
      x.kvUsed += r.kvBytes;
      x.contextSum += r.context;
      x.running.push(x.iteration + r.output - 1, r);
    }
    if (x.head > 1024 && x.head * 2 > x.waiting.length) {
      x.waiting = x.waiting.slice(x.head);
      x.head = 0;
    }
    if (x.decodeHead > 1024 && x.decodeHead * 2 > x.decodeQueue.length) {
      x.decodeQueue = x.decodeQueue.slice(x.decodeHead);
      x.decodeHead = 0;
    }
    const decoding = x.running.size;
    let budget = Math.max(0, x.timing.engine.maxBatchedTokens - decoding);
    x.chunk = [];
    for (const r of x.prefilling) {
      if (budget <= 0) break;
      const tokens = Math.min(r.remaining, budget);
      x.chunk.push([r, tokens]);
      budget -= tokens;
    }
    if (decoding === 0 && x.chunk.length === 0) return;
    const context = decoding > 0 ? x.contextSum / decoding : 1;
    let duration = x.timing.decodeSeconds(Math.max(1, decoding), context);
    for (const [r, tokens] of x.chunk) duration += x.timing.prefillSeconds(tokens, r.input - r.remaining);
    x.busy = true;
    events.push(now + duration, { kind: 'iteration', instance: x, duration });
  };

  const endIteration = (x: Instance, duration: number) => {
    track(x);
    x.busy = false;
    x.busyTime += duration;
    x.iteration++;
    for (const [r, tokens] of x.chunk) {
      r.remaining -= tokens;
      if (r.remaining > 0) continue;
      x.prefilling.splice(x.prefilling.indexOf(r), 1);
      if (x.role === 'prefill') {
        events.push(now + x.timing.transferSeconds(r.input), { kind: 'transferred', req: r });
        x.kvUsed -= r.kvBytes;
        x.outstanding--;
        continue;
      }
      r.firstToken = now;
      if (r.output <= 1) {
        finish(x, r);
      } else {
        x.contextSum += r.context;
        x.running.push(x.iteration + r.output - 1, r);
      }
    }
    while (x.running.size > 0 && x.running.peekKey() <= x.iteration) finish(x, x.running.pop()!);
    start(x);
  };

  let next = arrivals.next();
  const scheduleArrival = () => {
    if (next.done) return;
    const a = next.value;
    next = arrivals.next();
    const slice = sliceOf(a);
    const route = routes[slice];
    const pool = choose(route.prefillSide);
    const req: Req = {
      arrival: a.arrival,
      input: a.inputTokens,
      output: a.outputTokens,
      slice,
      remaining: a.inputTokens,
      firstToken: 0,
      kvBytes: 0,
      context: a.inputTokens + a.outputTokens / 2,
      decodePool: pools[pool].role === 'prefill' ? choose(route.decodeOnly) : pool,
      measured: a.arrival >= options.warmupSeconds,
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
    } else {
      // The first token reaches the user with the KV cache at the decode pool (as TTFT is planned).
      const r = event.req;
      r.firstToken = now;
      if (r.output <= 1) complete(r);
      else enqueue(r.decodePool, r, 'sequence');
    }
  }
  const elapsed = Math.max(now, 1e-9);
  const unfinished = routes.map(() => 0);
  for (const r of live) if (r.measured) unfinished[r.slice]++;
  return {
    outcomes,
    unfinished,
    endTime: now,
    pools: instances.map((xs) => ({
      utilization: xs.reduce((sum, x) => sum + x.busyTime, 0) / (xs.length * elapsed),
      meanQueue: xs.reduce((sum, x) => sum + x.queueArea + queued(x) * (now - x.lastChange), 0) / (xs.length * elapsed),
      maxQueue: Math.max(0, ...xs.map((x) => x.maxQueue)),
    })),
  };
}
