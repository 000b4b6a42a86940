import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Option } from 'commander';
import { loadDeployConfig } from '../../deploy/deploy-config.js';
import type { DeployConfig } from '../../deploy/deploy-config.js';
import { renderDeployment } from '../../deploy/render.js';
import { DEPLOY_ENGINES, DEPLOY_TARGETS } from '../../deploy/types.js';
import type { DeployEngine, DeployFile, DeployGpu, DeployInput, DeployModel, DeployTarget } from '../../deploy/types.js';
import type { Plan } from '../../plan/plan.js';
import { InputError } from '../../spec/issues.js';
import type { ModelRegistry } from '../../spec/models.js';
import type { SchemaChecker } from '../../spec/schema-check.js';
import type { Catalog } from '../../spec/types.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { readPackageFile, readUserFile } from '../files.js';
import { loadInputs, loadPlanFile } from '../inputs.js';
import { writeErrorCause, writeFileAtomic } from '../write-file.js';

interface DeployOptions {
  target: DeployTarget;
  engine?: DeployEngine;
  outDir?: string;
  image?: string;
  namespace?: string;
  modelPath?: string;
  catalog: string[];
  deployConfig: string[];
}

/** The deploy presets (presets/deploy.yaml) and the user's overlays, schema-checked. */
function deployConfig(check: SchemaChecker, paths: string[], cwd: string): DeployConfig {
  const loaded = loadDeployConfig(check, [readPackageFile('presets/deploy.yaml'), ...paths.map((p) => readUserFile(p, cwd))]);
  if (!loaded.value) throw new InputError(loaded.issues);
  return loaded.value;
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
  const arch = preset ? { layers: preset.layers, heads: preset.heads, kvHeads: preset.kvHeads, moe: preset.moe !== undefined } : { moe: false };
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

/** Refuses option values that cannot be written into a manifest or a command line. */
function checkOptions(options: DeployOptions): void {
  const issues = [];
  if (options.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.namespace)) {
    issues.push({ file: '--namespace', message: `"${options.namespace}" is not a Kubernetes namespace name (lower-case letters, digits and -, at most 63)` });
  }
  if (options.image !== undefined && !/^[\w][\w.\-/:@]*$/.test(options.image)) issues.push({ file: '--image', message: 'is not a container image reference (registry/name:tag or @digest)' });
  if (options.modelPath !== undefined && (options.modelPath.trim() === '' || /[\u0000-\u001f\u007f]/.test(options.modelPath))) {
    issues.push({ file: '--model-path', message: 'must be a Hugging Face id or a path, without control characters' });
  }
  if (issues.length > 0) throw new InputError(issues);
}

/** Writes each file into the folder (created if missing), atomically: a reader never sees half a file. */
function writeFiles(dir: string, files: DeployFile[], cwd: string): string[] {
  try {
    mkdirSync(isAbsolute(dir) ? dir : resolve(cwd, dir), { recursive: true });
  } catch (err) {
    throw new InputError([{ file: dir, message: `cannot create the folder: ${writeErrorCause(err)}` }]);
  }
  return files.map((file) => {
    const path = join(dir, file.name);
    writeFileAtomic(path, file.text, cwd, { mode: file.name.endsWith('.sh') ? 0o755 : 0o644 });
    return path;
  });
}

/** `planner deploy`: a saved plan as launch commands, Kubernetes objects or llm-d values. */
export const registerDeploy: Register = (program, action) => {
  program
    .command('deploy')
    .description('turn a saved plan into launch scripts (vLLM, SGLang, TensorRT-LLM), Kubernetes objects or llm-d Helm values, with its routing table')
    .argument('<plan>', 'plan JSON (planner plan --out)')
    .addOption(new Option('--target <target>', 'what to write').choices([...DEPLOY_TARGETS]).makeOptionMandatory())
    .addOption(new Option('--engine <engine>', 'engine the Kubernetes pods run (--target k8s; default: the plan\'s)').choices([...DEPLOY_ENGINES]))
    .option('--out-dir <dir>', 'write the files here (default: print the main file on stdout)')
    .option('--image <image>', 'container image for every pool (default: the engine\'s release for the GPU vendor)')
    .option('--namespace <ns>', 'Kubernetes namespace of the objects (default: kubectl\'s current one)')
    .option('--model-path <path>', 'checkpoint to load: a Hugging Face id or a path (default: the model the spec named)')
    .option('--catalog <file>', 'catalog overlay that defines the plan\'s GPU types (repeatable)', collect, [])
    .option('--deploy-config <file>', 'overlay of presets/deploy.yaml: images, GPU resources, node labels (repeatable)', collect, [])
    .action(
      action(({ io, out }, planPath: string, options: DeployOptions) => {
        checkOptions(options);
        const inputs = loadInputs(options.catalog, io.cwd);
        const plan = loadPlanFile(planPath, inputs, io.cwd);
        const config = deployConfig(inputs.check, options.deployConfig, io.cwd);
        const engine = engineFor(options, plan);
        const input: DeployInput = {
          plan,
          planFile: planPath,
          target: options.target,
          engine,
          engineInfo: config.engines.get(engine)!,
          model: deployModel(plan, inputs.models, options.modelPath, planPath),
          gpus: deployGpus(plan, inputs.catalog, config),
          ...(options.image ? { image: options.image } : {}),
          ...(options.namespace ? { namespace: options.namespace } : {}),
        };
        const result = renderDeployment(input);
        if (result.problems.length > 0) {
          throw new InputError(result.problems.map((p) => ({ file: planPath, message: `${p.pool ? `pool ${p.pool}: ` : ''}${p.message}` })));
        }
        if (plan.engine !== engine) out.info(`planner: warning: the plan was sized with the ${plan.engine} engine profile and is launched on ${engine}; re-plan with planning.engine: ${engine} to size it for ${engine}`);
        if (plan.verification && !plan.verification.holds) out.info('planner: warning: this plan did not hold its SLOs in simulation (see its verification)');
        if (options.outDir) {
          for (const path of writeFiles(options.outDir, result.files, io.cwd)) out.info(`wrote ${path}`);
        } else {
          out.data(result.files.length === 1 || options.target !== 'llm-d' ? result.files[0]!.text : result.files.map((f) => `# ---- ${f.name} ----\n${f.text}`).join(''));
        }
        return EXIT.ok;
      }),
    );
};
