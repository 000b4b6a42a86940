import { resolveGpuId } from '../input/gpu-names.js';
import { didYouMean } from '../input/did-you-mean.js';
import type { ModelRegistry } from '../input/models.js';
import type { Catalog, EngineProfile, KvDtype, WeightDtype } from '../input/types.js';
import { shapeProblems } from './deployment.js';
import type { Deployment } from './deployment.js';

/** A deployment named by the user: model and GPU by id or alias, degrees and precisions. */
export interface DeploymentNames {
  model: string;
  gpu: string;
  tp: number;
  pp: number;
  ep: number;
  /** Attention data-parallel ranks (absent: 1). */
  dp?: number;
  weights?: WeightDtype;
  kvCache?: KvDtype;
  engine: string;
}

/** Resolves names into a deployment and its engine, or says what is wrong with them. */
export function resolveDeployment(
  names: DeploymentNames,
  catalog: Catalog,
  models: ModelRegistry,
): { deployment: Deployment; engine: EngineProfile } | { error: string } {
  const model = models.resolve(names.model);
  if (!model) return { error: `unknown model "${names.model}"${didYouMean(names.model, models.names)}` };
  const gpuId = resolveGpuId(catalog, names.gpu);
  if (!gpuId) return { error: `unknown GPU "${names.gpu}"${didYouMean(names.gpu, Object.keys(catalog.gpus))}` };
  const engine = Object.hasOwn(catalog.engines, names.engine) ? catalog.engines[names.engine] : undefined;
  if (!engine) return { error: `unknown engine "${names.engine}"${didYouMean(names.engine, Object.keys(catalog.engines))}` };
  const vendor = catalog.gpus[gpuId].vendor;
  if (engine.vendors && !engine.vendors.includes(vendor)) return { error: `${engine.name} runs on ${engine.vendors.join(', ')} GPUs only; ${gpuId} is ${vendor}` };
  const deployment: Deployment = {
    model,
    gpu: catalog.gpus[gpuId],
    tp: names.tp,
    pp: names.pp,
    ep: names.ep,
    ...((names.dp ?? 1) > 1 ? { dp: names.dp } : {}),
    weights: names.weights ?? model.nativePrecision,
    kvCache: names.kvCache ?? 'bf16',
  };
  const problems = shapeProblems(deployment);
  return problems.length > 0 ? { error: problems.join('; ') } : { deployment, engine };
}
