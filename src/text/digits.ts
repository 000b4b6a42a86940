/** Number text every layer shares (messages in input, planning and simulation, tables in report): fixed rules, no locale. */

/** A number with thousands separators (no locale, so no ICU start-up): 12345 → "12,345". */
export function grouped(value: number): string {
  const [whole, fraction] = String(value).split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction ? `.${fraction}` : ''}`;
}
