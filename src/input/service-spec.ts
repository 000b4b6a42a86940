import { gpuNames, resolveGpuId } from './gpu-names.js';
import { didYouMean } from './did-you-mean.js';
import type { InputIssue } from './issues.js';
import { modelFromHfConfig, modelSlug } from './hf-config.js';
import { nameTags } from './model-tags.js';
import { checkedQuantity, modelShapeProblems, normalizeModel } from './models.js';
import type { ModelRegistry, RawModel } from './models.js';
import { normalizeSize } from './sizes.js';
import { maxTokens } from '../workload/distributions.js';
import type { RawSize } from './sizes.js';
import { readMeasuredCapacity } from './measured-capacity.js';
import type { RawMeasuredCapacity } from './measured-capacity.js';
import { normalizeReuse, percentFraction } from './prompt-reuse.js';
import type { RawPrefix, RawReuse } from './prompt-reuse.js';
import { traceClass } from './trace-workload.js';
import { normalizeProfile } from './profile.js';
import type { RawProfile, RawPurchasePlanning } from './profile.js';
import type { RawTrace } from './trace-workload.js';
import { normalizeSpeculative } from './speculative.js';
import type { RawSpeculative } from './speculative.js';
import type { TraceSummary } from '../workload/trace-summary.js';
import type { Catalog, KvDtype, LatencyTarget, MeasuredCapacity, ModelArch, PlanningOptions, RequestClass, ServiceSpec, SloTargets, TraceSource, WeightDtype } from './types.js';
import { pathText } from './yaml-source.js';
import type { DocPath, YamlSource } from './yaml-source.js';

type RawTarget = string | { max: string; percentile?: number | string };
interface RawSlo {
  ttft?: RawTarget;
  tpot?: RawTarget;
  e2e?: RawTarget;
  percentile?: number | string;
}
interface RawClass {
  name?: string;
  share?: number | string;
  rate?: number | string;
  input_tokens: RawSize;
  output_tokens: RawSize;
  slo?: RawSlo;
  prefix?: RawPrefix;
  reuse?: RawReuse;
}
/** A service spec as written (schema-checked). */
export interface RawSpec {
  name?: string;
  /** A preset or Hugging Face id, a path to a config.json, `{ config: path }`, or an inline architecture. */
  model: string | RawModel | RawModelConfig;
  precision?: { weights?: WeightDtype; kv_cache?: KvDtype };
  speculative?: RawSpeculative;
  workload: {
    rate?: number | string;
    input_tokens?: RawSize;
    output_tokens?: RawSize;
    classes?: RawClass[];
    trace?: RawTrace;
    profile?: RawProfile;
    arrival?: { process: 'poisson' | 'bursty'; cv?: number };
    prefix?: RawPrefix;
    reuse?: RawReuse;
  };
  slo: RawSlo;
  planning?: {
    gpus?: string[];
    availability?: Record<string, number>;
    tensor_parallel?: number[];
    pipeline_parallel?: number[];
    disaggregation?: PlanningOptions['disaggregation'];
    disaggregation_pairs?: PlanningOptions['disaggregationPairs'];
    engine?: string;
    load_factor?: number;
    redundancy?: number;
    min_saving?: number | string;
    max_pools?: number;
    max_gpu_types?: number;
    max_slices?: number;
    power_cap?: number | string;
    solver_time_limit?: string;
    solver?: PlanningOptions['solver'];
    measured_capacity?: RawMeasuredCapacity[];
    purchase?: RawPurchasePlanning['purchase'];
    autoscaling?: RawPurchasePlanning['autoscaling'];
    prefix_cache?: 'on' | 'off' | boolean;
    prefix_routing?: PlanningOptions['prefixRouting'];
    shared_prefix_attention?: 'on' | 'off' | boolean;
  };
  budget?: number | string | { max_cost_per_hour?: number | string; max_increase?: number | string };
}

/** `model: { config: path }`: a Hugging Face config.json, optionally renamed. */
export interface RawModelConfig {
  config: string;
  id?: string;
  name?: string;
}

/** Planning defaults an expert would pick; each can be set in the spec's `planning:`. */
export const PLANNING_DEFAULTS = {
  tensorParallel: [1, 2, 4, 8],
  disaggregation: 'auto' as const,
  disaggregationPairs: 'same-vendor' as const,
  redundancy: 0,
  minSavingPercent: 5,
  engine: 'vllm',
  loadFactor: 0.85,
  maxSlices: 16,
  // A guard only: the node limit (MIP_NODE_LIMIT) is what stops a hard program, the same way on any machine.
  solverTimeLimitSeconds: 60,
  percentile: 90,
  // vLLM (V1), SGLang (radix cache) and TensorRT-LLM (KV block reuse) cache prefixes by default.
  prefixCache: true,
  sharedPrefixAttention: false,
  // What any load balancer does; prefix-aware routing is an assumption the spec must make.
  prefixRouting: 'random' as const,
};

/** What spec normalisation needs to resolve names (and the summaries of the traces it names). */
export interface SpecContext {
  models: ModelRegistry;
  catalog: Catalog;
  /** Trace summaries by the file name as the spec writes it, with the file's resolved path. */
  traces?: Map<string, { path: string; summary: TraceSummary }>;
  /**
   * The Hugging Face config.json the spec's model names, parsed by the caller: by the path as the
   * spec writes it, with the path shown in messages and the name of its folder.
   */
  modelConfig?: { written: string; shown: string; folderName: string; data: unknown };
}

/** The path of a config.json a spec's `model` names (a string ending in .json, or `{ config }`), if any. */
export function modelConfigPath(model: unknown): string | undefined {
  if (typeof model === 'string') return /\.json$/i.test(model.trim()) ? model.trim() : undefined;
  if (typeof model === 'object' && model !== null && typeof (model as { config?: unknown }).config === 'string') return (model as RawModelConfig).config;
  return undefined;
}

/** Resolves a schema-checked spec (model, GPU ids, units, shares) into a ServiceSpec. */
export function normalizeSpec(source: YamlSource, context: SpecContext): { value?: ServiceSpec; issues: InputIssue[]; warnings: InputIssue[] } {
  const raw = source.data as RawSpec;
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const at = (path: DocPath, message: string) => issues.push(source.issueAt(path, `${pathText(path)}: ${message}`));
  const warnAt = (path: DocPath, message: string) => warnings.push(source.issueAt(path, `${pathText(path)}: ${message}`));

  const resolved = resolveSpecModel(raw, context, { at, warnAt, issues, warnings });
  const model = resolved?.model;
  const fromTrace = raw.workload.trace ? traceWorkload(raw, context, at) : undefined;
  const profile = normalizeProfile(raw, raw.workload.trace ? context.traces?.get(raw.workload.trace.file)?.summary : undefined, at);
  const parsed = fromTrace ? fromTrace.classes : normalizeClasses(raw, source, issues, at);
  const arrivalCv = arrivalVariation(raw, fromTrace?.cv, at);
  const planning = normalizePlanning(raw.planning ?? {}, context.catalog, at, parsed?.length ?? 1, warnAt);
  // SGLang's default (no_buffer) mamba radix cache refuses speculative decoding: a speculating spec plans without it.
  const cachesHybrids = Object.hasOwn(context.catalog.engines, planning.engine) && context.catalog.engines[planning.engine].linearState?.prefixCache === true && raw.speculative === undefined;
  if (model?.linearAttention && raw.planning?.prefix_cache === undefined && !cachesHybrids) hybridCacheOff(raw, planning, warnAt);
  const classes = parsed && withReuse(raw, parsed, planning.prefixCache, context, at);
  if (model) planning.measuredCapacity = measuredFor(model, raw, source, context, issues);
  if (model && classes) checkContext(model, classes, raw, at);
  const speculative = model && raw.speculative ? normalizeSpeculative(raw.speculative, model, context.models, at) : undefined;
  if (issues.length > 0 || !model || !classes) return { issues, warnings };
  const budget = typeof raw.budget === 'object' ? raw.budget : { max_cost_per_hour: raw.budget };
  return {
    issues,
    warnings,
    value: {
      name: raw.name,
      model,
      ...(checkpointName(raw.model) ? { checkpoint: checkpointName(raw.model) } : {}),
      precision: { weights: raw.precision?.weights ?? model.nativePrecision, kvCache: raw.precision?.kv_cache ?? 'bf16' },
      ...(speculative ? { speculative } : {}),
      totalRatePerSecond: classes.reduce((sum, c) => sum + c.ratePerSecond, 0),
      classes,
      arrivalCv,
      ...(fromTrace ? { trace: fromTrace.trace } : {}),
      ...(profile ? { profile } : {}),
      planning,
      budget: {
        maxCostPerHourUsd: budget?.max_cost_per_hour === undefined ? undefined : checkedQuantity('price', budget.max_cost_per_hour),
        maxIncreasePercent: budget?.max_increase === undefined ? undefined : checkedQuantity('percent', budget.max_increase),
      },
    },
  };
}

type At = (path: DocPath, message: string) => void;

/**
 * The classes with the prompt reuse their keys (or the workload's) declare — checked even with
 * the prefix cache off, and credited only with it on.
 */
function withReuse(raw: RawSpec, classes: RequestClass[], cacheOn: boolean, context: SpecContext, at: At): RequestClass[] {
  const w = raw.workload;
  const summary = w.trace ? context.traces?.get(w.trace.file)?.summary : undefined;
  // A trace's sessions, or else its block hashes (every request a "follow-up" of what came before).
  const traceHistory = summary?.reuse
    ? { share: summary.reuse.followUpHistoryShare, followUps: summary.reuse.followUpShare, bySize: true }
    : summary?.prefixBlocks && { share: summary.prefixBlocks.hitShare, followUps: 1 };
  return classes.map((c, i) => {
    const own = w.classes?.[i];
    const key = <K extends 'prefix' | 'reuse'>(k: K) =>
      own?.[k] !== undefined ? { raw: own[k]!, path: ['workload', 'classes', i, k] as DocPath } : w[k] !== undefined ? { raw: w[k]!, path: ['workload', k] as DocPath } : undefined;
    const reuse = normalizeReuse({ prefix: key('prefix'), reuse: key('reuse'), traceHistory, hasTrace: w.trace !== undefined }, at);
    return cacheOn && reuse ? { ...c, reuse } : c;
  });
}

/**
 * A hybrid model's prefix cache is planned off unless the spec turns it on or the engine caches
 * such prefixes by default (EngineProfile.linearState.prefixCache: SGLang's MambaRadixCache):
 * vLLM caches no prefix of a model with linear-attention (Mamba, Gated DeltaNet) layers unless
 * launched with --enable-prefix-caching, which selects its experimental --mamba-cache-mode align,
 * whose state checkpoints fall on blocks of 500+ tokens (vllm-project/vllm issues 40696, 51250),
 * and not with prefill/decode disaggregation or speculative decoding. A spec that gives prompt
 * reuse is told.
 */
function hybridCacheOff(raw: RawSpec, planning: PlanningOptions, warnAt: At): void {
  planning.prefixCache = false;
  const w = raw.workload;
  const given = w.prefix !== undefined || w.reuse !== undefined || (w.classes ?? []).some((c) => c.prefix !== undefined || c.reuse !== undefined) || w.trace !== undefined;
  if (given) {
    warnAt(['model'], `a hybrid model (linear-attention or Mamba layers): planned without the prefix cache, which ${planning.engine} does not keep for such models by default${raw.speculative ? ' or beside speculative decoding' : ''} (vLLM's --enable-prefix-caching turns on its experimental --mamba-cache-mode align, with state checkpoints only every 500+ tokens); set planning.prefix_cache: on to count on it`);
  }
}

/** The Hugging Face id a spec's model names (`org/name`, not a config.json path), if any. */
function checkpointName(model: RawSpec['model']): string | undefined {
  if (typeof model !== 'string' || modelConfigPath(model)) return undefined;
  const name = model.trim();
  return /^[\w.-]+\/[\w.-]+$/.test(name) ? name : undefined;
}

/** The workload a trace describes (its summary read by the caller), or the reason it cannot be used. */
function traceWorkload(raw: RawSpec, context: SpecContext, at: At): { classes?: RequestClass[]; trace?: TraceSource; cv: number } | undefined {
  const w = raw.workload;
  const clash = (['rate', 'input_tokens', 'output_tokens', 'classes'] as const).filter((k) => w[k] !== undefined);
  for (const key of clash) at(['workload', key], 'a trace gives the sizes and the rate; set the rate with trace.rate (mean, peak or e.g. 20/s)');
  const read = context.traces?.get(w.trace!.file);
  if (!read) {
    at(['workload', 'trace', 'file'], 'the trace was not read (planner reads traces named in a spec file)');
    return undefined;
  }
  if (read.summary.requests === 0) {
    at(['workload', 'trace', 'file'], `no readable requests in ${w.trace!.file}`);
    return undefined;
  }
  if (clash.length > 0) return undefined;
  const { cls, trace } = traceClass(w.trace!, read.path, read.summary, normalizeSlo(raw.slo, ['slo'], at) ?? {});
  if (!(cls.ratePerSecond > 0)) {
    at(['workload', 'trace', 'rate'], `the trace's ${w.trace!.rate ?? 'peak'} rate is 0 requests/s (too short a trace for its windows?); give a rate`);
    return undefined;
  }
  if (!checkPositiveRate(cls.ratePerSecond, ['workload', 'trace', 'rate'], at)) return undefined;
  return { classes: [cls], trace, cv: read.summary.interArrivalCv };
}

/** Coefficient of variation of inter-arrival gaps: 1 for Poisson, the spec's for bursty, a trace's own. */
function arrivalVariation(raw: RawSpec, traceCv: number | undefined, at: At): number {
  const arrival = raw.workload.arrival;
  if (arrival?.process === 'bursty') {
    if (arrival.cv === undefined && traceCv === undefined) at(['workload', 'arrival'], 'bursty arrivals need cv (the coefficient of variation of the gaps, e.g. 2)');
    return arrival.cv ?? traceCv ?? 1;
  }
  if (arrival?.process === 'poisson') return 1;
  return traceCv ?? 1;
}

/** Where spec problems and warnings go. */
interface Sinks {
  at: At;
  warnAt: At;
  issues: InputIssue[];
  warnings: InputIssue[];
}

/**
 * The spec's model (a preset, a config.json the caller read, or inline) and the weight precision
 * its name or quantization_config sets. A spec's precision.weights wins; a contradiction warns.
 */
function resolveSpecModel(raw: RawSpec, context: SpecContext, sinks: Sinks): { model: ModelArch } | undefined {
  const { at, warnAt } = sinks;
  let model: ModelArch | undefined;
  /** The precision the model's name or config implies, and what implies it (for the warning). */
  let implied: { dtype: ModelArch['nativePrecision']; from: string } | undefined;
  const configPath = modelConfigPath(raw.model);
  if (configPath !== undefined) {
    const read = context.modelConfig;
    if (!read || read.written !== configPath) {
      at(['model'], `the config ${configPath} was not read (planner reads a config.json named in a spec file)`);
      return undefined;
    }
    const names = typeof raw.model === 'object' ? { id: (raw.model as RawModelConfig).id, name: (raw.model as RawModelConfig).name } : {};
    const parsed = modelFromHfConfig(read.shown, read.data, read.folderName, names);
    sinks.issues.push(...parsed.issues);
    sinks.warnings.push(...parsed.warnings);
    model = parsed.model;
    if (model && parsed.precisionFrom) implied = { dtype: model.nativePrecision, from: `${read.shown} (its ${parsed.precisionFrom})` };
  } else if (typeof raw.model === 'object') {
    const problems = modelShapeProblems(raw.model as RawModel);
    for (const [path, message] of problems) at(['model', ...path], message);
    if (problems.length > 0) return undefined;
    model = inlineModel(raw.model as RawModel);
    const tags = nameTags(model.name);
    if ((raw.model as RawModel).native_precision === undefined && tags.precision) {
      model = { ...model, nativePrecision: tags.precision };
      implied = { dtype: tags.precision, from: `the "${tags.precisionTag}" tag of the model's name "${model.name}"` };
    }
  } else {
    const lookup = resolveModel(raw.model, context.models, at);
    model = lookup?.model;
    if (lookup?.precision) implied = { dtype: lookup.precision, from: `the "${lookup.precisionTag}" tag of "${raw.model}"` };
    if (lookup && lookup.ignoredTags.length > 0) {
      const tags = lookup.ignoredTags.map((t) => `"${t}"`).join(', ');
      const hint = raw.precision?.weights ? '' : '; set precision.weights';
      warnAt(['model'], `${tags} looks like a quantisation planner does not model; ignored (weights planned as ${raw.precision?.weights ?? model!.nativePrecision}${hint})`);
    }
  }
  const given = raw.precision?.weights;
  if (model && implied && given !== undefined && given !== implied.dtype) {
    warnAt(['precision', 'weights'], `${given} contradicts the ${implied.dtype} weights that ${implied.from} says the checkpoint has; planning with ${given}`);
  }
  return model && { model };
}

/** An inline architecture, named by its id, else its name (as an id), else its shape, never "custom". */
function inlineModel(raw: RawModel): ModelArch {
  const shape = `inline-${raw.layers}l-${raw.hidden_size}h${raw.moe ? `-${raw.moe.experts}e` : ''}`;
  const id = raw.id ?? ((raw.name && modelSlug(raw.name)) || shape);
  return normalizeModel(raw, id);
}

function resolveModel(raw: string, registry: ModelRegistry, at: At): ReturnType<ModelRegistry['lookup']> {
  const model = registry.lookup(raw);
  if (!model) {
    const hint = didYouMean(raw, registry.names);
    at(['model'], `unknown model "${raw}"${hint}; \`planner models\` lists the presets, or give the architecture inline`);
  }
  return model;
}

/** Most request classes a spec may have (each is at least one route and one slice of the program). */
export const MAX_CLASSES = 64;

function normalizeClasses(raw: RawSpec, source: YamlSource, issues: InputIssue[], at: At): RequestClass[] | undefined {
  const workload = raw.workload;
  const total = workload.rate === undefined ? undefined : checkedQuantity('rate', workload.rate);
  const defaultSlo = raw.slo;
  if (workload.classes && workload.classes.length > MAX_CLASSES) {
    at(['workload', 'classes'], `${workload.classes.length} classes is over the limit of ${MAX_CLASSES} request classes in a spec`);
    return undefined;
  }
  if (!workload.classes) {
    const missing = (['rate', 'input_tokens', 'output_tokens'] as const).filter((k) => workload[k] === undefined);
    if (missing.length > 0) {
      at(['workload'], `missing ${missing.join(', ')} (or give classes)`);
      return undefined;
    }
    if (!checkPositiveRate(total!, ['workload', 'rate'], at)) return undefined;
    const sizes = { input_tokens: workload.input_tokens!, output_tokens: workload.output_tokens! };
    return oneClass(sizes, 'default', total!, ['workload'], { raw: defaultSlo, path: ['slo'] }, source, issues, at);
  }
  for (const key of ['input_tokens', 'output_tokens'] as const) {
    if (workload[key] !== undefined) at(['workload', key], 'give sizes either here or in each class, not both');
  }
  const withRate = workload.classes.filter((c) => c.rate !== undefined).length;
  const withShare = workload.classes.filter((c) => c.share !== undefined).length;
  if (withRate > 0 && withShare > 0) {
    at(['workload', 'classes'], 'give every class either a share of workload.rate or its own rate, not a mix');
    return undefined;
  }
  let rates: number[];
  if (withShare > 0 || withRate === 0) {
    if (total === undefined) {
      at(['workload'], 'missing rate (the total that class shares divide), or give each class its own rate');
      return undefined;
    }
    if (!checkPositiveRate(total, ['workload', 'rate'], at)) return undefined;
    const shares = workload.classes.map((c) => (c.share === undefined ? undefined : percentFraction(c.share)));
    const missing = shares.findIndex((s) => s === undefined);
    if (missing >= 0 && workload.classes.length > 1) {
      at(['workload', 'classes', missing], 'missing share (each class needs a share when there are several)');
      return undefined;
    }
    const fractions = shares.map((s) => s ?? 1);
    const sum = fractions.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 0.005) {
      at(['workload', 'classes'], `the class shares sum to ${round(sum)}, expected 1 (or 100%)`);
      return undefined;
    }
    rates = fractions.map((f) => (f / sum) * total);
  } else {
    if (withRate < workload.classes.length) {
      at(['workload', 'classes'], 'every class needs its own rate when one has');
      return undefined;
    }
    if (total !== undefined) at(['workload', 'rate'], 'the classes give their own rates; drop workload.rate or use shares');
    rates = workload.classes.map((c) => checkedQuantity('rate', c.rate));
    if (!rates.every((r, i) => checkPositiveRate(r, ['workload', 'classes', i, 'rate'], at))) return undefined;
  }
  const names = new Set<string>();
  const classes: RequestClass[] = [];
  workload.classes.forEach((c, i) => {
    const name = c.name ?? `class-${i + 1}`;
    if (names.has(name)) at(['workload', 'classes', i, 'name'], `duplicate class name "${name}"`);
    names.add(name);
    const slo = c.slo
      ? { raw: { ...defaultSlo, ...c.slo, percentile: c.slo.percentile ?? defaultSlo.percentile }, path: ['workload', 'classes', i, 'slo'] }
      : { raw: defaultSlo, path: ['slo'] };
    const one = oneClass(c, name, rates[i], ['workload', 'classes', i], slo, source, issues, at);
    if (one) classes.push(...one);
  });
  return classes.length === workload.classes.length ? classes : undefined;
}

function oneClass(
  c: Pick<RawClass, 'input_tokens' | 'output_tokens'>,
  name: string,
  rate: number,
  path: DocPath,
  slo: { raw: RawSlo; path: DocPath },
  source: YamlSource,
  issues: InputIssue[],
  at: At,
): RequestClass[] | undefined {
  const input = normalizeSize(c.input_tokens, source, [...path, 'input_tokens']);
  const output = normalizeSize(c.output_tokens, source, [...path, 'output_tokens']);
  issues.push(...input.issues, ...output.issues);
  const targets = normalizeSlo(slo.raw, slo.path, at);
  if (!input.value || !output.value || !targets) return undefined;
  return [{ name, ratePerSecond: rate, input: input.value, output: output.value, slo: targets }];
}

/** Least request rate a workload may have: one request in about 30,000 years (below it costs per token overflow). */
const MIN_RATE_PER_SECOND = 1e-12;

function checkPositiveRate(rate: number, path: DocPath, at: At): boolean {
  if (rate >= MIN_RATE_PER_SECOND) return true;
  at(path, rate > 0 ? `must be at least ${MIN_RATE_PER_SECOND} requests per second, got ${rate}` : `must be more than 0 requests per second, got ${rate}`);
  return false;
}

function normalizeSlo(raw: RawSlo, path: DocPath, at: At): SloTargets | undefined {
  const percentile = raw.percentile === undefined ? PLANNING_DEFAULTS.percentile : checkedQuantity('percentile', raw.percentile);
  let ok = true;
  const targets: SloTargets = {};
  for (const key of ['ttft', 'tpot', 'e2e'] as const) {
    const target = raw[key];
    if (target === undefined) continue;
    const value: LatencyTarget =
      typeof target === 'string'
        ? { maxSeconds: checkedQuantity('duration', target), percentile }
        : {
            maxSeconds: checkedQuantity('duration', target.max),
            percentile: target.percentile === undefined ? percentile : checkedQuantity('percentile', target.percentile),
          };
    if (value.maxSeconds <= 0) {
      at([...path, key], 'must be more than 0');
      ok = false;
    }
    targets[key] = value;
  }
  return ok ? targets : undefined;
}

/** Resolves a GPU name to its catalog id, reporting an unknown one with the closest names. */
function resolveGpuAt(catalog: Catalog, name: string, path: DocPath, at: At): string | undefined {
  const id = resolveGpuId(catalog, name);
  if (!id) at(path, `unknown GPU type "${name}"${didYouMean(name, gpuNames(catalog))}; \`planner gpus\` lists the catalog`);
  return id;
}

/**
 * Checks the names a spec refers to (model, GPU types) in data that may have failed its schema,
 * so one run reports a misspelt id along with the schema problems.
 */
export function nameIssues(source: YamlSource, context: SpecContext): InputIssue[] {
  const issues: InputIssue[] = [];
  const at: At = (path, message) => issues.push(source.issueAt(path, `${pathText(path)}: ${message}`));
  const data = (typeof source.data === 'object' && source.data !== null ? source.data : {}) as Record<string, unknown>;
  if (typeof data.model === 'string' && data.model.length > 0 && modelConfigPath(data.model) === undefined) resolveModel(data.model, context.models, at);
  const planning = (typeof data.planning === 'object' && data.planning !== null ? data.planning : {}) as Record<string, unknown>;
  if (Array.isArray(planning.gpus)) {
    planning.gpus.forEach((name, i) => typeof name === 'string' && resolveGpuAt(context.catalog, name, ['planning', 'gpus', i], at));
  }
  if (typeof planning.availability === 'object' && planning.availability !== null && !Array.isArray(planning.availability)) {
    for (const name of Object.keys(planning.availability)) resolveGpuAt(context.catalog, name, ['planning', 'availability', name], at);
  }
  return issues;
}

/**
 * The GPU types the engine runs on (its `vendors`; TensorRT-LLM: NVIDIA only). Types the spec
 * listed that it cannot run are left out with a warning, and none left is an error; from the
 * whole catalog they are left out quietly.
 */
function engineGpus(catalog: Catalog, engine: string, gpus: string[], listed: boolean, at: At, warnAt: At): string[] {
  const vendors = Object.hasOwn(catalog.engines, engine) ? catalog.engines[engine].vendors : undefined;
  if (!vendors) return gpus;
  const runs = (id: string) => vendors.includes(catalog.gpus[id]!.vendor);
  const kept = gpus.filter(runs);
  const name = catalog.engines[engine].name;
  const left = [...new Set(gpus.filter((id) => !runs(id)))];
  if (listed && kept.length === 0 && gpus.length > 0) {
    at(['planning', 'gpus'], `${name} runs on ${vendors.join(', ')} GPUs only, and none of ${left.join(', ')} is one; list such GPU types or choose another planning.engine`);
  } else if (listed && left.length > 0) {
    warnAt(['planning', 'gpus'], `${left.join(', ')} left out: ${name} runs on ${vendors.join(', ')} GPUs only`);
  }
  return kept;
}

function resolveEngineAt(catalog: Catalog, name: string, at: At): string {
  const id = name.trim().toLowerCase();
  if (!Object.hasOwn(catalog.engines, id)) at(['planning', 'engine'], `unknown engine "${name}"${didYouMean(name, Object.keys(catalog.engines))}`);
  return id;
}

/** Longest solver time limit a spec may ask for (a plan should come back within minutes). */
export const MAX_SOLVER_TIME_LIMIT_SECONDS = 600;

function solverTimeLimit(raw: string | undefined, at: At): number {
  if (raw === undefined) return PLANNING_DEFAULTS.solverTimeLimitSeconds;
  const seconds = checkedQuantity('duration', raw);
  if (seconds > 0 && seconds <= MAX_SOLVER_TIME_LIMIT_SECONDS) return seconds;
  at(['planning', 'solver_time_limit'], `must be more than 0 and at most ${MAX_SOLVER_TIME_LIMIT_SECONDS / 60} min; got ${raw}`);
  return PLANNING_DEFAULTS.solverTimeLimitSeconds;
}

/** planning.min_saving as a fraction: a percentage from 0 to under 100 (5% or 5). */
function minSaving(raw: number | string | undefined, at: At): number {
  if (raw === undefined) return PLANNING_DEFAULTS.minSavingPercent / 100;
  const percent = checkedQuantity('percent', raw);
  if (percent >= 0 && percent < 100) return percent / 100;
  at(['planning', 'min_saving'], `must be at least 0% and under 100%; got ${raw}`);
  return PLANNING_DEFAULTS.minSavingPercent / 100;
}

/**
 * Slices the planner models: planning.max_slices, by default 16 or one per class when there are
 * more — each class needs a slice, so a cap below the number of classes is refused.
 */
function maxSlices(raw: number | undefined, classes: number, at: At): number {
  if (raw === undefined) return Math.max(PLANNING_DEFAULTS.maxSlices, classes);
  if (raw < classes) at(['planning', 'max_slices'], `${raw} is fewer than the ${classes} request classes (each needs at least one slice); give at least ${classes}`);
  return raw;
}

function normalizePlanning(raw: NonNullable<RawSpec['planning']>, catalog: Catalog, at: At, classes: number, warnAt: At): PlanningOptions {
  const resolveAt = (name: string, path: DocPath) => resolveGpuAt(catalog, name, path, at);
  const engine = resolveEngineAt(catalog, raw.engine ?? PLANNING_DEFAULTS.engine, at);
  const listed = raw.gpus
    ? raw.gpus.map((name, i) => resolveAt(name, ['planning', 'gpus', i])).filter((id): id is string => id !== undefined)
    : // A type priced by estimate, not a quote, never decides a plan the spec did not ask it into.
      Object.keys(catalog.gpus).filter((id) => !catalog.gpus[id]!.price.estimate).sort();
  const gpus = engineGpus(catalog, engine, listed, raw.gpus !== undefined, at, warnAt);
  const availability: Record<string, number> = {};
  for (const [name, count] of Object.entries(raw.availability ?? {})) {
    const id = resolveAt(name, ['planning', 'availability', name]);
    if (id) availability[id] = count;
  }
  return {
    gpus: [...new Set(gpus)],
    availability,
    tensorParallel: [...(raw.tensor_parallel ?? PLANNING_DEFAULTS.tensorParallel)].sort((a, b) => a - b),
    pipelineParallel: raw.pipeline_parallel && [...raw.pipeline_parallel].sort((a, b) => a - b),
    disaggregation: raw.disaggregation ?? PLANNING_DEFAULTS.disaggregation,
    disaggregationPairs: raw.disaggregation_pairs ?? PLANNING_DEFAULTS.disaggregationPairs,
    redundancy: raw.redundancy ?? PLANNING_DEFAULTS.redundancy,
    minSaving: minSaving(raw.min_saving, at),
    maxPools: raw.max_pools,
    maxGpuTypes: raw.max_gpu_types,
    engine,
    loadFactor: raw.load_factor ?? PLANNING_DEFAULTS.loadFactor,
    maxSlices: maxSlices(raw.max_slices, classes, at),
    powerCapWatts: raw.power_cap === undefined ? undefined : checkedQuantity('power', raw.power_cap),
    solverTimeLimitSeconds: solverTimeLimit(raw.solver_time_limit, at),
    solver: raw.solver ?? 'highs',
    measuredCapacity: [],
    prefixCache: raw.prefix_cache === undefined ? PLANNING_DEFAULTS.prefixCache : raw.prefix_cache === true || raw.prefix_cache === 'on',
    prefixRouting: raw.prefix_routing ?? PLANNING_DEFAULTS.prefixRouting,
    sharedPrefixAttention: raw.shared_prefix_attention === undefined ? PLANNING_DEFAULTS.sharedPrefixAttention : raw.shared_prefix_attention === true || raw.shared_prefix_attention === 'on',
  };
}

/**
 * The measured capacities that apply to the spec's model: the catalog's entries for it (an
 * entry naming an unknown model is an issue at its line) and the spec's own.
 */
function measuredFor(model: ModelArch, raw: RawSpec, source: YamlSource, context: SpecContext, issues: InputIssue[]): MeasuredCapacity[] {
  const fromCatalog = context.catalog.measuredCapacity.filter((entry) => {
    const resolved = context.models.resolve(entry.model!);
    if (!resolved) {
      issues.push({ ...entry.where, message: `measured_capacity: unknown model "${entry.model}"${didYouMean(entry.model!, context.models.names)}` });
    }
    return resolved?.id === model.id;
  });
  const own = readMeasuredCapacity(raw.planning?.measured_capacity ?? [], source, ['planning', 'measured_capacity'], context.catalog);
  issues.push(...own.issues);
  own.entries.forEach((entry, i) => {
    if (entry.model && context.models.resolve(entry.model)?.id !== model.id) {
      const where: DocPath = ['planning', 'measured_capacity', i, 'model'];
      issues.push(source.issueAt(where, `${pathText(where)}: the spec plans ${model.id}, this entry measures "${entry.model}"`));
    }
  });
  return [...fromCatalog, ...own.entries];
}

/** Requests longer than the model's context window cannot be served at all. */
function checkContext(model: ModelArch, classes: RequestClass[], raw: RawSpec, at: At): void {
  if (!model.maxContextTokens) return;
  classes.forEach((c, i) => {
    const longest = maxTokens(c.input) + maxTokens(c.output);
    if (longest > model.maxContextTokens!) {
      const path: DocPath = raw.workload.classes ? ['workload', 'classes', i] : ['workload'];
      at(path, `requests of up to ${longest} tokens (input + output) exceed the context window of ${model.id} (${model.maxContextTokens} tokens); set a max on the sizes`);
    }
  });
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
