import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadInputs } from '../src/cli/inputs.js';
import type { Inputs } from '../src/cli/inputs.js';
import { loadSpec } from '../src/input/load.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Fixture path relative to the repository root. */
export const fixture = (name: string) => `test/fixtures/${name}`;

let cached: Inputs | undefined;
/** The preset catalog, model registry and schema checker, loaded once per test file. */
export function presets(): Inputs {
  cached ??= loadInputs([], ROOT);
  return cached;
}

/** Loads a spec from YAML text (named `spec.yaml` in messages) against the presets. */
export function specFromText(text: string) {
  return loadSpec(presets().check, { path: 'spec.yaml', text }, presets());
}

/** Runs the built CLI like a user would, with colour off; returns exit code and both streams. */
export function cli(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const result = spawnSync(process.execPath, [`${ROOT}bin/planner.js`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    input: options.input,
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A minimal valid spec, as the README shows it. */
export const MINIMAL_SPEC = `model: llama-3.1-8b
workload:
  rate: 20/s
  input_tokens: 1000
  output_tokens: 200
slo:
  ttft: 500ms
  tpot: 50ms
  percentile: 90
`;
