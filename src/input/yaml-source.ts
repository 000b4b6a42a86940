import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';
import type { InputIssue } from './issues.js';
import { MAX_COLLECTION_ENTRIES, MAX_DOCUMENT_ENTRIES, collectionTooLong, dataEntries, documentTooLarge, yamlSizeExcess } from './yaml-size.js';

/** A path into a parsed document, as JSON Pointer segments (keys and array indexes). */
export type DocPath = ReadonlyArray<string | number>;

/** A parsed YAML file: its plain data, its syntax problems, and a way to find a node's line. */
export interface YamlSource {
  file: string;
  data: unknown;
  issues: InputIssue[];
  /** Line and column of the node at `path` (or of its key), falling back to its nearest parent. */
  locate(path: DocPath, part?: 'value' | 'key'): { line: number; col: number };
  /** An issue at `path`, with the file, line and column filled in. */
  issueAt(path: DocPath, message: string, part?: 'value' | 'key'): InputIssue;
}

/** Limits that keep a hostile document from exhausting memory. */
export interface YamlLimits {
  maxAliasCount: number;
  /** Most levels of nested mappings and lists (a spec needs about six). */
  maxDepth: number;
}

/** The limits used unless a caller gives others. */
export const DEFAULT_YAML_LIMITS: YamlLimits = { maxAliasCount: 100, maxDepth: 64 };

/** A value set over the file's own (`--set path=value`): issues under its path name it instead of a line. */
export interface SourceOverride {
  path: DocPath;
  value: unknown;
  text: string;
}

/** Parses YAML text, keeping source positions so later checks can point at lines. */
export function parseYamlSource(
  file: string,
  text: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
  overrides: SourceOverride[] = [],
): YamlSource {
  // Too many entries for the parser's time and memory: refused from the text, before parsing.
  const excess = yamlSizeExcess(text);
  const lineCounter = new LineCounter();
  // Keys are checked for duplicates below, in linear time (the parser's own check is quadratic).
  const doc = parseDocument(excess ? '' : text, { lineCounter, prettyErrors: false, uniqueKeys: false, strict: true });
  const position = (offset: number) => lineCounter.linePos(offset);
  const issues: InputIssue[] = doc.errors.map((err) => ({
    file,
    ...position(err.pos[0]),
    message: /call stack/i.test(err.message) ? tooDeep(limits) : `YAML syntax: ${firstLine(err.message)}`,
  }));
  if (excess) issues.push({ file, ...textPosition(text, excess.offset), message: excess.message });
  else for (const offset of duplicateKeys(doc)) issues.push({ file, ...position(offset), message: 'YAML syntax: Map keys must be unique' });
  if (issues.length === 0) {
    for (const o of overrides) {
      const gap = indexPastEnd(doc, o.path);
      if (gap) {
        issues.push({ file: `--set ${o.text}`, message: gap });
        continue;
      }
      try {
        doc.setIn(o.path as Array<string | number>, doc.createNode(o.value));
      } catch (err) {
        issues.push({ file: `--set ${o.text}`, message: `cannot set it: ${firstLine(err instanceof Error ? err.message : String(err))}` });
      }
    }
  }
  let data: unknown = null;
  if (issues.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
      const entries = dataEntries(data);
      if (depth(data) > limits.maxDepth) {
        data = null;
        issues.push({ file, line: 1, col: 1, message: tooDeep(limits) });
      } else if (entries.total > MAX_DOCUMENT_ENTRIES || entries.longest > MAX_COLLECTION_ENTRIES) {
        // The text's estimate let it through; aliases (each use counted) can still expand it.
        data = null;
        issues.push({ file, line: 1, col: 1, message: entries.longest > MAX_COLLECTION_ENTRIES ? collectionTooLong() : documentTooLarge() });
      }
    } catch (err) {
      issues.push({ file, line: 1, col: 1, message: aliasMessage(err, limits) });
    }
  }
  const locate = (path: DocPath, part: 'value' | 'key' = 'value') => position(nodeOffset(doc, path, part));
  const overrideAt = (path: DocPath) => overrides.find((o) => o.path.every((s, i) => String(path[i]) === String(s)));
  return {
    file,
    data,
    issues,
    locate,
    issueAt: (path, message, part) => {
      const o = overrideAt(path);
      return o ? { file: `--set ${o.text}`, message } : { file, ...locate(path, part), message };
    },
  };
}

/**
 * A source for data parsed before (planner's own presets, bundled at build): it has no positions,
 * so an issue names the file alone.
 */
export function sourceFromData(file: string, data: unknown): YamlSource {
  return { file, data, issues: [], locate: () => ({ line: 1, col: 1 }), issueAt: (_path, message) => ({ file, message }) };
}

/** `['workload', 'classes', 0, 'share']` → `workload.classes[0].share` (how messages name a field). */
export function pathText(path: DocPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * Why a `--set` path's list index cannot be set: past the end of its list (which would fill the
 * gap with empty items), or into a list that does not exist unless it starts it at 0.
 */
function indexPastEnd(doc: Document, path: DocPath): string | undefined {
  for (let i = 0; i < path.length; i++) {
    const index = path[i];
    if (typeof index !== 'number') continue;
    const parent: unknown = doc.getIn(path.slice(0, i) as Array<string | number>, true);
    const length = isSeq(parent) ? parent.items.length : parent === undefined ? 0 : undefined;
    if (length !== undefined && index > length) {
      return `${pathText(path.slice(0, i + 1))}: index ${index} is past the end of the list, which has ${length} ${length === 1 ? 'item' : 'items'} (give an index up to ${length}; ${length} adds an item)`;
    }
  }
  return undefined;
}

/** Line and column (1-based) of a character offset, counted on the text itself. */
function textPosition(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** Offsets of mapping keys that repeat an earlier scalar key of the same mapping (as the parser's uniqueKeys, in linear time). */
function duplicateKeys(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (seen.has(key)) offsets.push(pair.key.range?.[0] ?? 0);
        seen.add(key);
      }
    },
  });
  return offsets;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

function tooDeep(limits: YamlLimits): string {
  return `YAML nests too deeply (more than ${limits.maxDepth} levels of mappings and lists); refusing to read it`;
}

/** Levels of nested mappings and lists in parsed data (iterative: deep data must not overflow the stack). */
function depth(data: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[data, 0]];
  while (stack.length > 0) {
    const [value, level] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    deepest = Math.max(deepest, level + 1);
    for (const child of Object.values(value)) stack.push([child, level + 1]);
  }
  return deepest;
}

function aliasMessage(err: unknown, limits: YamlLimits): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/call stack/i.test(text)) return tooDeep(limits);
  if (/alias/i.test(text)) {
    return `YAML aliases expand too much (more than ${limits.maxAliasCount} alias uses per node); refusing to expand it`;
  }
  return `YAML could not be read: ${firstLine(text)}`;
}

/**
 * Character offset of the deepest node along `path` that exists in the document. A mapping or
 * list is located at its key (`workload:`), where a reader looks for it; a scalar at its value.
 */
function nodeOffset(doc: Document, path: DocPath, part: 'value' | 'key'): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      node = pair.value;
      const keyOffset = rangeStart(pair.key);
      const atKey = (last && part === 'key') || isMap(node) || isSeq(node);
      offset = (atKey ? keyOffset : rangeStart(node)) ?? keyOffset ?? offset;
      if (last && part === 'key') return offset;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return offset;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
