/**
 * An engine launch as data: the command each node of an instance runs, with the per-node values
 * (node rank, leader address) left as variables the shell script or the manifest fills in.
 */
import type { DeployFile } from './types.js';

/**
 * Values only the running node knows, written `{{NAME}}` inside a word: its rank in the
 * instance, the first node's address, and the folder holding the files the commands read.
 */
export const NODE_VARS = ['NODE_RANK', 'LEADER_ADDRESS', 'FILES_DIR'] as const;
/** One of them. */
export type NodeVar = (typeof NODE_VARS)[number];

/** One word of a command; `{{NODE_RANK}}` and the like stand for the node's values. */
export type Word = string;

/** A word cut into literal text and node variables, for a renderer to quote or substitute. */
export function wordParts(word: Word): Array<string | { var: NodeVar }> {
  const parts: Array<string | { var: NodeVar }> = [];
  for (const piece of word.split(/(\{\{(?:NODE_RANK|LEADER_ADDRESS|FILES_DIR)\}\})/)) {
    if (piece === '') continue;
    const m = /^\{\{(NODE_RANK|LEADER_ADDRESS|FILES_DIR)\}\}$/.exec(piece);
    parts.push(m ? { var: m[1] as NodeVar } : piece);
  }
  return parts;
}

/** What one instance of a pool runs. */
export interface EngineLaunch {
  /** The command of the first node (the only one for a single-node instance). */
  leader: Word[][];
  /** The command of every other node (multi-node instances). */
  worker?: Word[][];
  /** Files the commands read (TensorRT-LLM's extra options), named as the commands name them. */
  files: DeployFile[];
  /** Environment the engine needs besides its flags. */
  env: Record<string, string>;
}

/** `--flag value` pairs, skipping flags whose value is undefined, `true` as a bare flag. */
export function flags(pairs: Array<[string, string | number | boolean | undefined]>): Word[] {
  const words: Word[] = [];
  for (const [flag, value] of pairs) {
    if (value === undefined || value === false) continue;
    words.push(flag);
    if (value !== true) words.push(typeof value === 'number' ? String(value) : value);
  }
  return words;
}
