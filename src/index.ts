/** planner as a library: the pure core (spec loading from text, performance model) without I/O. */
export * from './input/types.js';
export { parseQuantity } from './input/units.js';
export { InputError, formatIssue } from './input/issues.js';
export type { InputIssue } from './input/issues.js';
export { loadCatalog, loadModelPresets, loadSpec } from './input/load.js';
export type { TextFile, Loaded } from './input/load.js';
export { createSchemaChecker } from './input/schema-check.js';
export { totalParams, activeParams, paramBreakdown } from './perf/model-size.js';
export { kvBytesPerToken, kvBytesPerSequence } from './perf/kv-cache.js';
