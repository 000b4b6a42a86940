import type { Catalog } from './types.js';

/** Finds a GPU type by id or alias (case-insensitive; own ids only, so "constructor" is unknown). */
export function resolveGpuId(catalog: Catalog, name: string): string | undefined {
  const lower = String(name).trim().toLowerCase();
  if (Object.hasOwn(catalog.gpus, lower)) return lower;
  for (const gpu of Object.values(catalog.gpus)) {
    if (gpu.aliases.some((alias) => alias.toLowerCase() === lower)) return gpu.id;
  }
  return undefined;
}

/** Every name a GPU type answers to, mapped to its id (for "did you mean" hints). */
export function gpuNames(catalog: Catalog): Map<string, string> {
  return new Map(Object.values(catalog.gpus).flatMap((gpu) => [gpu.id, ...gpu.aliases].map((name) => [name, gpu.id] as const)));
}
