import { Option } from 'commander';
import { InputError, formatIssue, sortIssues } from '../../input/issues.js';
import type { InputIssue } from '../../input/issues.js';
import type { ServiceSpec } from '../../input/types.js';
import { summarizeSpec } from '../../report/spec-summary.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadInputs, loadSpecFile, warningText } from '../inputs.js';
import { ALLOW_PATH_HELP, specAccess } from '../spec-paths.js';
import type { SpecAccess } from '../spec-paths.js';

interface ValidateOptions {
  catalog: string[];
  set: string[];
  allowPath: string[];
  format: 'text' | 'json';
}

/** Loads the catalog overlays and the spec, collecting problems instead of throwing them. */
function check(specPath: string | undefined, catalogPaths: string[], overrides: string[], cwd: string, access: SpecAccess): { spec?: ServiceSpec; issues: InputIssue[]; warnings: InputIssue[] } {
  const warnings: InputIssue[] = [];
  try {
    const inputs = loadInputs(catalogPaths, cwd);
    return { spec: specPath ? loadSpecFile(specPath, inputs, cwd, overrides, (w) => warnings.push(w), access) : undefined, issues: [], warnings };
  } catch (err) {
    if (err instanceof InputError) return { issues: sortIssues(err.issues), warnings };
    throw err;
  }
}

/** `planner validate [spec] [--catalog f]`: checks inputs and prints every problem with its line. */
export const registerValidate: Register = (program, action) => {
  program
    .command('validate')
    .description('check a service spec (and catalog overlays); print every problem as file:line:col: message')
    .argument('[spec]', 'service spec YAML file')
    .option('--catalog <file>', 'hardware catalog overlay (repeatable)', collect, [])
    .option('--set <path=value>', 'override a spec field, e.g. --set workload.rate=40/s (repeatable)', collect, [])
    .option('--allow-path <dir>', ALLOW_PATH_HELP, collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(
      action(({ io, out }, specPath: string | undefined, options: ValidateOptions) => {
        const files = [...options.catalog, ...(specPath ? [specPath] : [])];
        if (files.length === 0) {
          out.error('planner validate: give a spec file, a --catalog file, or both');
          return EXIT.badInput;
        }
        const { spec, issues, warnings } = check(specPath, options.catalog, options.set, io.cwd, specAccess(options.allowPath, io.env));
        if (options.format === 'json') {
          out.data(JSON.stringify({ version: 1, valid: issues.length === 0, files, issues, warnings }, null, 2));
        } else if (issues.length > 0) {
          for (const issue of issues) out.error(formatIssue(issue));
        } else {
          for (const warning of warnings) out.info(warningText(warning));
          for (const file of options.catalog) out.data(`${file}: ok`);
          if (specPath && spec) out.data(`${specPath}: ok — ${summarizeSpec(spec)}`);
        }
        return issues.length === 0 ? EXIT.ok : EXIT.badInput;
      }),
    );
};
