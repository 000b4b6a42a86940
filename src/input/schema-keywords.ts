import type { _ as Code, Ajv, KeywordCxt } from 'ajv';
import { parseQuantity } from './units.js';
import type { QuantityKind } from './units.js';

/** `unit: kind`: the value is a quantity of that kind in human units (10ms, 80GB, 20/s). */
export function unitHolds(kind: string, data: unknown): boolean {
  return parseQuantity(kind as QuantityKind, data).ok;
}

/** `positive: true` beside `unit`: the quantity, where it parses, is more than 0. */
export function positiveHolds(wanted: boolean, unit: string | undefined, data: unknown): boolean {
  if (!wanted || !unit) return true;
  const parsed = parseQuantity(unit as QuantityKind, data);
  return !parsed.ok || parsed.value > 0;
}

/**
 * Adds the `unit` and `positive` keywords as generated code that calls the functions above — so
 * that validators compiled at build (ajv standalone, where they are reached as
 * `plannerKeywords.*`) check exactly what the ones compiled at run time check. Their messages
 * are written from the failing value when errors are described.
 */
export function addUnitKeywords(ajv: Ajv, _: typeof Code): void {
  ajv.addKeyword({
    keyword: 'unit',
    schemaType: 'string',
    code(cxt: KeywordCxt) {
      const check = cxt.gen.scopeValue('func', { ref: unitHolds, code: _`plannerKeywords.unitHolds` });
      cxt.fail(_`!${check}(${cxt.schemaValue}, ${cxt.data})`);
    },
  });
  ajv.addKeyword({
    keyword: 'positive',
    schemaType: 'boolean',
    code(cxt: KeywordCxt) {
      const check = cxt.gen.scopeValue('func', { ref: positiveHolds, code: _`plannerKeywords.positiveHolds` });
      const unit = (cxt.parentSchema as { unit?: string }).unit;
      cxt.fail(_`!${check}(${cxt.schemaValue}, ${unit ?? ''}, ${cxt.data})`);
    },
  });
}
