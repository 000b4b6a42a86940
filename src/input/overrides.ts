import { parse } from 'yaml';
import type { InputIssue } from './issues.js';
import type { DocPath } from './yaml-source.js';
import { MAX_COLLECTION_ENTRIES } from './yaml-size.js';
import { grouped } from '../text/digits.js';

/** A `--set path=value` override of a spec field. */
export interface Override {
  path: DocPath;
  value: unknown;
  /** As the user typed it, for messages. */
  text: string;
}

/**
 * Reads `workload.rate=40/s`, `planning.gpus=[l4, h100-sxm]` or `workload.classes[0].share=30%`:
 * a dotted path (list items by [index] or .index) and a YAML value.
 */
export function parseOverride(text: string): Override | InputIssue {
  const eq = text.indexOf('=');
  const bad = (why: string): InputIssue => ({ file: `--set ${text}`, message: why });
  if (eq <= 0) return bad('expected path=value, e.g. --set workload.rate=40/s');
  const pathText = text.slice(0, eq).trim();
  const segments = pathText.replace(/\[(\d+)\]/g, '.$1').split('.');
  if (segments.some((s) => s === '' || !/^[A-Za-z0-9_$-]+$/.test(s))) return bad(`"${pathText}" is not a field path (e.g. workload.rate or workload.classes[0].share)`);
  const index = segments.find((s) => /^\d+$/.test(s) && !(Number(s) < MAX_COLLECTION_ENTRIES));
  if (index !== undefined) return bad(`list index ${index.length > 12 ? `${index.slice(0, 12)}…` : index} is over the limit of ${grouped(MAX_COLLECTION_ENTRIES)} items in a list`);
  let value: unknown;
  try {
    value = parse(text.slice(eq + 1));
  } catch (err) {
    return bad(`the value is not valid YAML (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  return { path: segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), value, text };
}
