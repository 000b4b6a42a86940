import { InputError } from '../input/issues.js';
import { parseQuantity } from '../input/units.js';
import type { QuantityKind } from '../input/units.js';
import { grouped } from '../text/digits.js';

/** A flag's value in human units ("10min", "40/s", "$120/h"), or an input error naming the flag. */
export function flagQuantity(flag: string, kind: QuantityKind, raw: string): number;
export function flagQuantity(flag: string, kind: QuantityKind, raw: string | undefined): number | undefined;
export function flagQuantity(flag: string, kind: QuantityKind, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const parsed = parseQuantity(kind, raw);
  if (!parsed.ok) throw new InputError([{ file: flag, message: parsed.message }]);
  return parsed.value;
}

/**
 * A flag's whole number from `min` to `max` (digits only: no sign, fraction, exponent or unit),
 * or an input error naming the flag and the range; `what` says what the limit is on.
 */
export function flagWholeNumber(flag: string, raw: string, min: number, max: number, what?: string): number {
  const value = Number(raw);
  if (/^\s*\d{1,15}\s*$/.test(raw) && value >= min && value <= max) return value;
  const limit = what ? ` (the limit on ${what})` : '';
  throw new InputError([{ file: flag, message: `must be a whole number from ${min} to ${grouped(max)}${limit}, got "${raw}"` }]);
}
