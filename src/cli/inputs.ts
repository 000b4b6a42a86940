import { join } from 'node:path';
import { InputError, formatIssue } from '../input/issues.js';
import type { InputIssue } from '../input/issues.js';
import { loadCatalog, loadModelPresets, loadSpec } from '../input/load.js';
import { parseOverride } from '../input/overrides.js';
import type { Override } from '../input/overrides.js';
import { parsePlan } from '../plan/load-plan.js';
import { parseYamlSource } from '../input/yaml-source.js';
import { modelConfigForSpec } from './model-config.js';
import { traceForSpec } from './traces.js';
import type { SpecAccess } from './spec-paths.js';
import type { Plan } from '../plan/plan.js';
import type { Loaded } from '../input/load.js';
import type { ModelRegistry } from '../input/models.js';
import { createSchemaChecker } from '../input/schema-check.js';
import type { SchemaChecker } from '../input/schema-check.js';
import type { Catalog, ServiceSpec } from '../input/types.js';
import type { Output } from './output.js';
import { PACKAGE_ROOT, listPackageYaml, readPackageFile, readUserFile } from './files.js';
import { precompiledValidator } from './precompiled-schemas.js';
import { readPresetFile } from './preset-files.js';

/** The default catalog files (GPU types, serving engines), relative to the package root. */
export const PRESET_CATALOG = ['presets/gpus.yaml', 'presets/engines.yaml'];
/** The folder of model presets, relative to the package root. */
export const PRESET_MODELS = 'presets/models';

/** Everything a command needs besides the spec: schemas, catalog and model presets. */
export interface Inputs {
  check: SchemaChecker;
  catalog: Catalog;
  models: ModelRegistry;
}

/** Loads the JSON Schemas that ship with planner. */
export function loadSchemaChecker(): SchemaChecker {
  const read = (name: string) => JSON.parse(readPackageFile(`schemas/${name}.schema.json`).text) as object;
  return createSchemaChecker({ spec: read('spec'), catalog: read('catalog'), model: read('model'), plan: read('plan'), deploy: read('deploy') }, precompiledValidator);
}

/** A preset that fails its own checks is planner's bug, not the user's: report it as internal. */
function failOnPresetIssues(issues: InputIssue[]): void {
  const inPresets = issues.filter((issue) => issue.file.startsWith(join(PACKAGE_ROOT, 'presets')));
  if (inPresets.length > 0) throw new Error(`a preset is invalid:\n${inPresets.map(formatIssue).join('\n')}`);
}

function userValue<T>(loaded: Loaded<T>): T {
  failOnPresetIssues(loaded.issues);
  if (!loaded.value) throw new InputError(loaded.issues);
  return loaded.value;
}

/** Loads the preset catalog and models, then the user's catalog overlays (in the order given). */
export function loadInputs(catalogPaths: string[], cwd: string): Inputs {
  const check = loadSchemaChecker();
  // The presets ship with planner and the test suite validates them against their schemas;
  // at run time only the user's files pay for schema checks.
  const models = userValue(loadModelPresets(undefined, listPackageYaml(PRESET_MODELS).map(readPresetFile)));
  const overlays = catalogPaths.map((path) => readUserFile(path, cwd));
  const catalog = userValue(loadCatalog(check, [...PRESET_CATALOG.map(readPresetFile), ...overlays], undefined, PRESET_CATALOG.length));
  return { check, catalog, models };
}

/** Prints a warning about an input (`file:line:col: warning: message`). */
export type Warn = (issue: InputIssue) => void;

/** Warnings printed on stderr (not with --quiet). */
export function warnTo(out: Pick<Output, 'info'>): Warn {
  return (issue) => out.info(warningText(issue));
}

/** The usual rendering of a warning about an input. */
export function warningText(issue: InputIssue): string {
  return formatIssue({ ...issue, message: `warning: ${issue.message}` });
}

/**
 * Reads and resolves a service spec (with `--set` overrides), throwing an InputError with every
 * problem found; warnings (a precision that contradicts the model's name) go to `warn`. Files the
 * spec names are read only inside its folder or the folders `access` allows.
 */
export function loadSpecFile(path: string, inputs: Inputs, cwd: string, overrides: string[] = [], warn?: Warn, access: SpecAccess = { allow: [] }): ServiceSpec {
  const parsed = overrides.map(parseOverride);
  const bad = parsed.filter((o): o is InputIssue => 'message' in o);
  if (bad.length > 0) throw new InputError(bad);
  const file = readUserFile(path, cwd);
  // A trace the spec names is streamed here (the core only sees its summary).
  const source = parseYamlSource(file.path, file.text, undefined, parsed as Override[]);
  const traces = source.issues.length === 0 ? traceForSpec(source, path, cwd, access) : new Map();
  // So is a Hugging Face config.json named as the model (the core sees its parsed content).
  const modelConfig = source.issues.length === 0 ? modelConfigForSpec(source, path, cwd, access) : undefined;
  const loaded = loadSpec(inputs.check, file, { ...inputs, traces, modelConfig }, undefined, parsed as Override[]);
  if (loaded.value) for (const warning of loaded.warnings ?? []) warn?.(warning);
  return userValue(loaded);
}

/** Reads a saved plan JSON, throwing an InputError when it is not one this planner reads. */
export function loadPlanFile(path: string, inputs: Pick<Inputs, 'check'>, cwd: string): Plan {
  const file = readUserFile(path, cwd);
  return userValue(parsePlan(inputs.check, file.path, file.text));
}
