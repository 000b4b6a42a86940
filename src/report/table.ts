import Table from 'cli-table3';
import { plainText } from './escape.js';

/** A table column: its header and how its cells align. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

/**
 * Renders a borderless table with right-aligned number columns (stable in snapshots).
 * Colour is the caller's: pass `header` painted or plain; cli-table3's own styling is off,
 * since it emits colour codes even into pipes. Every cell and header is plain text (the user's
 * escape sequences, controls and line breaks removed) before the header is painted.
 */
export function renderTable(columns: Column[], rows: string[][], paintHeader: (text: string) => string = (t) => t): string {
  const table = new Table({
    head: columns.map((c) => paintHeader(plainText(c.header))),
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: columns.map((c) => c.align ?? 'left'),
  });
  for (const row of rows) table.push(row.map(plainText));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}
