import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Option } from 'commander';
import { loadDeployConfig } from '../../deploy/deploy-config.js';
import type { DeployConfig } from '../../deploy/deploy-config.js';
import { checkDeployOptions, deployInput } from '../../deploy/input.js';
import type { DeployOptions } from '../../deploy/input.js';
import { renderDeployment } from '../../deploy/render.js';
import { DEPLOY_ENGINES, DEPLOY_TARGETS } from '../../deploy/types.js';
import type { DeployFile } from '../../deploy/types.js';
import { InputError } from '../../input/issues.js';
import type { SchemaChecker } from '../../input/schema-check.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { readUserFile } from '../files.js';
import { readPresetFile } from '../preset-files.js';
import { loadInputs, loadPlanFile } from '../inputs.js';
import { writeErrorCause, writeFileAtomic } from '../write-file.js';

/** The deploy presets (presets/deploy.yaml) and the user's overlays, schema-checked. */
function deployConfig(check: SchemaChecker, paths: string[], cwd: string): DeployConfig {
  const loaded = loadDeployConfig(check, [readPresetFile('presets/deploy.yaml'), ...paths.map((p) => readUserFile(p, cwd))]);
  if (!loaded.value) throw new InputError(loaded.issues);
  return loaded.value;
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
    .option('--draft-model-path <path>', 'the EAGLE head (required for speculative method eagle) or draft model the drafter loads (default for method draft: the plan\'s draft model)')
    .option('--catalog <file>', 'catalog overlay that defines the plan\'s GPU types (repeatable)', collect, [])
    .option('--deploy-config <file>', 'overlay of presets/deploy.yaml: images, GPU resources, node labels (repeatable)', collect, [])
    .action(
      action(({ io, out }, planPath: string, options: DeployOptions & { outDir?: string; catalog: string[]; deployConfig: string[] }) => {
        checkDeployOptions(options);
        const inputs = loadInputs(options.catalog, io.cwd);
        const plan = loadPlanFile(planPath, inputs, io.cwd);
        const config = deployConfig(inputs.check, options.deployConfig, io.cwd);
        const input = deployInput(plan, planPath, options, inputs, config);
        const engine = input.engine;
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
