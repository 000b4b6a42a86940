import { checkedQuantity } from './models.js';
import type { PromptReuse, SharedPrefix } from './types.js';
import type { DocPath } from './yaml-source.js';

/** One shared prefix block as written: `{ shared_tokens: 2k, hit_rate: 90%, distinct: 1 }`. */
export interface RawPrefixBlock {
  shared_tokens: number | string;
  hit_rate?: number | string;
  distinct?: number;
}

/** A spec's `prefix`: one block, or blocks in prompt order. */
export type RawPrefix = RawPrefixBlock | RawPrefixBlock[];

/** A spec's `reuse`: the share of each (follow-up) prompt that is earlier turns (70%), with the follow-ups' share and a hit rate, or `trace` (measured from a trace's sessions). */
export type RawReuse = number | string | { share: number | string; follow_ups?: number | string; hit_rate?: number | string };

/** A percentage as a fraction: `30%`, `30` and `0.3` are all 0.3 (a bare number above 1 is a percentage). */
export function percentFraction(raw: number | string): number {
  const value = checkedQuantity('percent', raw);
  return typeof raw === 'string' && raw.trim().endsWith('%') ? value / 100 : value > 1 ? value / 100 : value;
}

type At = (path: DocPath, message: string) => void;

/** Where a class's reuse keys are written, and what a trace measured for `reuse: trace`. */
export interface ReuseSource {
  prefix?: { raw: RawPrefix; path: DocPath };
  reuse?: { raw: RawReuse; path: DocPath };
  /** What a trace's sessions show: the share of a follow-up's prompt that is earlier turns, and of requests that are follow-ups (undefined: no trace, or no sessions in it). */
  traceHistory?: { share: number; followUps: number; bySize?: boolean };
  /** Whether the spec plans from a trace (for the message when `reuse: trace` finds nothing to read). */
  hasTrace: boolean;
}

const percentText = (f: number) => `${Math.round(f * 1000) / 10}%`;

/**
 * A class's prompt reuse from its `prefix` and `reuse` keys (issues at their lines), or
 * undefined when nothing is reused: blocks from the first with a 0 hit rate on are dropped
 * (nothing after an uncached block is found cached), and so is a history of share or hit rate 0.
 */
export function normalizeReuse(source: ReuseSource, at: At): PromptReuse | undefined {
  const prefixes: SharedPrefix[] = [];
  if (source.prefix) {
    const { raw, path } = source.prefix;
    const blocks = Array.isArray(raw) ? raw : [raw];
    const blockPath = (i: number): DocPath => (Array.isArray(raw) ? [...path, i] : path);
    let previous = 1;
    let cut = false;
    blocks.forEach((b, i) => {
      const hitRate = b.hit_rate === undefined ? 1 : percentFraction(b.hit_rate);
      if (hitRate > 1) at([...blockPath(i), 'hit_rate'], `a hit rate is at most 100%, got ${b.hit_rate}`);
      else if (hitRate > previous + 1e-12) {
        at([...blockPath(i), 'hit_rate'], `a block is found cached only with the blocks before it, so its hit rate (${percentText(hitRate)}) cannot exceed theirs (${percentText(previous)})`);
      }
      previous = Math.min(previous, hitRate);
      cut ||= hitRate === 0;
      if (!cut) prefixes.push({ tokens: checkedQuantity('tokens', b.shared_tokens), hitRate, distinct: b.distinct ?? 1 });
    });
  }
  let history: PromptReuse['history'];
  if (source.reuse) {
    const { raw, path } = source.reuse;
    if (raw === 'trace') {
      const measured = source.traceHistory;
      if (measured === undefined) {
        at(path, source.hasTrace
          ? 'the trace has no session ids (a session_id column, or trace.columns.session_id) or block hashes (hash_ids) to measure reuse from; give a share such as 70%'
          : 'reuse: trace measures the reuse of a trace\'s sessions; give workload.trace, or a share such as 70%');
      }
      else if (measured.share > 0 && measured.followUps > 0) history = { share: measured.share, followUps: measured.followUps, hitRate: 1, ...(measured.bySize ? { bySize: true } : {}) };
    } else {
      const object = typeof raw === 'object' ? raw : undefined;
      const share = percentFraction(object ? object.share : (raw as number | string));
      const followUps = object?.follow_ups !== undefined ? percentFraction(object.follow_ups) : 1;
      const hitRate = object?.hit_rate !== undefined ? percentFraction(object.hit_rate) : 1;
      const sharePath = object ? [...path, 'share'] : path;
      let ok = true;
      const bad = (where: DocPath, message: string) => {
        at(where, message);
        ok = false;
      };
      if (followUps > 1) bad([...path, 'follow_ups'], `a share of requests is at most 100%, got ${object!.follow_ups}`);
      if (share >= 1) bad(sharePath, `the earlier turns are less than the whole prompt (each turn adds a message): give a share under 100%, got ${object ? object.share : raw}`);
      if (hitRate > 1) bad([...path, 'hit_rate'], `a hit rate is at most 100%, got ${object!.hit_rate}`);
      if (ok && share > 0 && hitRate > 0) history = { share, followUps, hitRate };
    }
  }
  if (prefixes.length === 0 && !history) return undefined;
  return { prefixes, ...(history ? { history } : {}) };
}
