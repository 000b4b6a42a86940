/**
 * One escaping layer per output format. Every string that comes from the user (spec, catalog
 * overlay, saved plan, trace, measurement file) goes through one of these where it is rendered;
 * our own text and colour are added around it afterwards. JSON needs none beyond JSON.stringify.
 */

/** A text renderer's escaper: the user's string in, the same string safe for one format out. */
export type Escape = (text: string) => string;

/**
 * Terminal escape sequences, 7- and 8-bit: CSI (`ESC [` … final byte), OSC, DCS, SOS, PM and APC
 * strings (up to BEL or ST, or the end of the line when unterminated), and two-character escapes.
 */
const SEQUENCE =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c\n]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
/** Characters that end a line somewhere (C0 breaks, NEL, Unicode line and paragraph separators). */
const BREAK = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** C0 and C1 controls and DEL. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Bidirectional embeddings, overrides and isolates (they reorder what a reader sees). */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** A user's string as one line of plain text: escape sequences and controls removed, line breaks as spaces. */
export function plainText(text: string): string {
  return String(text).replace(SEQUENCE, '').replace(BREAK, ' ').replace(CONTROL, '').replace(BIDI, '');
}

/** A message for the terminal (several lines allowed): like plainText, but newlines and tabs stay. */
export function terminalMessage(text: string): string {
  return String(text)
    .replace(SEQUENCE, '')
    .replace(/\r\n/g, '\n')
    .replace(/[\v\f\r\u0085\u2028\u2029]/g, ' ')
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g, '')
    .replace(BIDI, '');
}

/**
 * Last line of defence at the streams: text about to be written with escape sequences and
 * controls removed (newlines and tabs kept), except our own colour (SGR) when colour is on. DEL
 * and C1 characters, which JSON.stringify leaves raw, become `\u009b`-style text: JSON and YAML
 * strings still mean what they did. A `message` (stderr, never data) loses bidi overrides too.
 */
export function terminalOutput(text: string, color: boolean, kind: 'data' | 'message' = 'data'): string {
  const clean = (piece: string) =>
    (kind === 'message' ? piece.replace(BIDI, '') : piece)
      .replace(/\u001b(?:\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|[\]PX^_][^\u0007\u001b\u009c\n]*(?:\u0007|\u001b\\|\u009c)?|[\u0020-\u002f]*[\u0030-\u007e]?)/g, '')
      .replace(/[\u0000-\u0008\u000b-\u001f]/g, '')
      .replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (!color) return clean(text);
  return text
    .split(/(\u001b\[[0-9;]*m)/)
    .map((piece, i) => (i % 2 === 1 ? piece : clean(piece)))
    .join('');
}

const MARKDOWN_SPECIAL: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * A user's string as inline GitHub-flavoured markdown that renders as the literal text: one line,
 * no HTML (`<` `>` `&` as entities), no links, code, emphasis or table breaks (`\` escapes), and no
 * @mention or #reference that would notify (a zero-width joiner after `@` and `#`).
 */
export function markdownText(text: string): string {
  return plainText(text)
    .replace(/[&<>]/g, (c) => MARKDOWN_SPECIAL[c])
    .replace(/[\\`*_~|[\]]/g, (c) => `\\${c}`)
    .replace(/([@#])(?=[\p{L}\p{N}])/gu, '$1\u200d')
    .replace(/^(\s*)#/, '$1\\#');
}

/**
 * A CSV cell (RFC 4180): one line, quoted when it holds a comma, a quote or surrounding space, and
 * a leading `=`, `+`, `-` or `@` defused with `'` so a spreadsheet does not run it as a formula.
 */
export function csvCell(text: string): string {
  const line = plainText(text);
  const safe = /^[=+\-@]/.test(line) ? `'${line}` : line;
  return /[",]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
