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
    const modelJson = JSON.parse(cli(['models', '--format', 'json']).stdout);
    expect(modelJson.models.map((m: { id: string }) => m.id)).toContain('deepseek-v3');
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
