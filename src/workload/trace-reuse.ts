import type { TraceRecord } from './trace-summary.js';

/** What a trace with session ids says about the reuse of earlier turns. */
export interface SessionReuse {
  /** Requests that carry a session id, and the sessions they belong to. */
  sessionRequests: number;
  sessions: number;
  /** Share of all requests that follow an earlier turn of their session. */
  followUpShare: number;
  /** Share of all prompt tokens that are earlier turns (the previous turn's prompt and answer). */
  historyShare: number;
  /** Share of a follow-up's prompt that is earlier turns: `reuse: { share, follow_ups }` in a spec. */
  followUpHistoryShare: number;
  /** Mean time from a turn's arrival to the next turn of its session (null: no follow-ups). */
  meanTurnGapSeconds: number | null;
  /** Tokens of history that conversations between turns hold on average (Little's law over the trace): the KV a prefix cache must keep to find them. */
  idleHistoryTokens: number;
}

/** What a trace with block hashes (Mooncake's hash_ids) says about prefix reuse. */
export interface BlockReuse {
  /** Tokens per hashed block (Mooncake: 512). */
  blockTokens: number;
  requests: number;
  distinctBlocks: number;
  /** Share of their prompt tokens in leading blocks an earlier request had: an unbounded prefix cache's hit rate. */
  hitShare: number;
}

/** Tokens per block of Mooncake-format traces (kvcache-ai/Mooncake FAST'25 traces; AIPerf's default). */
export const TRACE_BLOCK_TOKENS = 512;
/** Sessions remembered at once (the least recently seen is forgotten beyond it): memory stays bounded. */
const MAX_SESSIONS = 1_000_000;
/** Block hashes remembered (later ones are not added): memory stays bounded. */
const MAX_BLOCKS = 4_000_000;

interface Turn {
  time: number;
  turn?: number;
  contextTokens: number;
}

/** How a request follows the previous turn of its session: the history its prompt repeats and the time since. */
export interface FollowUp {
  historyTokens: number;
  /** The previous turn's prompt and answer, and the seconds from its arrival to this one's. */
  previousContextTokens: number;
  gapSeconds: number;
}

/**
 * The previous turn of every session (the least recently seen forgotten beyond
 * {@link MAX_SESSIONS}): for a request, whether it follows an earlier turn and what it repeats.
 */
export class SessionHistory {
  private readonly sessions = new Map<string, Turn>();

  /** Records a request of a session; its follow-up figures, or undefined for a first turn (a turn number that does not grow starts again). */
  next(r: TraceRecord, session: string): { follows?: FollowUp; isNew: boolean } {
    const previous = this.sessions.get(session);
    const follows = previous !== undefined && (r.turn === undefined || previous.turn === undefined || r.turn > previous.turn);
    // Most recently seen last: the first is the one to forget.
    this.sessions.delete(session);
    this.sessions.set(session, { time: r.timestampSeconds, turn: r.turn, contextTokens: r.inputTokens + r.outputTokens });
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    if (!follows) return { isNew: previous === undefined };
    return {
      isNew: false,
      follows: { historyTokens: Math.min(previous.contextTokens, r.inputTokens), previousContextTokens: previous.contextTokens, gapSeconds: Math.max(0, r.timestampSeconds - previous.time) },
    };
  }
}

/**
 * Accumulates the reuse figures of a trace: per session the previous turn (the history the next
 * prompt repeats), and the block hashes seen so far. Memory is bounded by {@link MAX_SESSIONS}
 * sessions and {@link MAX_BLOCKS} hashes.
 */
export class ReuseAccumulator {
  private readonly sessions = new SessionHistory();
  private readonly blocks = new Set<number>();
  private requests = 0;
  private promptTokens = 0;
  private sessionRequests = 0;
  private sessionCount = 0;
  private followUps = 0;
  private historyTokens = 0;
  private followUpPromptTokens = 0;
  private gapSum = 0;
  private idleTokenSeconds = 0;
  private blockRequests = 0;
  private blockPromptTokens = 0;
  private blockHitTokens = 0;

  /** Adds one request; how it follows an earlier turn of its session, if it does. */
  add(r: TraceRecord): FollowUp | undefined {
    this.requests++;
    this.promptTokens += r.inputTokens;
    if (r.blocks) this.addBlocks(r, r.blocks);
    return r.session === undefined ? undefined : this.addTurn(r, r.session);
  }

  /** Whether any request so far had a session id. */
  get hasSessions(): boolean {
    return this.sessionRequests > 0;
  }

  private addTurn(r: TraceRecord, session: string): FollowUp | undefined {
    this.sessionRequests++;
    const { follows, isNew } = this.sessions.next(r, session);
    if (isNew) this.sessionCount++;
    if (!follows) return undefined;
    this.followUps++;
    this.historyTokens += follows.historyTokens;
    this.followUpPromptTokens += r.inputTokens;
    this.gapSum += follows.gapSeconds;
    this.idleTokenSeconds += follows.gapSeconds * follows.previousContextTokens;
    return follows;
  }

  private addBlocks(r: TraceRecord, hashes: number[]): void {
    this.blockRequests++;
    this.blockPromptTokens += r.inputTokens;
    let leading = 0;
    while (leading < hashes.length && this.blocks.has(hashes[leading])) leading++;
    this.blockHitTokens += Math.min(leading * TRACE_BLOCK_TOKENS, r.inputTokens);
    for (const h of hashes) {
      if (this.blocks.size >= MAX_BLOCKS) break;
      this.blocks.add(h);
    }
  }

  /** The figures, each only where the trace has what it needs (`durationSeconds`: the trace's span). */
  summary(durationSeconds: number): { reuse?: SessionReuse; prefixBlocks?: BlockReuse } {
    const out: { reuse?: SessionReuse; prefixBlocks?: BlockReuse } = {};
    if (this.sessionRequests > 0) {
      out.reuse = {
        sessionRequests: this.sessionRequests,
        sessions: this.sessionCount,
        followUpShare: this.followUps / this.requests,
        historyShare: this.promptTokens > 0 ? this.historyTokens / this.promptTokens : 0,
        followUpHistoryShare: this.followUpPromptTokens > 0 ? this.historyTokens / this.followUpPromptTokens : 0,
        meanTurnGapSeconds: this.followUps > 0 ? this.gapSum / this.followUps : null,
        idleHistoryTokens: durationSeconds > 0 ? this.idleTokenSeconds / durationSeconds : 0,
      };
    }
    if (this.blockRequests > 0) {
      out.prefixBlocks = {
        blockTokens: TRACE_BLOCK_TOKENS,
        requests: this.blockRequests,
        distinctBlocks: this.blocks.size,
        hitShare: this.blockPromptTokens > 0 ? this.blockHitTokens / this.blockPromptTokens : 0,
      };
    }
    return out;
  }
}
