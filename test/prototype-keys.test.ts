/**
 * Ids are looked up as own properties: `constructor`, `__proto__`, `toString` or `hasOwnProperty`
 * as a GPU, engine or model name is unknown like any other (exit 2, a message naming it), never
 * a crash, never accepted, never NaN; a catalog overlay's `__proto__` key pollutes nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { operatorAccuracy } from '../src/cli/operator-accuracy.js';
import { resolveDeployment } from '../src/perf/resolve.js';
import { deepMerge } from '../src/input/catalog.js';
import { resolveGpuId } from '../src/input/gpu-names.js';
import { didYouMean } from '../src/input/did-you-mean.js';
import { InputError } from '../src/input/issues.js';
// The CLI runs from the build (its solver's worker threads load built JavaScript).
import { MINIMAL_SPEC, ROOT, fixture, presets } from './helpers.js';
import { runPlanner } from './in-process.js';

const KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

const TMP = mkdtempSync(join(tmpdir(), 'planner-proto-'));
let files = 0;
function writeFile(text: string, ext = 'yaml'): string {
  const path = join(TMP, `case${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** The CLI run in this process (test/in-process.ts). */
const planner = (args: string[]) => runPlanner(args);

/** Refused as bad input: exit 2, the id named, no stack trace, no NaN or Infinity. */
function expectRefused(r: { code: number; stdout: string; stderr: string }, key: string, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  expect(r.stderr, what).toContain(key);
  expect(r.stderr, what).not.toMatch(/internal error|\n\s+at \S+|TypeError|Cannot read/);
  expect(`${r.stdout}${r.stderr}`, what).not.toMatch(/NaN|Infinity/);
}

/** The minimal spec with a `planning:` or top-level section added. */
const spec = (extra: string) => writeFile(`${MINIMAL_SPEC}${extra}`);

describe.each(KEYS)('%s as an id', (key) => {
  it('in planning.gpus, planning.availability, planning.engine and model: exit 2 naming it', async () => {
    const cases: Array<[string, string]> = [
      ['planning.gpus', spec(`planning:\n  gpus: [${JSON.stringify(key)}]\n`)],
      ['planning.availability', spec(`planning:\n  availability:\n    ${JSON.stringify(key)}: 4\n`)],
      ['planning.engine', spec(`planning:\n  engine: ${JSON.stringify(key)}\n`)],
      ['model', writeFile(MINIMAL_SPEC.replace('model: llama-3.1-8b', `model: ${JSON.stringify(key)}`))],
    ];
    for (const [what, path] of cases) {
      const r = await planner(['plan', path, '--no-verify']);
      expectRefused(r, key, what);
      expect(r.stderr, what).toMatch(/unknown (GPU type|engine|model)/);
    }
  });

  it('as --gpu, --engine and --model of estimate: exit 2 naming it', async () => {
    const base = ['estimate', '--concurrency', '4', '--input-tokens', '100', '--output-tokens', '10'];
    for (const [flag, args] of [
      ['--gpu', ['--model', 'llama-3.1-8b', '--gpu', key]],
      ['--engine', ['--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--engine', key]],
      ['--model', ['--model', key, '--gpu', 'h100-sxm']],
    ] as const) {
      const r = await planner([...base, ...args]);
      expectRefused(r, key, flag);
      expect(r.stderr).toMatch(/unknown (GPU|engine|model)/);
    }
  });

  it('as the GPU, engine or model of a measurement row: that row is unpredicted like any unknown id', async () => {
    const header = 'model,gpu,tp,weights,concurrency,input_tokens,output_tokens,ttft_ms,tpot_ms,engine';
    const rows = [`llama-3.1-8b,${key},1,bf16,4,100,10,10,5,vllm`, `llama-3.1-8b,h100-sxm,1,bf16,4,100,10,10,5,${key}`, `${key},h100-sxm,1,bf16,4,100,10,10,5,vllm`, 'llama-3.1-8b,h100-sxm,1,bf16,4,100,10,10,5,vllm'];
    const r = await planner(['accuracy', writeFile(`${header}\n${rows.join('\n')}\n`, 'csv'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const errors = (JSON.parse(r.stdout) as { rows: Array<{ error?: string }> }).rows.map((row) => row.error);
    expect(errors.slice(0, 3)).toEqual([`unknown GPU "${key}"`, expect.stringMatching(new RegExp(`unknown engine "${key.toLowerCase().replace(/[_$]/g, '\\$&')}"`, 'i')), `unknown model "${key}"`]);
    expect(errors[3]).toBeUndefined();
    expect(r.stdout).not.toMatch(/NaN|Infinity/);
  });

  it('as --gpu or --engine of accuracy on operator profiles, and in the pure lookups', () => {
    const { catalog, models } = presets();
    const call = (gpu: string, engine: string) => () => operatorAccuracy([], catalog, { gpu, engine, worst: 10, format: 'table' } as never, (t) => t);
    expect(call(key, 'vllm')).toThrow(InputError);
    expect(call(key, 'vllm')).toThrow(new RegExp(`unknown GPU "${key.replace(/[_$]/g, '\\$&')}"`));
    expect(call('h100-sxm', key)).toThrow(new RegExp(`unknown engine "${key.replace(/[_$]/g, '\\$&')}"`));
    expect(resolveGpuId(catalog, key)).toBeUndefined();
    expect(Object.hasOwn(catalog.gpus, key)).toBe(false);
    expect(catalog.gpus[key]).toBeUndefined();
    expect(catalog.engines[key]).toBeUndefined();
    expect(models.resolve(key)).toBeUndefined();
    const names = { model: 'llama-3.1-8b', gpu: 'h100-sxm', tp: 1, pp: 1, ep: 1, engine: 'vllm' };
    for (const field of ['model', 'gpu', 'engine'] as const) {
      const resolved = resolveDeployment({ ...names, [field]: key }, catalog, models);
      expect(resolved, field).toEqual({ error: expect.stringContaining(`unknown ${field === 'gpu' ? 'GPU' : field} "${key}"`) });
    }
    expect(didYouMean(key, Object.keys(catalog.gpus))).not.toMatch(/undefined|function/);
  });

  it('in a saved plan (its engine or a pool\'s GPU): simulate refuses it, exit 2', async () => {
    const text = (await import('node:fs')).readFileSync(`${ROOT}${fixture('plans/base.json')}`, 'utf8');
    const plan = JSON.parse(text);
    for (const [what, edited] of [
      ['engine', { ...plan, engine: key }],
      ['pool gpu', { ...plan, pools: plan.pools.map((p: object) => ({ ...p, gpu: key })) }],
    ] as const) {
      const r = await planner(['simulate', 'presets/examples/multi-tenant.yaml', '--plan', writeFile(JSON.stringify(edited), 'json'), '--duration', '10s']);
      expectRefused(r, key, what);
    }
  });
});

describe('catalog overlays', () => {
  it('refuse constructor and the other prototype names as a GPU or engine id (exit 2)', async () => {
    for (const section of ['gpus', 'engines']) {
      for (const key of KEYS) {
        const overlay = writeFile(`${section}:\n  ${JSON.stringify(key)}:\n    ${section === 'gpus' ? 'price: { usd_per_hour: 1, source: x, date: 2026-01-01 }' : 'step_overhead: 1ms'}\n`);
        const r = await planner(['gpus', '--catalog', overlay]);
        expectRefused(r, key, `${section}.${key}`);
      }
    }
  });

  it('with a __proto__ key pollute no object, and are refused (exit 2)', async () => {
    for (const text of ['__proto__:\n  polluted: yes\n', 'gpus:\n  l4:\n    __proto__: { polluted: yes }\n', 'gpus:\n  l4:\n    efficiency:\n      __proto__: { polluted: yes }\n', 'defaults:\n  efficiency:\n    __proto__: { polluted: 1 }\n']) {
      const r = await planner(['plan', 'presets/examples/code-completion.yaml', '--no-verify', '--catalog', writeFile(text), '--format', 'json']);
      expect(r.code, `${text}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('__proto__');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('merge a __proto__ or constructor key as data, never as the prototype (deepMerge)', () => {
    const top = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "gpus": {"__proto__": {"x": 1}}}');
    const merged = deepMerge({ gpus: { l4: { a: 1 } } } as Record<string, unknown>, top);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(merged.gpus)).toBe(Object.prototype);
    expect(Object.keys(merged.gpus as object).sort()).toEqual(['__proto__', 'l4']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(((merged as { l4?: unknown }).l4)).toBeUndefined();
  });
});
