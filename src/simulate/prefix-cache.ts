/** A shared prompt block a request carries: a key for its content (its path of blocks) and its tokens. */
export interface PromptBlock {
  key: string;
  tokens: number;
}

interface Entry {
  bytes: number;
  /** Sequences holding it now; an entry nobody holds is idle, kept until its room is needed. */
  refs: number;
  /** Computed: a prompt that reaches it later skips it (a block still being prefilled saves nothing yet). */
  ready: boolean;
}

/**
 * One instance's prefix cache of shared blocks, as vLLM's and SGLang's paged caches keep it: a
 * block is stored once however many running sequences use it; when the last one lets go it stays
 * cached in free KV room, and the least recently used idle blocks are evicted first when the room
 * is needed — the cache never takes room from a running sequence.
 */
export class BlockCache {
  private readonly entries = new Map<string, Entry>();
  /** Idle entries, least recently used first. */
  private readonly idle = new Map<string, Entry>();
  inUseBytes = 0;
  idleBytes = 0;

  /** `bytes`: the KV bytes a block of so many tokens takes on the instance. */
  constructor(private readonly bytes: (tokens: number) => number) {}

  /**
   * Tokens of the leading computed blocks of a prompt, and the bytes its blocks add to those in use:
   * the ones not cached, and the cached ones no running sequence holds (idle, kept in free room).
   */
  lookup(blocks: PromptBlock[]): { cachedTokens: number; newBytes: number } {
    let cachedTokens = 0;
    let newBytes = 0;
    let leading = true;
    for (const b of blocks) {
      const e = this.entries.get(b.key);
      leading &&= e?.ready === true;
      if (leading) cachedTokens += b.tokens;
      if (!e) newBytes += this.bytes(b.tokens);
      else if (e.refs === 0) newBytes += e.bytes;
    }
    return { cachedTokens, newBytes };
  }

  /** A sequence takes its blocks (storing the ones not cached). */
  acquire(blocks: PromptBlock[]): void {
    for (const b of blocks) {
      let e = this.entries.get(b.key);
      if (!e) {
        e = { bytes: this.bytes(b.tokens), refs: 0, ready: false };
        this.entries.set(b.key, e);
      } else if (e.refs === 0) {
        this.idle.delete(b.key);
        this.idleBytes -= e.bytes;
      }
      if (e.refs === 0) this.inUseBytes += e.bytes;
      e.refs++;
    }
  }

  /** The blocks a sequence holds are computed: later prompts skip them. */
  computed(blocks: PromptBlock[]): void {
    for (const b of blocks) {
      const e = this.entries.get(b.key);
      if (e) e.ready = true;
    }
  }

  /** A sequence lets go of its blocks (finished, preempted, or sent to a decode pool). */
  release(blocks: PromptBlock[]): void {
    for (const b of blocks) {
      const e = this.entries.get(b.key)!;
      e.refs--;
      if (e.refs > 0) continue;
      this.inUseBytes -= e.bytes;
      // A block left half-computed (its sequence preempted mid-prompt) is of no use: dropped.
      if (!e.ready) {
        this.entries.delete(b.key);
        continue;
      }
      this.idle.set(b.key, e);
      this.idleBytes += e.bytes;
    }
  }

  /** Evicts idle blocks, least recently used first, until they fit in `freeBytes`. */
  evictTo(freeBytes: number): void {
    for (const [key, e] of this.idle) {
      if (this.idleBytes <= freeBytes) return;
      this.idle.delete(key);
      this.entries.delete(key);
      this.idleBytes -= e.bytes;
    }
  }
}
