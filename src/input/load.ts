import { buildCatalog } from './catalog.js';
import { sortIssues } from './issues.js';
import type { InputIssue } from './issues.js';
import { createModelRegistry, modelShapeProblems, normalizeModel } from './models.js';
import type { ModelRegistry, RawModel } from './models.js';
import type { SchemaChecker } from './schema-check.js';
import { nameIssues, normalizeSpec } from './service-spec.js';
import type { SpecContext } from './service-spec.js';
import type { Catalog, ModelArch, ServiceSpec } from './types.js';
import { parseYamlSource } from './yaml-source.js';
import type { SourceOverride, YamlLimits, YamlSource } from './yaml-source.js';

/** A file's name (as the user gave it, for messages) and its text. */
export interface TextFile {
  path: string;
  text: string;
}

/** A loaded value, or the problems that stopped it. */
export interface Loaded<T> {
  value?: T;
  issues: InputIssue[];
  /** Problems that do not stop the value (a spec's precision that contradicts its model's name). */
  warnings?: InputIssue[];
}

/**
 * Parses and schema-checks one YAML file; the source is usable only when there are no issues.
 * Without a checker the file is trusted (planner's own presets, which the test suite validates).
 */
export function checkFile(check: SchemaChecker | undefined, schemaName: string, file: TextFile | YamlSource, limits?: YamlLimits): Loaded<YamlSource> {
  const source = 'text' in file ? parseYamlSource(file.path, file.text, limits) : file;
  if (source.issues.length > 0) return { issues: source.issues };
  const issues = check ? check(schemaName, source) : [];
  return issues.length > 0 ? { issues } : { value: source, issues };
}

/**
 * Loads catalog files in order: the preset catalog first, then user overlays. The first
 * `trusted` files (the presets) skip the schema check; the user's never do.
 */
export function loadCatalog(check: SchemaChecker, files: Array<TextFile | YamlSource>, limits?: YamlLimits, trusted = 0): Loaded<Catalog> {
  const checked = files.map((file, i) => checkFile(i < trusted ? undefined : check, 'catalog', file, limits));
  const issues = checked.flatMap((c) => c.issues);
  if (issues.length > 0) return { issues };
  const built = buildCatalog(checked.map((c) => c.value!));
  return built.issues.length > 0 ? { issues: built.issues } : { value: built.catalog, issues: [] };
}

/** Fields every preset model must carry besides the architecture (they feed lookups and tests). */
const PRESET_FIELDS: Array<keyof RawModel> = ['id', 'name', 'aliases', 'source', 'published_params'];

/** Loads the preset models, checking that ids and aliases are complete and unique (and the schema, given a checker). */
export function loadModelPresets(check: SchemaChecker | undefined, files: Array<TextFile | YamlSource>): Loaded<ModelRegistry> {
  const issues: InputIssue[] = [];
  const models: ModelArch[] = [];
  const owner = new Map<string, string>();
  for (const file of files) {
    const checked = checkFile(check, 'model', file);
    issues.push(...checked.issues);
    if (!checked.value) continue;
    const raw = checked.value.data as RawModel;
    const missing = PRESET_FIELDS.filter((field) => raw[field] === undefined);
    if (missing.length > 0) {
      issues.push(checked.value.issueAt([], `a preset model needs ${missing.join(', ')}`));
      continue;
    }
    const problems = modelShapeProblems(raw);
    for (const [path, message] of problems) issues.push(checked.value.issueAt(path, message));
    if (problems.length > 0) continue;
    const model = normalizeModel(raw);
    for (const name of [model.id, ...model.aliases]) {
      const key = name.toLowerCase();
      const previous = owner.get(key);
      if (previous && previous !== model.id) {
        issues.push(checked.value.issueAt(['aliases'], `"${name}" already names preset ${previous}`));
      }
      owner.set(key, model.id);
    }
    models.push(model);
  }
  models.sort((a, b) => a.id.localeCompare(b.id));
  return issues.length > 0 ? { issues } : { value: createModelRegistry(models), issues };
}

/** Parses, schema-checks and resolves a service spec against the catalog and model presets. */
export function loadSpec(
  check: SchemaChecker,
  file: TextFile,
  context: SpecContext,
  limits?: YamlLimits,
  overrides: SourceOverride[] = [],
): Loaded<ServiceSpec> {
  const source = parseYamlSource(file.path, file.text, limits, overrides);
  if (source.issues.length > 0) return { issues: source.issues };
  const schemaIssues = check('spec', source);
  if (schemaIssues.length > 0) return { issues: sortIssues([...schemaIssues, ...nameIssues(source, context)]) };
  const normalized = normalizeSpec(source, context);
  return { ...normalized, issues: sortIssues(normalized.issues), warnings: sortIssues(normalized.warnings) };
}
