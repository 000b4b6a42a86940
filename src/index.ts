/** planner as a library: the pure core (spec loading from text, performance model) without I/O. */
export * from './spec/types.js';
export { parseQuantity } from './spec/units.js';
export { InputError, formatIssue } from './spec/issues.js';
export type { InputIssue } from './spec/issues.js';
export { loadCatalog, loadModelPresets, loadSpec } from './spec/load.js';
export type { TextFile, Loaded } from './spec/load.js';
export { createSchemaChecker } from './spec/schema-check.js';
export { totalParams, activeParams, paramBreakdown } from './perf/model-size.js';
export { kvBytesPerToken, kvBytesPerSequence } from './perf/kv-cache.js';
