import { Option } from 'commander';
import { didYouMean } from '../../input/did-you-mean.js';
import { InputError } from '../../input/issues.js';
import type { ModelArch } from '../../input/types.js';
import type { ModelRegistry } from '../../input/models.js';
import { gpuJson, gpuTable, modelJson, modelTable } from '../../report/catalog-listing.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadInputs, warningText } from '../inputs.js';
import { configModelAt } from '../model-config.js';
import type { Output } from '../output.js';

const formatOption = () => new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');

/** `planner gpus` and `planner models`: list the catalog and the model presets. */
export const registerCatalogCommands: Register = (program, action) => {
  program
    .command('gpus')
    .description('list the GPU types of the catalog: memory, bandwidth, dense TFLOPS, interconnect, price, power')
    .option('--catalog <file>', 'hardware catalog overlay (repeatable)', collect, [])
    .addOption(formatOption())
    .action(
      action(({ io, out }, options: { catalog: string[]; format: string }) => {
        const { catalog } = loadInputs(options.catalog, io.cwd);
        out.data(options.format === 'json' ? JSON.stringify(gpuJson(catalog), null, 2) : gpuTable(catalog, out.paint.bold));
        return EXIT.ok;
      }),
    );
  program
    .command('models')
    .description('list the model presets: parameters, layers, KV-cache bytes per token, experts; or how planner reads the models named (preset or Hugging Face ids, config.json files)')
    .argument('[models...]', 'model names or config.json paths to show instead of every preset')
    .addOption(formatOption())
    .action(
      action(({ io, out }, names: string[], options: { format: string }) => {
        const { models } = loadInputs([], io.cwd);
        const shown: ModelRegistry = names.length === 0 ? models : { ...models, models: namedModels(names, models, io.cwd, out) };
        const given = names.length === 0 ? undefined : names;
        out.data(options.format === 'json' ? JSON.stringify(modelJson(shown, given), null, 2) : modelTable(shown, out.paint.bold, given));
        return EXIT.ok;
      }),
    );
};

/** The models named, in order; every name that cannot be read is reported at once (exit 2). */
function namedModels(names: string[], registry: ModelRegistry, cwd: string, out: Output): ModelArch[] {
  const read: ModelArch[] = [];
  const issues: InputError['issues'] = [];
  for (const name of names) {
    try {
      read.push(namedModel(name, registry, cwd, out));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return read;
}

/**
 * A model as planner reads it: a config.json (its warnings on stderr), or a preset or Hugging
 * Face name with the precision its quantisation tag sets. Unknown names and bad configs are
 * InputErrors (exit 2).
 */
function namedModel(name: string, registry: ModelRegistry, cwd: string, out: Output): ModelArch {
  if (name.trim() === '') throw new InputError([{ file: 'models', message: 'a model name is empty' }]);
  if (/\.json$/i.test(name.trim())) return configModelAt(name, cwd, (w) => out.info(warningText(w))).model;
  const found = registry.lookup(name);
  if (!found) throw new InputError([{ file: 'models', message: `unknown model "${name}"${didYouMean(name, registry.names)}; \`planner models\` lists the presets` }]);
  return found.model;
}
