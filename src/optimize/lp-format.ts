import type { LinearProgram } from './lp.js';

/** A number as LP-format text: full precision, no locale. */
function num(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(15);
}

function terms(entries: Array<[string, number]>): string {
  return entries.map(([name, c], i) => `${c < 0 ? '-' : i === 0 ? '' : '+'} ${num(Math.abs(c))} ${name}`).join(' ');
}

/**
 * The program in CPLEX LP format (what HiGHS reads). Rows are named r0, r1, … (constraint names
 * may hold characters the format reads as operators, such as the "-" of a GPU id); constraints
 * without terms are left out (the caller decides beforehand whether such a constraint can hold).
 */
export function toLpFormat(lp: LinearProgram, relax: boolean): string {
  const objective = Object.entries(lp.objective).filter(([, c]) => c !== 0);
  const rows = lp.constraints
    .map((c, i) => {
      const entries = Object.entries(c.terms).filter(([, v]) => v !== 0);
      if (entries.length === 0) return undefined;
      const relation = c.max !== undefined ? `<= ${num(c.max)}` : c.min !== undefined ? `>= ${num(c.min)}` : `= ${num(c.equal!)}`;
      return ` r${i}: ${terms(entries)} ${relation}`;
    })
    .filter((row): row is string => row !== undefined);
  const integers = relax ? [] : lp.integers;
  const bounds = Object.entries(lp.upper ?? {}).map(([name, bound]) => ` ${name} <= ${num(bound)}`);
  return [
    'Minimize',
    ` obj: ${objective.length > 0 ? terms(objective) : '0 n0'}`,
    'Subject To',
    ...rows,
    ...(bounds.length > 0 ? ['Bounds', ...bounds] : []),
    ...(integers.length > 0 ? ['General', ` ${integers.join(' ')}`] : []),
    'End',
    '',
  ].join('\n');
}

/** Whether a constraint without terms can hold (0 against its bound). */
export function emptyRowHolds(c: LinearProgram['constraints'][number]): boolean {
  return (c.max === undefined || c.max >= 0) && (c.min === undefined || c.min <= 0) && (c.equal === undefined || c.equal === 0);
}
