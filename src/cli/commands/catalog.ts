import { Option } from 'commander';
import { gpuJson, gpuTable, modelJson, modelTable } from '../../report/catalog-listing.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadInputs } from '../inputs.js';

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
    .description('list the model presets: parameters, layers, KV-cache bytes per token, experts')
    .addOption(formatOption())
    .action(
      action(({ io, out }, options: { format: string }) => {
        const { models } = loadInputs([], io.cwd);
        out.data(options.format === 'json' ? JSON.stringify(modelJson(models), null, 2) : modelTable(models, out.paint.bold));
        return EXIT.ok;
      }),
    );
};
