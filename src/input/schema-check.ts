import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { didYouMean } from './did-you-mean.js';
import type { InputIssue } from './issues.js';
import { addUnitKeywords } from './schema-keywords.js';
import { parseQuantity } from './units.js';
import type { QuantityKind } from './units.js';
import { pathText } from './yaml-source.js';
import type { DocPath, YamlSource } from './yaml-source.js';

/** The JSON Schemas of the input formats, as parsed JSON objects. */
export interface SchemaSet {
  spec: object;
  catalog: object;
  model: object;
  [name: string]: object;
}

/** Checks a parsed document against one named schema and returns located issues. */
export type SchemaChecker = (schemaName: string, source: YamlSource) => InputIssue[];

/** Options of the Ajv instance planner checks inputs with (and compiles validators at build with). */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, validateSchema: false } as const;

const requireModule = createRequire(import.meta.url);

/** An Ajv instance with planner's options and its `unit` and `positive` keywords. */
export function plannerAjv(extra: Partial<Options> = {}): Ajv {
  // ajv loads (~50 ms) only when a schema is compiled here: validators compiled at build need
  // none of it. The schemas ship with planner (the test suite compiles each one); checking them
  // against the JSON Schema meta-schema on every run would cost ~100 ms more.
  const { Ajv: AjvClass, _ } = requireModule('ajv') as typeof AjvModule;
  const ajv = new AjvClass({ ...AJV_OPTIONS, ...extra });
  addUnitKeywords(ajv, _);
  return ajv;
}

/**
 * A checker over the schemas: each compiled when first used, unless `precompiled` gives its
 * validator (compiled at build from the same schemas: scripts/compile-schemas.mjs).
 */
export function createSchemaChecker(schemas: SchemaSet, precompiled: (name: string) => ValidateFunction | undefined = () => undefined): SchemaChecker {
  let ajv: Ajv | undefined;
  const compile = (schema: object): ValidateFunction => {
    if (!ajv) {
      ajv = plannerAjv();
      for (const each of Object.values(schemas)) ajv.addSchema(each);
    }
    return ajv.compile(schema);
  };
  const compiled = new Map<string, ValidateFunction>();
  return (schemaName, source) => {
    const schema = schemas[schemaName];
    if (!schema) throw new Error(`unknown schema ${schemaName}`);
    let validate = compiled.get(schemaName);
    if (!validate) {
      validate = precompiled(schemaName) ?? compile(schema);
      compiled.set(schemaName, validate);
    }
    if (validate(source.data)) return [];
    return describeErrors(validate.errors ?? [], source);
  };
}

/** Turns ajv's errors into one clear, located message per problem. */
function describeErrors(errors: ErrorObject[], source: YamlSource): InputIssue[] {
  const issues = new Map<string, InputIssue>();
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const unitPaths = new Set(errors.filter((e) => e.keyword === 'unit').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (error.keyword === 'type' && unitPaths.has(error.instancePath)) continue;
    if (error.schemaPath.includes('/anyOf/') && anyOfPaths.has(error.instancePath)) continue;
    const described = describe(error);
    if (!described) continue;
    const issue = source.issueAt(described.path, `${label(described.path)}${described.message}`, described.part);
    issues.set(`${issue.line}:${issue.col}:${issue.message}`, issue);
  }
  return [...issues.values()];
}

interface Described {
  path: DocPath;
  message: string;
  part?: 'value' | 'key';
}

function describe(error: ErrorObject): Described | undefined {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path, message: `missing required field "${String(params.missingProperty)}"` };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      return { path: [...path, name], part: 'key', message: `unknown field "${name}"${didYouMean(name, known)}` };
    }
    case 'propertyNames':
      return undefined;
    case 'pattern':
      if (error.propertyName !== undefined) {
        return { path: [...path, error.propertyName], part: 'key', message: `"${error.propertyName}" is not a valid id (lower-case letters, digits, ".", "_" and "-")` };
      }
      return { path, message: `${JSON.stringify(error.data)} does not have the expected form (${String(params.pattern)})` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const got = JSON.stringify(error.data);
      const hint = typeof error.data === 'string' ? didYouMean(error.data, allowed) : '';
      return { path, message: `must be one of ${allowed.join(', ')}; got ${got}${hint}` };
    }
    case 'type':
      // A whole file of the wrong kind (not a mapping) is never quoted: it may not be planner's at all.
      return { path, message: `must be ${typeWords(params.type)}; got ${path.length === 0 ? describeKind(error.data) : describeValue(error.data)}` };
    case 'anyOf':
      return { path, message: anyOfMessage(error) };
    case 'unit':
      return { path, message: unitMessage(String(error.schema), error.data) };
    case 'positive':
      return { path, message: `must be more than 0; got ${JSON.stringify(error.data)}` };
    case 'minLength':
      return { path, message: params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} characters` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path, message: error.message ?? 'invalid value' };
  }
}

/** Why a value is not a quantity of the kind (the `unit` keyword's message). */
function unitMessage(kind: string, data: unknown): string {
  const parsed = parseQuantity(kind as QuantityKind, data);
  return parsed.ok ? 'invalid value' : parsed.message;
}

function anyOfMessage(error: ErrorObject): string {
  const branches = (error.schema as Array<{ required?: string[] }>) ?? [];
  const required = branches.flatMap((b) => b.required ?? []);
  if (required.length === branches.length) return `needs at least one of ${required.join(', ')}`;
  return error.message ?? 'does not match any allowed form';
}

function typeWords(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(',')).map(String);
  const words = types.map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'a whole number' : `a ${t}`));
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words[0];
}

/** What kind of value a document is, without its content. */
function describeKind(value: unknown): string {
  if (value === null) return 'nothing (null)';
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** `/workload/classes/0/share` → ['workload', 'classes', 0, 'share']. */
function pointerToPath(pointer: string): DocPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function label(path: DocPath): string {
  return path.length === 0 ? '' : `${pathText(path)}: `;
}
