import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { positiveHolds, unitHolds } from '../input/schema-keywords.js';
import { PACKAGE_ROOT } from './files.js';

/** dist/schemas/NAME.cjs, as scripts/compile-schemas.mjs writes it. */
interface CompiledSchema {
  /** Size and mtime of every schema file at build. */
  sources: Record<string, { size: number; mtimeMs: number }>;
  load(keywords: { unitHolds: typeof unitHolds; positiveHolds: typeof positiveHolds }): ValidateFunction;
}

const require = createRequire(import.meta.url);

/**
 * The validator of a schema compiled at build, when every schema file is unchanged since (same
 * size and mtime), else undefined: the caller compiles it at run time, from the same JSON, by
 * the same Ajv set-up.
 */
export function precompiledValidator(name: string): ValidateFunction | undefined {
  let compiled: CompiledSchema;
  try {
    compiled = require(join(PACKAGE_ROOT, `dist/schemas/${name}.cjs`)) as CompiledSchema;
  } catch {
    return undefined;
  }
  const fresh = Object.entries(compiled.sources).every(([schema, source]) => {
    const stats = statSync(join(PACKAGE_ROOT, `schemas/${schema}.schema.json`), { throwIfNoEntry: false });
    return stats !== undefined && stats.size === source.size && stats.mtimeMs === source.mtimeMs;
  });
  return fresh ? compiled.load({ unitHolds, positiveHolds }) : undefined;
}
