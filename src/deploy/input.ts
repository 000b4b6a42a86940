/**
 * From a saved plan and the command's options to what a render needs: the engine, the
 * checkpoint to load, the plan's GPU types as deployment sees them. Pure (the CLI reads files).
 */
import type { Plan } from '../plan/plan.js';
import { InputError } from '../input/issues.js';
import type { InputIssue } from '../input/issues.js';
import type { ModelRegistry } from '../input/models.js';
import type { Catalog } from '../input/types.js';
import type { DeployConfig } from './deploy-config.js';
import { deploySpeculative } from './speculative.js';
import { DEPLOY_ENGINES } from './types.js';
import type { DeployEngine, DeployGpu, DeployInput, DeployModel, DeployTarget } from './types.js';

/** The options of `planner deploy` that shape the render. */
export interface DeployOptions {
  target: DeployTarget;
  engine?: DeployEngine;
  image?: string;
  namespace?: string;
  modelPath?: string;
  /** --draft-model-path: the EAGLE head or draft model the drafter loads. */
  draftModelPath?: string;
}

/** The engine a target launches: its own, or for k8s --engine (default: the plan's, where deploy renders it). */
function engineFor(options: DeployOptions, plan: Plan): DeployEngine {
  if (options.target === 'llm-d') {
    if (options.engine && options.engine !== 'vllm') throw new InputError([{ file: '--engine', message: `llm-d serves with vLLM; got ${options.engine}` }]);
    return 'vllm';
  }
  if (options.target !== 'k8s') {
    if (options.engine && options.engine !== options.target) throw new InputError([{ file: '--engine', message: `--target ${options.target} launches ${options.target}; --engine applies to --target k8s` }]);
    return options.target;
  }
  return options.engine ?? ((DEPLOY_ENGINES as readonly string[]).includes(plan.engine) ? (plan.engine as DeployEngine) : 'vllm');
}

/** The Hugging Face id the model is known by: an Instruct alias of the preset where it has one. */
function presetCheckpoint(aliases: string[]): string | undefined {
  const ids = aliases.filter((a) => /^[\w.-]+\/[\w.-]+$/.test(a));
  return ids.find((a) => /instruct/i.test(a)) ?? ids[0];
}

/** The checkpoint to load: --model-path, else the spec's Hugging Face id, else the preset's. */
function deployModel(plan: Plan, models: ModelRegistry, modelPath: string | undefined, planFile: string): DeployModel {
  const preset = models.resolve(plan.model);
  const hybrid = plan.hybrid === true || preset?.linearAttention !== undefined ? { hybrid: true } : {};
  const arch = preset ? { layers: preset.layers, heads: preset.heads, kvHeads: preset.kvHeads, moe: preset.moe !== undefined, ...hybrid } : { moe: false, ...hybrid };
  const precisionOf = (name: string) => {
    const lookup = models.lookup(name);
    return lookup?.precision ?? lookup?.model.nativePrecision;
  };
  if (modelPath !== undefined) return { path: modelPath, origin: 'user', precision: precisionOf(modelPath), ...arch };
  if (plan.checkpoint) return { path: plan.checkpoint, origin: 'spec', precision: precisionOf(plan.checkpoint), ...arch };
  const fromPreset = preset ? presetCheckpoint(preset.aliases) : undefined;
  if (!fromPreset) throw new InputError([{ file: planFile, message: `the plan's model ${plan.model} names no Hugging Face checkpoint; give the one to load with --model-path` }]);
  return { path: fromPreset, origin: 'preset', precision: preset!.nativePrecision, ...arch };
}

/** The plan's GPU types as deployment sees them (unknown ids are left for the render to name). */
function deployGpus(plan: Plan, catalog: Catalog, config: DeployConfig): Map<string, DeployGpu> {
  const gpus = new Map<string, DeployGpu>();
  for (const id of new Set(plan.pools.map((p) => p.gpu))) {
    if (!Object.hasOwn(catalog.gpus, id)) continue;
    const gpu = catalog.gpus[id]!;
    const resource = config.resources.get(gpu.vendor);
    gpus.set(id, { id, name: gpu.name, vendor: gpu.vendor, gpusPerNode: gpu.gpusPerNode, ...(resource ? { resource } : {}), nodeLabels: config.nodeLabels.get(id) ?? { 'planner.dev/gpu': id } });
  }
  return gpus;
}

/** Refuses option values that cannot be written into a manifest or a command line (exit 2). */
export function checkDeployOptions(options: DeployOptions): void {
  const issues: InputIssue[] = [];
  if (options.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.namespace)) {
    issues.push({ file: '--namespace', message: `"${options.namespace}" is not a Kubernetes namespace name (lower-case letters, digits and -, at most 63)` });
  }
  if (options.image !== undefined && !/^[\w][\w.\-/:@]*$/.test(options.image)) issues.push({ file: '--image', message: 'is not a container image reference (registry/name:tag or @digest)' });
  for (const [flag, value] of [['--model-path', options.modelPath], ['--draft-model-path', options.draftModelPath]] as const) {
    if (value !== undefined && (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value))) issues.push({ file: flag, message: 'must be a Hugging Face id or a path, without control characters' });
  }
  if (issues.length > 0) throw new InputError(issues);
}

/** The draft model's Hugging Face id: the plan's name where it is one, else its preset's. */
function draftCheckpoint(name: string | null, models: ModelRegistry): string | undefined {
  if (name === null) return undefined;
  if (/^[\w.-]+\/[\w.-]+$/.test(name)) return name;
  const preset = models.resolve(name);
  return preset ? presetCheckpoint(preset.aliases) : undefined;
}

/** Refuses --draft-model-path where the plan's drafter loads no checkpoint of its own (exit 2). */
function checkDraftOption(plan: Plan, options: DeployOptions): void {
  if (options.draftModelPath === undefined) return;
  const method = plan.speculative?.method;
  if (method === 'eagle' || method === 'draft') return;
  const why = method === undefined ? 'the plan has no speculative decoding' : `the plan speculates with ${method === 'mtp' ? 'the model\'s own MTP modules' : 'prompt n-gram lookup'}, which loads no draft checkpoint`;
  throw new InputError([{ file: '--draft-model-path', message: `${why}; it applies to method eagle (the EAGLE head) or draft` }]);
}

/** Everything a render needs, from the plan, the options, the catalog and models, and the deploy presets. */
export function deployInput(plan: Plan, planFile: string, options: DeployOptions, inputs: { catalog: Catalog; models: ModelRegistry }, config: DeployConfig): DeployInput {
  const engine = engineFor(options, plan);
  checkDraftOption(plan, options);
  return {
    plan,
    planFile,
    target: options.target,
    engine,
    engineInfo: config.engines.get(engine)!,
    model: deployModel(plan, inputs.models, options.modelPath, planFile),
    gpus: deployGpus(plan, inputs.catalog, config),
    ...(options.image ? { image: options.image } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(plan.speculative ? { speculative: deploySpeculative(plan.speculative, options.draftModelPath, draftCheckpoint(plan.speculative.draftModel, inputs.models)) } : {}),
    ...attentionDpBalanceOf(plan, inputs.catalog),
  };
}

/** The attention-DP balancing the plan's engine profile counts on (in the catalog deploy is given), if any. */
function attentionDpBalanceOf(plan: Plan, catalog: Catalog): Pick<DeployInput, 'attentionDpBalance'> {
  const balance = Object.hasOwn(catalog.engines, plan.engine) ? catalog.engines[plan.engine].attentionDpBalance : undefined;
  return balance ? { attentionDpBalance: balance } : {};
}
