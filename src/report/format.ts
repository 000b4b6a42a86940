/** Human formatting of SI quantities for tables and messages (stable: fixed rules, no locale). */
import { grouped } from '../text/digits.js';

/** Rounds to `digits` significant digits and drops trailing zeros: 3.3500 → "3.35". */
export function sig(value: number, digits = 3): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return Number(value.toFixed(decimals)).toString();
}

/** Fixed decimals with trailing zeros kept: 2.5 → "2.50" (for money columns). */
export function fixed(value: number, decimals = 2): string {
  return value.toFixed(decimals);
}

/** Bytes in binary units: 85899345920 → "80 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sig(value)} ${units[unit]}`;
}

/** Bandwidth in decimal units: 3.35e12 → "3.35 TB/s". */
export function formatBandwidth(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1e12) return `${sig(bytesPerSecond / 1e12)} TB/s`;
  if (bytesPerSecond >= 1e9) return `${sig(bytesPerSecond / 1e9)} GB/s`;
  return `${sig(bytesPerSecond / 1e6)} MB/s`;
}

/** Large counts: 8.03e9 → "8.03B", 405e6 → "405M". */
export function formatCount(count: number): string {
  if (count >= 1e12) return `${sig(count / 1e12)}T`;
  if (count >= 1e9) return `${sig(count / 1e9)}B`;
  if (count >= 1e6) return `${sig(count / 1e6)}M`;
  if (count >= 1e3) return `${sig(count / 1e3)}k`;
  return sig(count);
}

/** Durations: 0.0123 → "12.3 ms", 2.5 → "2.5 s", 4e-5 → "40 µs". */
export function formatDuration(seconds: number): string {
  if (seconds >= 1) return `${sig(seconds)} s`;
  if (seconds >= 1e-3) return `${sig(seconds * 1e3)} ms`;
  return `${sig(seconds * 1e6)} µs`;
}

/** Amounts of money up to this print in full; larger ones (only an absurd input has them) in e-notation. */
const LARGEST_PRINTED_USD = 1e15;

/** USD with two decimals: 2.5 → "$2.50" (an absurd amount: "$1.00e+300", never "undefined" or "Infinity"). */
export function formatUsd(usd: number): string {
  return usdAmount(usd, (whole) => whole);
}

/**
 * USD with two decimals, the whole dollars through `group` (thousands separators): 1234.5 →
 * "$1,234.50"; past $10^15, or not a finite number, e-notation or the number's name.
 */
export function usdAmount(usd: number, group: (whole: string) => string = (whole) => grouped(Number(whole))): string {
  if (!Number.isFinite(usd)) return Number.isNaN(usd) ? '$NaN' : `${usd < 0 ? '−' : ''}$∞`;
  if (Math.abs(usd) >= LARGEST_PRINTED_USD) return `${usd < 0 ? '-' : ''}$${Math.abs(usd).toExponential(2)}`;
  const [whole, cents] = fixed(usd).split('.');
  return `$${group(whole)}.${cents}`;
}

/** Power: 700 → "700 W", 12500 → "12.5 kW". */
export function formatPower(watts: number): string {
  return watts >= 10_000 ? `${sig(watts / 1000)} kW` : `${sig(watts)} W`;
}

/** An error in percent to one decimal ("12.3%"), "-" where there is none (NaN). */
export function errorPct(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)}%` : '-';
}

/** A signed error in whole percent ("+12%", "-3%"). */
export function signedPct(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(0)}%`;
}

/** "312 ms" from milliseconds, "-" for none. */
export function msText(value: number | null): string {
  if (value === null) return '-';
  return value >= 1000 ? `${sig(value / 1000)} s` : `${sig(value)} ms`;
}

/** "$1,234.56" with thousands separators (stable: no locale). */
export function usdText(value: number): string {
  return usdAmount(value);
}
