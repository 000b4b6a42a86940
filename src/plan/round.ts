/** Rounds a figure for printed data (stable output: 6 significant digits). */
export function round6(x: number): number {
  return Number(x.toPrecision(6));
}
