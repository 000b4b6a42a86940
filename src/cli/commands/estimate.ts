import { Option } from 'commander';
import { resolveDeployment } from '../../perf/resolve.js';
import { withCudaGraphCeiling } from '../../perf/cuda-graphs.js';
import { predictInstance } from '../../perf/data-parallel.js';
import { breakdownText, estimateJson, estimateText, unservableText } from '../../report/estimate-report.js';
import { speculativeBreakdownText } from '../../report/speculative-breakdown.js';
import { speculativeLine } from '../../report/speculative-text.js';
import { planSpeculative } from '../../plan/plan-speculative.js';
import { normalizeSpeculative } from '../../input/speculative.js';
import type { SpeculativeMethod } from '../../input/types.js';
import type { EstimateInput } from '../../report/estimate-report.js';
import { InputError } from '../../input/issues.js';
import type { KvDtype, ModelArch, WeightDtype } from '../../input/types.js';
import { parseQuantity } from '../../input/units.js';
import { collect } from '../command-types.js';
import type { Register } from '../command-types.js';
import { EXIT } from '../exit-codes.js';
import { loadInputs, warningText } from '../inputs.js';
import type { Inputs } from '../inputs.js';
import { configModelAt } from '../model-config.js';
import type { Output } from '../output.js';
import type { ModelRegistry } from '../../input/models.js';

interface EstimateOptions {
  model: string;
  gpu: string;
  tp: string;
  pp: string;
  ep: string;
  dp: string;
  weights?: WeightDtype;
  kvCache: KvDtype;
  engine: string;
  mode: 'closed-loop' | 'static';
  concurrency: string;
  inputTokens: string;
  outputTokens: string;
  catalog: string[];
  format: 'table' | 'json';
  breakdown?: boolean;
  speculative?: SpeculativeMethod;
  specTokens?: string;
  acceptance?: string;
  acceptedLength?: string;
  draftModel?: string;
  cudaGraphMaxBatch?: string;
}

/** The flag each field of a spec's speculative block is given by here. */
const SPECULATIVE_FLAGS: Record<string, string> = { method: '--speculative', tokens: '--spec-tokens', acceptance: '--acceptance', accepted_length: '--accepted-length', draft_model: '--draft-model' };

/** A number from an option, or an input error naming it. */
function numberOption(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new InputError([{ file: flag, message: `must be a number, got "${raw}"` }]);
  return value;
}

/** --speculative with its --spec-tokens and --acceptance (or --accepted-length) as the spec's block, checked the same way. */
function speculativeOption(options: EstimateOptions, model: ModelArch, models: ModelRegistry) {
  const given = (['specTokens', 'acceptance', 'acceptedLength', 'draftModel'] as const).filter((k) => options[k] !== undefined);
  if (!options.speculative) {
    if (given.length > 0) throw new InputError([{ file: '--speculative', message: 'missing: --spec-tokens, --acceptance, --accepted-length and --draft-model go with --speculative METHOD' }]);
    return undefined;
  }
  if (options.specTokens === undefined) throw new InputError([{ file: '--spec-tokens', message: 'missing: draft tokens per step (k) for --speculative' }]);
  const issues: Array<{ file: string; message: string }> = [];
  const raw = {
    method: options.speculative,
    tokens: wholeNumber('--spec-tokens', options.specTokens),
    ...(options.acceptance !== undefined ? { acceptance: numberOption('--acceptance', options.acceptance) } : {}),
    ...(options.acceptedLength !== undefined ? { accepted_length: numberOption('--accepted-length', options.acceptedLength) } : {}),
    ...(options.draftModel !== undefined ? { draft_model: options.draftModel } : {}),
  };
  const value = normalizeSpeculative(raw, model, models, (path, message) => {
    const key = String(path[1] ?? '');
    issues.push({ file: SPECULATIVE_FLAGS[key] ?? '--acceptance', message: message.replace(/^missing acceptance: .*/, 'missing: give --acceptance (the per-token acceptance probability you measured) or --accepted-length (mean tokens per step); planner never assumes one') });
  });
  if (!value) throw new InputError(issues);
  return value;
}

/** --cuda-graph-max-batch: a whole number ≥ 0, or an input error naming it. */
function graphBatch(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < 0) throw new InputError([{ file: '--cuda-graph-max-batch', message: `must be a whole number ≥ 0, got "${raw}"` }]);
  return value;
}

/** A whole number ≥ 1 from an option, or an input error naming the option. */
function wholeNumber(flag: string, raw: string): number {
  const parsed = parseQuantity('tokens', raw);
  if (!parsed.ok || parsed.value < 1) throw new InputError([{ file: flag, message: `must be a whole number ≥ 1, got "${raw}"` }]);
  return parsed.value;
}

/**
 * The registry `--model` resolves against: the presets, or a Hugging Face config.json the flag
 * names. Warns where --weights contradicts the model's name or config, or a tag is ignored.
 */
function modelsFor(options: EstimateOptions, inputs: Inputs, cwd: string, out: Output): ModelRegistry {
  const warn = (message: string) => out.info(warningText({ file: '--model', message }));
  let implied: { dtype: WeightDtype; from: string } | undefined;
  let registry = inputs.models;
  if (/\.json$/i.test(options.model.trim())) {
    const parsed = configModelAt(options.model, cwd, (w) => out.info(warningText(w)));
    const model = parsed.model;
    if (parsed.precisionFrom) implied = { dtype: model.nativePrecision, from: `${options.model} (its ${parsed.precisionFrom})` };
    const lookup = (name: string) => (name === options.model ? { model, ignoredTags: [] } : inputs.models.lookup(name));
    registry = { ...inputs.models, lookup, resolve: (name) => lookup(name)?.model };
  } else {
    const found = inputs.models.lookup(options.model);
    if (found?.precision) implied = { dtype: found.precision, from: `the "${found.precisionTag}" tag of "${options.model}"` };
    if (found && found.ignoredTags.length > 0) {
      warn(`${found.ignoredTags.map((t) => `"${t}"`).join(', ')} looks like a quantisation planner does not model; ignored (use --weights)`);
    }
  }
  if (implied && options.weights && options.weights !== implied.dtype) {
    warn(`--weights ${options.weights} contradicts the ${implied.dtype} weights that ${implied.from} says the checkpoint has; estimating with ${options.weights}`);
  }
  return registry;
}

/** `planner estimate`: latency, throughput and memory of one deployment under one load. */
export const registerEstimate: Register = (program, action) => {
  program
    .command('estimate')
    .description('predict TTFT, TPOT, throughput and memory of one deployment under a closed loop of clients (or a static batch)')
    .requiredOption('--model <id>', 'model preset id, Hugging Face id (-FP8, -AWQ… set the weights) or a config.json')
    .requiredOption('--gpu <id>', 'GPU type (catalog id or alias)')
    .option('--tp <n>', 'tensor-parallel degree', '1')
    .option('--pp <n>', 'pipeline-parallel degree', '1')
    .option('--ep <n>', 'expert-parallel degree (MoE; divides tp, or tp × dp or 1 with --dp)', '1')
    .option('--dp <n>', 'attention data-parallel ranks (MoE; each on tp GPUs with its own batch and KV cache; needs --ep tp × dp)', '1')
    .addOption(new Option('--weights <dtype>', 'weight precision (default: the model release)').choices(['bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4']))
    .addOption(new Option('--kv-cache <dtype>', 'KV-cache precision').choices(['bf16', 'fp16', 'fp8']).default('bf16'))
    .option('--engine <id>', 'serving engine profile (presets/engines.yaml: vllm, trtllm, sglang, splitwise-2023; --catalog adds your own)', 'vllm')
    .addOption(new Option('--mode <mode>', 'closed-loop clients or one static batch').choices(['closed-loop', 'static']).default('closed-loop'))
    .requiredOption('--concurrency <n>', 'concurrent clients (or the static batch size)')
    .requiredOption('--input-tokens <n>', 'prompt tokens per request, e.g. 1000 or 8k')
    .requiredOption('--output-tokens <n>', 'output tokens per request')
    .option('--catalog <file>', 'catalog overlay (repeatable)', collect, [])
    .option('--cuda-graph-max-batch <n>', 'largest decode batch run under a CUDA graph, as launched: sequences per attention-DP rank (tokens for vLLM, as its --max-cudagraph-capture-size); default: the engine profile\'s; 0: none')
    .option('--breakdown', 'print the per-operator table of one prefill and one decode step (and of a draft pass with --speculative)')
    .addOption(new Option('--speculative <method>', 'speculative decoding: mtp (the model\'s MTP layers), eagle (a one-layer draft head), draft (--draft-model), ngram (prompt lookup)').choices(['mtp', 'eagle', 'draft', 'ngram']))
    .option('--spec-tokens <k>', 'draft tokens per step, with --speculative')
    .option('--acceptance <alpha>', 'per-token acceptance probability you measured, 0 to under 1 (tokens per step = (1 - a^(k+1)) / (1 - a))')
    .option('--accepted-length <n>', 'or: mean tokens per step you measured (vLLM/SGLang accept length), 1 to under k + 1')
    .option('--draft-model <id>', 'draft model for --speculative draft (preset or Hugging Face id)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      action(({ io, out }, options: EstimateOptions) => {
        const inputs = loadInputs(options.catalog, io.cwd);
        const models = modelsFor(options, inputs, io.cwd, out);
        const resolved = resolveDeployment(
          {
            model: options.model,
            gpu: options.gpu,
            tp: wholeNumber('--tp', options.tp),
            pp: wholeNumber('--pp', options.pp),
            ep: wholeNumber('--ep', options.ep),
            dp: wholeNumber('--dp', options.dp),
            weights: options.weights,
            kvCache: options.kvCache,
            engine: options.engine,
          },
          inputs.catalog,
          models,
        );
        if ('error' in resolved) throw new InputError([{ file: 'planner estimate', message: resolved.error }]);
        const speculative = speculativeOption(options, resolved.deployment.model, models);
        if (speculative) resolved.deployment.speculative = speculative;
        const input: EstimateInput = {
          deployment: resolved.deployment,
          engine: options.cudaGraphMaxBatch === undefined ? resolved.engine : withCudaGraphCeiling(resolved.engine, graphBatch(options.cudaGraphMaxBatch)),
          mode: options.mode,
          concurrency: wholeNumber('--concurrency', options.concurrency),
          inputTokens: wholeNumber('--input-tokens', options.inputTokens),
          outputTokens: wholeNumber('--output-tokens', options.outputTokens),
          ...(options.cudaGraphMaxBatch !== undefined ? { cudaGraphsGiven: true } : {}),
        };
        const window = input.deployment.model.maxContextTokens;
        if (window !== undefined && input.inputTokens + input.outputTokens > window) {
          throw new InputError([
            { file: '--input-tokens, --output-tokens', message: `${input.inputTokens} input + ${input.outputTokens} output tokens is ${input.inputTokens + input.outputTokens}, past the context window of ${input.deployment.model.id} (${window} tokens)` },
          ]);
        }
        const shape = { inputTokens: input.inputTokens, outputTokens: input.outputTokens };
        const prediction = predictInstance(input.deployment, input.mode, input.concurrency, shape, input.engine);
        if (options.format === 'json') {
          out.data(JSON.stringify(estimateJson(input, prediction, options.breakdown === true), null, 2));
        } else if ('reason' in prediction) {
          out.data(unservableText(input, prediction));
        } else {
          out.data(estimateText(input, prediction));
          if (speculative) {
            out.data(`\n${speculativeLine(planSpeculative(speculative), (t) => t, '')}`);
          }
          if (options.breakdown) {
            out.data(`\n${breakdownText('prefill iteration (one prompt chunk with the running decodes), per GPU', prediction.prefillStep)}`);
            out.data(`\n${breakdownText(prediction.decodeStep.speculative ? 'decode iteration (the operators of its verification pass), per GPU' : 'decode iteration, per GPU', prediction.decodeStep)}`);
            if (prediction.decodeStep.speculative) out.data(`\n${speculativeBreakdownText(prediction.decodeStep)}`);
          }
        }
        return 'reason' in prediction ? EXIT.failed : EXIT.ok;
      }),
    );
};
