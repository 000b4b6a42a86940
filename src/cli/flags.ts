import { InputError } from '../spec/issues.js';
import { parseQuantity } from '../spec/units.js';
import type { QuantityKind } from '../spec/units.js';

/** A flag's value in human units ("10min", "40/s", "$120/h"), or an input error naming the flag. */
export function flagQuantity(flag: string, kind: QuantityKind, raw: string): number;
export function flagQuantity(flag: string, kind: QuantityKind, raw: string | undefined): number | undefined;
export function flagQuantity(flag: string, kind: QuantityKind, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const parsed = parseQuantity(kind, raw);
  if (!parsed.ok) throw new InputError([{ file: flag, message: parsed.message }]);
  return parsed.value;
}
