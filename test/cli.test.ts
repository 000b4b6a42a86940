import { describe, expect, it } from 'vitest';
import { cli, fixture } from './helpers.js';

const ANSI = /\u001b\[/;

describe('planner CLI', () => {
  it('prints help and version, exit 0', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: planner/);
    for (const command of ['validate', 'gpus', 'models']) expect(help.stdout).toContain(command);
    const version = cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('validates an example spec: exit 0, a summary on stdout, nothing on stderr', () => {
    const result = cli(['validate', 'presets/examples/chat.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^presets\/examples\/chat\.yaml: ok — llama-3\.1-70b/);
    expect(result.stderr).toBe('');
  });

  it('reports every problem of a bad spec as file:line:col on stderr, exit 2', () => {
    const result = cli(['validate', fixture('bad-spec.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^test\/fixtures\/bad-spec\.yaml:2:8: model: unknown model "llama-3\.1-8bb" \(did you mean "llama-3\.1-8b"/),
      expect.stringMatching(/^test\/fixtures\/bad-spec\.yaml:4:9: workload\.rate: must not be negative/),
      expect.stringMatching(/^test\/fixtures\/bad-spec\.yaml:8:9: slo\.ttft: give a unit/),
    ]);
  });

  it('gives the problems as JSON on stdout with --format json', () => {
    const result = cli(['validate', fixture('bad-spec.yaml'), '--format', 'json']);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ version: 1, valid: false });
    expect(report.issues[0]).toMatchObject({ file: 'test/fixtures/bad-spec.yaml', line: 2, col: 8 });
  });

  it('checks catalog overlays', () => {
    const result = cli(['validate', '--catalog', fixture('overlay-incomplete.yaml'), 'presets/examples/chat.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/overlay-incomplete\.yaml:2:3: gpus\.my-gpu: GPU type is missing name/);
  });

  it('refuses missing files, directories and unknown options with exit 2 and no stack trace', () => {
    for (const args of [['validate', 'no-such.yaml'], ['validate', 'presets'], ['validate', '--bogus'], ['frobnicate'], ['gpus', '--format', 'xml']]) {
      const result = cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
    expect(cli(['validate', 'no-such.yaml']).stderr.trim()).toBe('no-such.yaml: file not found');
  });

  it('lists GPUs and models as tables and as JSON', () => {
    const gpus = cli(['gpus']);
    expect(gpus.code).toBe(0);
    expect(gpus.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+MEMORY\s+BANDWIDTH\s+BF16 TFLOPS/);
    expect(gpus.stdout).toMatch(/^h100-sxm\s+NVIDIA H100 SXM5 80GB\s+80 GiB\s+3\.35 TB\/s\s+989\.4/m);
    const gpuJson = JSON.parse(cli(['gpus', '--format', 'json']).stdout);
    expect(gpuJson.version).toBe(1);
    expect(gpuJson.gpus.find((g: { id: string }) => g.id === 'h100-sxm')).toMatchObject({ memoryBytes: 80 * 1024 ** 3, tdpWatts: 700 });

    const models = cli(['models']);
    expect(models.code).toBe(0);
    expect(models.stdout).toMatch(/^llama-3\.1-8b\s+8\.03B\s+7\.5B\s+32\s+4096\s+32\/8\s+GQA\s+128 KiB/m);
    // A sliding window shows beside the attention kind.
    expect(models.stdout).toMatch(/^gpt-oss-120b\s.*\sGQA, 128-token window on 18 of 36 layers\s+72 KiB/m);
    const modelJson = JSON.parse(cli(['models', '--format', 'json']).stdout);
    expect(modelJson.models.map((m: { id: string }) => m.id)).toContain('deepseek-v3');
  });

  it('`models NAME…` shows how planner reads the models named: a quantised name, a config.json, or says it does not know one', () => {
    const named = cli(['models', 'RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic', fixture('models/Llama-3.3-70B-Instruct-FP8-dynamic/config.json')]);
    expect(named.code).toBe(0);
    const rows = named.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    // Each row starts with the name it was asked by.
    expect(rows[0]).toMatch(/^RedHatAI\/Llama-3\.3-70B-Instruct-FP8-dynamic\s+llama-3\.3-70b\s+70\.6B\s+69\.5B\s+80\s+8192\s+64\/8\s+GQA\s+320 KiB\s+-\s+131072\s+fp8$/);
    expect(rows[1]).toMatch(/config\.json\s+llama-3\.3-70b-instruct-fp8-dynamic\s+70\.6B\s.*fp8$/);
    expect(JSON.parse(cli(['models', 'qwen3-8b', '--format', 'json']).stdout).models[0]).toMatchObject({ given: 'qwen3-8b', id: 'qwen3-8b' });
    const unknown = cli(['models', 'llama-3.1-80b']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('models: unknown model "llama-3.1-80b" (did you mean "llama-3.1-70b" or "llama-3.1-8b" or "llama-3.1-405b"?); `planner models` lists the presets');
    // Every unknown name at once, not the first alone.
    const several = cli(['models', 'nope-a', 'qwen3-8b', 'nope-b']);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/unknown model "nope-a"/);
    expect(several.stderr).toMatch(/unknown model "nope-b"/);
  });

  it('uses a catalog overlay in `gpus`', () => {
    const result = cli(['gpus', '--catalog', 'test/fixtures/overlay-price.yaml', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).gpus.find((g: { id: string }) => g.id === 'l4').priceUsdPerHour).toBe(0.5);
  });

  it('colours only when asked: never with NO_COLOR or --no-color, never into a pipe by default', () => {
    expect(cli(['gpus']).stdout).not.toMatch(ANSI);
    expect(cli(['gpus'], { env: { NO_COLOR: '' } }).stdout).not.toMatch(ANSI);
    expect(cli(['gpus'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).stdout).toMatch(ANSI);
    expect(cli(['gpus', '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).stdout).not.toMatch(ANSI);
    expect(cli(['gpus'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }).stdout).not.toMatch(ANSI);
  });
});

describe('planner estimate', () => {
  const base = ['estimate', '--model', 'meta-llama/Llama-3.1-70B-Instruct', '--gpu', 'h100-sxm', '--tp', '4', '--concurrency', '16', '--input-tokens', '2k', '--output-tokens', '256'];

  it('prints TTFT, TPOT, throughput, memory and the bound of each phase', () => {
    const result = cli(base);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^llama-3\.1-70b on 4 × h100-sxm \(tp 4, pp 1\), bf16 weights, bf16 KV cache, vllm/);
    expect(result.stdout).toMatch(/TTFT\s+[\d.]+ ms\s+prefill bound: compute/);
    expect(result.stdout).toMatch(/TPOT\s+[\d.]+ ms\s+decode bound: memory/);
    expect(result.stdout).toMatch(/weights\s+32\.9 GiB/);
  });

  it('gives JSON with the per-operator breakdown', () => {
    const json = JSON.parse(cli([...base, '--format', 'json', '--breakdown']).stdout);
    expect(json).toMatchObject({ version: 1, fits: true, input: { model: 'llama-3.1-70b', tp: 4, inputTokens: 2000 } });
    expect(json.tpotMs).toBeGreaterThan(10);
    expect(json.breakdown.decode.operators.map((op: { name: string }) => op.name)).toContain('decode_attention');
  });

  it('prints the per-operator tables with --breakdown', () => {
    const result = cli([...base, '--breakdown']);
    expect(result.stdout).toMatch(/decode iteration, per GPU: [\d.]+ ms \(memory \d+%/);
    expect(result.stdout).toMatch(/^mlp_up\s+80\s/m);
  });

  it('exits 1 with the numbers when the model does not fit, 2 on unknown names or bad numbers', () => {
    const noFit = cli(['estimate', '--model', 'llama-3.1-405b', '--gpu', 'l4', '--tp', '8', '--concurrency', '1', '--input-tokens', '100', '--output-tokens', '10']);
    expect(noFit.code).toBe(1);
    expect(noFit.stdout).toMatch(/does not fit: [\d.]+ GiB of weights/);
    const unknown = cli(['estimate', '--model', 'llama-3.1-70', '--gpu', 'h100-sxm', '--concurrency', '1', '--input-tokens', '10', '--output-tokens', '10']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown model "llama-3\.1-70" \(did you mean "llama-3\.1-70b"/);
    const badTp = cli([...base.slice(0, 5), '--tp', 'four', ...base.slice(7)]);
    expect(badTp.code).toBe(2);
    expect(badTp.stderr.trim()).toBe('--tp: must be a whole number ≥ 1, got "four"');
  });
});

describe('planner accuracy', () => {
  it('reports per model × GPU and overall, and lists rows it cannot predict with the reason', () => {
    const result = cli(['accuracy', 'test/fixtures/measurements-small.csv']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^MODEL × GPU\s+ROWS\s+TTFT MEDIAN\s+TTFT P90\s+TPOT MEDIAN\s+TPOT P90/);
    expect(result.stdout).toMatch(/^qwen3-32b × h100-sxm\s+1\s/m);
    expect(result.stdout).toMatch(/^overall\s+2\s/m);
    expect(result.stdout).toMatch(/2 row\(s\) could not be predicted/);
    expect(result.stdout).toMatch(/measurements-small\.csv:6: tp must be a whole number/);
    expect(result.stdout).toMatch(/measurements-small\.csv:5: no-such-model .*unknown model "no-such-model"/);
  });

  it('gives every input row with its prediction or error in JSON', () => {
    const json = JSON.parse(cli(['accuracy', 'test/fixtures/measurements-small.csv', '--format', 'json']).stdout);
    expect(json.version).toBe(1);
    expect(json.rows).toHaveLength(4);
    expect(json.rows[0]).toMatchObject({ model: 'Qwen/Qwen3-32B', ttft_ms: '164.155', predictedTtftMs: expect.any(Number), predictedTpotMs: expect.any(Number) });
    expect(json.rows.filter((r: { error?: string }) => r.error)).toHaveLength(2);
  });

  it('refuses a file without the required columns (exit 2)', () => {
    const result = cli(['accuracy', 'test/fixtures/bad-spec.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad-spec\.yaml:2:1: missing column\(s\)/);
  });
});

describe('planner calibrate', () => {
  it('writes a catalog overlay and prints the error before and after', () => {
    const result = cli(['calibrate', 'test/fixtures/measurements-small.csv']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^# planner calibrate overlay/);
    expect(result.stdout).toMatch(/^engines:\n/m);
    expect(result.stderr).toMatch(/error before: TTFT median [\d.]+% .*\nerror after : TTFT median/);
  });
});
