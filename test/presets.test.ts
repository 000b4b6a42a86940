import { readFileSync, readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { readPackageFile } from '../src/cli/files.js';
import { PRESET_CATALOG, loadSpecFile } from '../src/cli/inputs.js';
import { activeParams, totalParams } from '../src/perf/model-size.js';
import { checkFile } from '../src/input/load.js';
import { ROOT, presets } from './helpers.js';

const REQUIRED_GPUS = ['a10g', 'l4', 'l40s', 'a100-40gb', 'a100-80gb', 'h100-pcie', 'h100-sxm', 'h100-nvl', 'h200', 'b200', 'mi300x',
  'b300', 'gb200-nvl72', 'h20', 'rtx-pro-6000-server', 'mi325x', 'mi355x'];

const REQUIRED_MODELS: Record<string, string[]> = {
  'llama-2-7b': ['meta-llama/Llama-2-7b-hf', 'meta-llama/Llama-2-7b-chat-hf'],
  'llama-2-70b': ['meta-llama/Llama-2-70b-hf', 'meta-llama/Llama-2-70b-chat-hf'],
  'llama-3.1-8b': ['meta-llama/Llama-3.1-8B', 'meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Meta-Llama-3.1-8B-Instruct'],
  'llama-3.1-70b': ['meta-llama/Llama-3.1-70B', 'meta-llama/Llama-3.1-70B-Instruct'],
  'llama-3.3-70b': ['meta-llama/Llama-3.3-70B-Instruct', 'meta-llama/Llama-3.3-70B'],
  'llama-3.1-405b': ['meta-llama/Llama-3.1-405B', 'meta-llama/Llama-3.1-405B-Instruct'],
  'mistral-7b': ['mistralai/Mistral-7B-v0.1', 'mistralai/Mistral-7B-Instruct-v0.3'],
  'mixtral-8x7b': ['mistralai/Mixtral-8x7B-v0.1', 'mistralai/Mixtral-8x7B-Instruct-v0.1'],
  'qwen3-32b': ['Qwen/Qwen3-32B', 'Qwen/Qwen3-32B-Instruct'],
  'qwen3-235b-a22b': ['Qwen/Qwen3-235B-A22B', 'Qwen/Qwen3-235B-A22B-Instruct-2507'],
  'gpt-oss-20b': ['openai/gpt-oss-20b'],
  'gpt-oss-120b': ['openai/gpt-oss-120b'],
  'deepseek-v3': ['deepseek-ai/DeepSeek-V3', 'deepseek-ai/DeepSeek-R1', 'deepseek-r1'],
  'bloom-176b': ['bigscience/bloom'],
  'llama-3-8b': ['meta-llama/Meta-Llama-3-8B', 'meta-llama/Meta-Llama-3-8B-Instruct'],
  'llama-3-70b': ['meta-llama/Meta-Llama-3-70B', 'meta-llama/Meta-Llama-3-70B-Instruct'],
  'qwen3-coder-480b-a35b': ['Qwen/Qwen3-Coder-480B-A35B-Instruct', 'Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8'],
  'kimi-k2': ['moonshotai/Kimi-K2-Instruct', 'moonshotai/Kimi-K2-Base'],
  'glm-4.5': ['zai-org/GLM-4.5', 'zai-org/GLM-4.5-FP8'],
  'glm-4.5-air': ['zai-org/GLM-4.5-Air'],
  'qwen3-next-80b-a3b': ['Qwen/Qwen3-Next-80B-A3B-Instruct', 'Qwen/Qwen3-Next-80B-A3B-Thinking-FP8'],
  'qwen3.5-397b-a17b': ['Qwen/Qwen3.5-397B-A17B', 'Qwen/Qwen3.5-397B-A17B-FP8'],
  'qwen3.5-27b': ['Qwen/Qwen3.5-27B'],
  'qwen3.5-35b-a3b': ['Qwen/Qwen3.5-35B-A3B', 'Qwen/Qwen3.5-35B-A3B-FP8'],
  'nemotron-3-nano-30b-a3b': ['nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16', 'nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8'],
};

describe('schemas', () => {
  const files = readdirSync(`${ROOT}schemas`).filter((f) => f.endsWith('.json'));
  it.each(files)('%s is a valid JSON Schema (the CLI skips this check at run time)', (file) => {
    const ajv = new Ajv({ strict: false });
    ajv.addKeyword({ keyword: 'unit', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'positive', schemaType: 'boolean' });
    expect(ajv.validateSchema(JSON.parse(readFileSync(`${ROOT}schemas/${file}`, 'utf8'))), JSON.stringify(ajv.errors)).toBe(true);
  });
});

describe('preset catalog', () => {
  it.each(PRESET_CATALOG)('%s validates against the catalog schema', (file) => {
    expect(checkFile(presets().check, 'catalog', readPackageFile(file)).issues).toEqual([]);
  });

  it('has every GPU id later features rely on, each complete with price source and date', () => {
    const { catalog } = presets();
    for (const id of REQUIRED_GPUS) {
      const gpu = catalog.gpus[id];
      expect(gpu, id).toBeDefined();
      expect(gpu.source, id).toBeTruthy();
      expect(gpu.price.source, id).toBeTruthy();
      expect(gpu.price.date, id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(gpu.price.usdPerHour, id).toBeGreaterThan(0);
      expect(gpu.memoryBytes, id).toBeGreaterThan(16e9);
      expect(gpu.peakFlops.bf16 ?? gpu.peakFlops.fp16, id).toBeGreaterThan(50e12);
    }
  });

  it('stores dense TFLOPS: no chip above its memory-era plausibility (B200 dense BF16 ≈ 2.25 PF, MI355X ≈ 2.52 PF)', () => {
    for (const gpu of Object.values(presets().catalog.gpus)) {
      expect(gpu.peakFlops.bf16 ?? 0, gpu.id).toBeLessThanOrEqual(2.6e15);
      if (gpu.peakFlops.fp8 && gpu.peakFlops.bf16) expect(gpu.peakFlops.fp8 / gpu.peakFlops.bf16, gpu.id).toBeCloseTo(2, 0);
    }
  });
});

describe('preset models', () => {
  const files = readdirSync(`${ROOT}presets/models`).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s validates against the model schema', (file) => {
    expect(checkFile(presets().check, 'model', readPackageFile(`presets/models/${file}`)).issues).toEqual([]);
  });

  it.each(Object.keys(REQUIRED_MODELS))('%s: parameters computed from the architecture are within 2%% of the published count', (id) => {
    const model = presets().models.models.find((m) => m.id === id)!;
    expect(model, id).toBeDefined();
    const computed = totalParams(model);
    expect(Math.abs(computed / model.publishedParams! - 1), `${id}: ${computed} vs ${model.publishedParams}`).toBeLessThan(0.02);
  });

  it.each(Object.entries(REQUIRED_MODELS))('%s is reachable by its Hugging Face ids', (id, hfIds) => {
    for (const name of [id, ...hfIds, id.toUpperCase()]) expect(presets().models.resolve(name)?.id, name).toBe(id);
  });

  it('counts active parameters of MoE models as their cards do', () => {
    const active = (id: string) => activeParams(presets().models.resolve(id)!) / 1e9;
    expect(active('gpt-oss-120b')).toBeCloseTo(5.1, 0);
    expect(active('deepseek-v3')).toBeGreaterThan(36);
    expect(active('deepseek-v3')).toBeLessThan(38);
    expect(active('mixtral-8x7b')).toBeCloseTo(12.9, 0);
    expect(active('qwen3-235b-a22b')).toBeCloseTo(22, 0);
    expect(active('qwen3-coder-480b-a35b')).toBeCloseTo(35, -1);
    expect(active('kimi-k2')).toBeCloseTo(32, 0);
    // GLM's cards round (32B, 12B); the count here includes the LM head and the shared expert.
    expect(active('glm-4.5')).toBeGreaterThan(31.5);
    expect(active('glm-4.5')).toBeLessThan(34);
    expect(active('glm-4.5-air')).toBeGreaterThan(11.5);
    expect(active('glm-4.5-air')).toBeLessThan(13.5);
  });
});

describe('example specs', () => {
  const examples = readdirSync(`${ROOT}presets/examples`).filter((f) => f.endsWith('.yaml'));

  it('there are at least four, each commented', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const file of examples) expect(readPackageFile(`presets/examples/${file}`).text).toMatch(/^#/m);
  });

  it.each(examples)('%s validates and resolves', (file) => {
    // Read as the CLI reads it, so a trace the spec names is streamed in.
    const spec = loadSpecFile(`presets/examples/${file}`, presets(), ROOT);
    expect(spec.totalRatePerSecond).toBeGreaterThan(0);
  });
});
