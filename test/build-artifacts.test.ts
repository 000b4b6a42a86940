import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { precompiledValidator } from '../src/cli/precompiled-schemas.js';
import { readPresetFile } from '../src/cli/preset-files.js';
import { createSchemaChecker } from '../src/input/schema-check.js';
import { parseYamlSource, sourceFromData } from '../src/input/yaml-source.js';
import { ROOT } from './helpers.js';

const presetPaths = ['presets/gpus.yaml', 'presets/engines.yaml', 'presets/deploy.yaml', ...readdirSync(join(ROOT, 'presets/models')).sort().map((n) => `presets/models/${n}`)];

describe('the presets bundled at build (dist/presets.json)', () => {
  it('hold exactly what the YAML sources say, and a run reads them from the bundle', () => {
    const bundle = JSON.parse(readFileSync(join(ROOT, 'dist/presets.json'), 'utf8')) as { files: Record<string, { data: unknown }> };
    expect(Object.keys(bundle.files).sort()).toEqual([...presetPaths].sort());
    for (const path of presetPaths) {
      const fresh = parseYamlSource(path, readFileSync(join(ROOT, path), 'utf8'));
      expect(fresh.issues, path).toEqual([]);
      expect(bundle.files[path]!.data, path).toEqual(fresh.data);
      const read = readPresetFile(path);
      // Unchanged since the build: the parsed data, named by its absolute path.
      expect('data' in read && read.file, path).toBe(join(ROOT, path));
    }
  });

  it('falls back to the YAML for a file the bundle does not know', () => {
    const read = readPresetFile('presets/examples/chat.yaml');
    expect('text' in read && read.text).toContain('chat-assistant');
  });
});

describe('the validators compiled at build (dist/schemas/*.cjs)', () => {
  const names = ['spec', 'catalog', 'model', 'plan', 'deploy'];
  const schemas = Object.fromEntries(names.map((n) => [n, JSON.parse(readFileSync(join(ROOT, `schemas/${n}.schema.json`), 'utf8')) as object])) as Parameters<typeof createSchemaChecker>[0];

  it('exist for every schema and find what the run-time ones find, message for message', () => {
    for (const name of names) expect(precompiledValidator(name), name).toBeTypeOf('function');
    const atBuild = createSchemaChecker(schemas, (name) => precompiledValidator(name) ?? expect.unreachable(`no validator for ${name}`));
    const atRun = createSchemaChecker(schemas);
    const spec = parseYamlSource('chat.yaml', readFileSync(join(ROOT, 'presets/examples/chat.yaml'), 'utf8')).data as Record<string, any>;
    // Every top-level and second-level field of a spec replaced by values of the wrong kind or unit.
    const junk: unknown[] = [null, -1, 0, 'fast', '5 parsecs', '-3s', [], {}, { nope: 1 }, 'p101', 1e308, '0/s', true];
    const cases: unknown[] = [spec, null, 'text', []];
    for (const [key, value] of Object.entries(spec)) {
      for (const j of junk) cases.push({ ...spec, [key]: j });
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const inner of Object.keys(value)) for (const j of junk) cases.push({ ...spec, [key]: { ...value, [inner]: j } });
      }
    }
    cases.push({ ...spec, unknown_field: 1 });
    let failing = 0;
    for (const data of cases) {
      const source = sourceFromData('spec.yaml', data);
      const expected = atRun('spec', source);
      if (expected.length > 0) failing++;
      expect(atBuild('spec', source)).toEqual(expected);
    }
    expect(failing).toBeGreaterThan(cases.length / 2);
    // And the presets and a plan, through the other schemas.
    const plan = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/plans/base.json'), 'utf8')) as Record<string, unknown>;
    for (const [name, data] of [['plan', plan], ['plan', { ...plan, pools: 'x' }], ['catalog', { gpus: { x: { memory: 'lots' } } }], ['deploy', { engines: { vllm: { port: 'http' } } }]] as const) {
      const source = sourceFromData(`${name}.yaml`, data);
      expect(atBuild(name, source)).toEqual(atRun(name, source));
    }
  });
});

describe('the code cache built for the bundled CLI (dist/cli/bundle.cache)', () => {
  // Loaded in a fresh process, as bin/planner.js does: it sets a V8 flag and runs the bundle.
  const load = (cachePath: string) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', `const { loadBundle } = await import(${JSON.stringify(join(ROOT, 'dist/cli/code-cache.js'))}); const b = loadBundle(${JSON.stringify(cachePath)}); process.stdout.write(b.cache + ' ' + typeof b.main);`], { encoding: 'utf8' });

  it('serves a bundle that runs in strict mode, as the ES modules it was built from did', () => {
    // A directive only counts as the first statement: the wrapper vm.Script puts around the bundle keeps it first.
    expect(readFileSync(join(ROOT, 'dist/cli/bundle.cjs'), 'utf8')).toMatch(/^'use strict';\n/);
  });

  it('is accepted by this Node for this code, and ignored when built for other code, damaged or missing', () => {
    const built = join(ROOT, 'dist/cli/bundle.cache');
    expect(load(built).stdout).toBe('accepted function');
    const dir = mkdtempSync(join(tmpdir(), 'planner-cache-'));
    const bytes = readFileSync(built);
    const otherBundle = Buffer.from(bytes);
    otherBundle[0] ^= 0xff;
    writeFileSync(join(dir, 'stale.cache'), otherBundle);
    expect(load(join(dir, 'stale.cache')).stdout).toBe('stale function');
    // V8 checks a cache's header, not its code: a damaged body must not reach it (it can crash V8).
    const damagedBody = Buffer.from(bytes);
    damagedBody.fill(7, 4096, 4160);
    writeFileSync(join(dir, 'damaged.cache'), damagedBody);
    expect(load(join(dir, 'damaged.cache')).stdout).toBe('damaged function');
    // A header V8 refuses (say, another V8's), behind checksums that hold: V8 says no, the bundle compiles.
    const otherHeader = Buffer.from(bytes);
    otherHeader.fill(7, 64, 80);
    createHash('sha256').update(otherHeader.subarray(64)).digest().copy(otherHeader, 32);
    writeFileSync(join(dir, 'other-v8.cache'), otherHeader);
    expect(load(join(dir, 'other-v8.cache')).stdout).toBe('rejected function');
    expect(load(join(dir, 'missing.cache')).stdout).toBe('none function');
  });
});
