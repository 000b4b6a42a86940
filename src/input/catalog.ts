import { closestNames } from './did-you-mean.js';
import { missingEngineFields, normalizeEngine } from './engine-entry.js';
import type { RawEngine } from './engine-entry.js';
import { missingGpuFields, normalizeGpu } from './gpu-entry.js';
import type { RawEfficiency, RawGpu } from './gpu-entry.js';
import type { InputIssue } from './issues.js';
import { readMeasuredCapacity } from './measured-capacity.js';
import type { RawMeasuredCapacity } from './measured-capacity.js';
import type { Catalog, EngineProfile, GpuSpec, MeasuredCapacity } from './types.js';
import type { YamlSource } from './yaml-source.js';

/** A catalog file as written (schema-checked). */
export interface RawCatalog {
  version?: number;
  defaults?: { efficiency?: RawEfficiency };
  gpus?: Record<string, RawGpu>;
  engines?: Record<string, RawEngine>;
  measured_capacity?: RawMeasuredCapacity[];
}

type Mergeable = Record<string, unknown>;

function isPlainObject(value: unknown): value is Mergeable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge: mappings merge key by key, everything else in `top` replaces `base`. Keys are own
 * properties only: a `__proto__` or `constructor` key in a file is data, never the prototype.
 */
export function deepMerge<T>(base: T, top: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(top)) return (top === undefined ? base : top) as T;
  const merged: Mergeable = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const next = deepMerge(Object.hasOwn(merged, key) ? merged[key] : undefined, value);
    Object.defineProperty(merged, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return merged as T;
}

/** Names an id may not take: they are properties of every object (`constructor`, `__proto__`, `toString`…). */
export function isReservedId(id: string): boolean {
  return id in Object.prototype;
}

/**
 * Merges catalog files in order (the presets first, then user overlays that override fields or
 * add entries), checks that every GPU type and engine is complete, and normalises them.
 */
export function buildCatalog(sources: YamlSource[]): { catalog: Catalog; issues: InputIssue[] } {
  let merged: RawCatalog = {};
  const reserved: InputIssue[] = [];
  const introducedBy = new Map<string, YamlSource>();
  for (const source of sources) {
    const raw = source.data as RawCatalog;
    for (const section of ['gpus', 'engines'] as const) {
      for (const id of Object.keys(raw[section] ?? {})) if (!introducedBy.has(`${section}.${id}`)) introducedBy.set(`${section}.${id}`, source);
    }
    reserved.push(...(['gpus', 'engines'] as const).flatMap((section) =>
      Object.keys(raw[section] ?? {}).filter(isReservedId).map((id) => source.issueAt([section, id], `${section}.${id}: "${id}" is a reserved name, not usable as an id`, 'key'))));
    merged = deepMerge(merged, raw);
    // A price is one quote (per GPU, machine sizes, source, date): an overlay's replaces the whole of it.
    for (const [id, gpu] of Object.entries(raw.gpus ?? {})) if (gpu?.price !== undefined) merged.gpus![id].price = gpu.price;
  }
  const issues: InputIssue[] = [...reserved];
  const incomplete = (section: 'gpus' | 'engines', id: string, missing: string[], known: string[]) => {
    const hint = closestNames(id, known.filter((other) => other !== id));
    const overrideHint = hint.length > 0 ? ` (to override a known one, use its id: ${hint.join(', ')})` : '';
    const what = section === 'gpus' ? 'GPU type' : 'engine';
    issues.push(introducedBy.get(`${section}.${id}`)!.issueAt([section, id], `${section}.${id}: ${what} is missing ${missing.join(', ')}${overrideHint}`, 'key'));
  };
  // Null-prototype records: looking up an unknown id such as "constructor" finds nothing.
  const gpus: Record<string, GpuSpec> = Object.create(null);
  const rawGpus = merged.gpus ?? {};
  for (const id of Object.keys(rawGpus).filter((id) => !isReservedId(id)).sort()) {
    const efficiency = deepMerge(merged.defaults?.efficiency ?? {}, rawGpus[id].efficiency ?? {});
    const missing = missingGpuFields(rawGpus[id], efficiency);
    if (missing.length > 0) incomplete('gpus', id, missing, Object.keys(rawGpus));
    else gpus[id] = normalizeGpu(id, rawGpus[id], efficiency);
  }
  const engines: Record<string, EngineProfile> = Object.create(null);
  const rawEngines = merged.engines ?? {};
  for (const id of Object.keys(rawEngines).filter((id) => !isReservedId(id)).sort()) {
    const missing = missingEngineFields(rawEngines[id]);
    if (missing.length > 0) incomplete('engines', id, missing, Object.keys(rawEngines));
    else engines[id] = normalizeEngine(id, rawEngines[id]);
  }
  // Measured capacities add up across files (each keeps its own location for messages).
  const measuredCapacity: MeasuredCapacity[] = [];
  for (const source of sources) {
    const raws = (source.data as RawCatalog).measured_capacity ?? [];
    const read = readMeasuredCapacity(raws, source, ['measured_capacity'], { gpus });
    measuredCapacity.push(...read.entries);
    issues.push(...read.issues);
  }
  return { catalog: { gpus, engines, measuredCapacity }, issues };
}
