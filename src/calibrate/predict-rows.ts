import { resolveDeployment } from '../perf/resolve.js';
import { predictInstance } from '../perf/data-parallel.js';
import type { ModelRegistry } from '../input/models.js';
import type { Measurement } from '../input/measurements.js';
import type { Catalog } from '../input/types.js';

/** A measured row with the model's prediction for it, or why it could not be predicted. */
export interface RowResult {
  row: Measurement;
  /** Model id × GPU id, the unit the accuracy report groups by. */
  group: string;
  /** Ids the row resolved to (for calibration). */
  gpuId?: string;
  engineId?: string;
  /** The model routes tokens to experts. */
  moe?: boolean;
  predictedTtftMs?: number;
  predictedTpotMs?: number;
  /** TTFT + (output tokens − 1) × TPOT: a request's (or a static batch's) whole latency. */
  predictedE2eMs?: number;
  error?: string;
}

/** Predicts one measured configuration with the catalog's factors. */
export function predictRow(row: Measurement, catalog: Catalog, models: ModelRegistry, defaultEngine: string): RowResult {
  const engineId = row.engine ?? defaultEngine;
  const resolved = resolveDeployment({ ...row, engine: engineId }, catalog, models);
  const group = `${models.resolve(row.model)?.id ?? row.model} × ${resolved && 'deployment' in resolved ? resolved.deployment.gpu.id : row.gpu}`;
  if ('error' in resolved) return { row, group, error: resolved.error };
  const { deployment, engine } = resolved;
  const shape = { inputTokens: row.inputTokens, outputTokens: row.outputTokens };
  // With DP attention the row's clients spread over the instance's ranks.
  const prediction = predictInstance(deployment, row.mode === 'static' ? 'static' : 'closed-loop', row.concurrency, shape, engine);
  const ids = { gpuId: deployment.gpu.id, engineId, moe: deployment.model.moe !== undefined };
  if ('reason' in prediction) return { row, group, ...ids, error: prediction.reason };
  return { row, group, ...ids, predictedTtftMs: prediction.ttftSeconds * 1000, predictedTpotMs: prediction.tpotSeconds * 1000, predictedE2eMs: prediction.e2eSeconds * 1000 };
}
