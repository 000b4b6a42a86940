/** A problem found in a user's input, located in its file where possible. */
export interface InputIssue {
  file: string;
  line?: number;
  col?: number;
  message: string;
}

/** Thrown when input is unusable; carries every problem found, not only the first. */
export class InputError extends Error {
  readonly issues: InputIssue[];

  constructor(issues: InputIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'InputError';
    this.issues = issues;
  }
}

/** Renders an issue as `file:line:col: message` (the form editors and CI annotations read). */
export function formatIssue(issue: InputIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  return `${where}: ${issue.message}`;
}

/** Orders issues by file, then position, then text, so output is stable. */
export function sortIssues(issues: InputIssue[]): InputIssue[] {
  return [...issues].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      a.message.localeCompare(b.message),
  );
}
