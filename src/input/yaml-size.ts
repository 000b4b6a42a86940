import { grouped } from '../text/digits.js';

/** Most entries (list items, mapping keys) one YAML list or mapping may have. */
export const MAX_COLLECTION_ENTRIES = 10_000;
/** Most entries a YAML file may have in all, aliases expanded (a saved plan of 256 slices has about 30,000). */
export const MAX_DOCUMENT_ENTRIES = 100_000;

/** Where a document's text first passes a size limit, and which. */
export interface SizeExcess {
  offset: number;
  message: string;
}

/** The message for a list or mapping past {@link MAX_COLLECTION_ENTRIES}. */
export function collectionTooLong(): string {
  return `a list or mapping with more than ${grouped(MAX_COLLECTION_ENTRIES)} entries; refusing to read it (the limit on one YAML list or mapping)`;
}

/** The message for a document past {@link MAX_DOCUMENT_ENTRIES}. */
export function documentTooLarge(): string {
  return `more than ${grouped(MAX_DOCUMENT_ENTRIES)} list items and mapping entries in all; refusing to read it (the limit on a YAML file)`;
}

const SCALAR_START = ':-?[{,';

/**
 * Counts the entries of a YAML text's lists and mappings without parsing it — in one pass, in
 * constant memory per level — and says where the first collection passes
 * {@link MAX_COLLECTION_ENTRIES} or the document {@link MAX_DOCUMENT_ENTRIES}. The YAML parser
 * costs about 10 µs and a kilobyte per entry, so a 10 MiB file of one flat list would take
 * minutes and gigabytes; this refuses it in milliseconds. The count is an estimate on the safe
 * side (a block entry per line at the same indentation, a flow entry per comma); the exact count
 * of the parsed data is checked after parsing.
 */
export function yamlSizeExcess(text: string): SizeExcess | undefined {
  const flow: number[] = [];
  const block: Array<{ indent: number; count: number }> = [];
  let total = 0;
  let quote: string | undefined;
  let blockScalar = -1;
  let lineIndent = 0;
  let prev = '';
  const n = text.length;
  let i = 0;
  let lineStart = true;
  const over = (count: number, offset: number): SizeExcess | undefined =>
    count > MAX_COLLECTION_ENTRIES ? { offset, message: collectionTooLong() } : total > MAX_DOCUMENT_ENTRIES ? { offset, message: documentTooLarge() } : undefined;
  const skipLine = () => {
    const end = text.indexOf('\n', i);
    i = end < 0 ? n : end;
  };
  while (i < n) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else {
          quote = undefined;
          prev = 'x';
        }
      }
      i++;
      continue;
    }
    if (lineStart) {
      lineStart = false;
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      const first = text[j];
      if (j >= n || first === '\n' || first === '\r' || first === '#' || (blockScalar >= 0 && j - i > blockScalar)) {
        skipLine();
        continue;
      }
      blockScalar = -1;
      lineIndent = j - i;
      prev = '';
      if (flow.length === 0) {
        if (text.startsWith('---', j) || text.startsWith('...', j)) block.length = 0;
        else {
          while (block.length > 0 && block[block.length - 1].indent > lineIndent) block.pop();
          const top = block[block.length - 1];
          if (top && top.indent === lineIndent) top.count++;
          else block.push({ indent: lineIndent, count: 1 });
          total++;
          const excess = over(block[block.length - 1].count, j);
          if (excess) return excess;
        }
      }
      i = j;
      continue;
    }
    const atScalarStart = (prev === '' || SCALAR_START.includes(prev)) && (i === 0 || ' \t[{,'.includes(text[i - 1]) || (flow.length > 0 && text[i - 1] === ':'));
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      skipLine();
      continue;
    }
    if ((c === '"' || c === "'") && atScalarStart) quote = c;
    else if ((c === '[' || c === '{') && atScalarStart) {
      flow.push(1);
      total++;
    } else if ((c === ']' || c === '}') && flow.length > 0) flow.pop();
    else if (c === ',' && flow.length > 0) {
      total++;
      const excess = over(++flow[flow.length - 1], i);
      if (excess) return excess;
    } else if ((c === '|' || c === '>') && flow.length === 0 && atScalarStart) blockScalar = lineIndent;
    if (c !== ' ' && c !== '\t' && c !== '\r') prev = c;
    i++;
  }
  return undefined;
}

/** Entries of parsed data (aliases counted each time they are used) and its longest list or mapping, stopping past the limit. */
export function dataEntries(data: unknown): { total: number; longest: number } {
  let total = 0;
  let longest = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0 && total <= MAX_DOCUMENT_ENTRIES) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    const children = Object.values(value);
    total += children.length;
    longest = Math.max(longest, children.length);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return { total, longest };
}
