// Specs and saved plans from a pull request: what planner reads, writes and certifies must hold up
// when their author is hostile and the CI log is public. Cases are generated: path forms × spec
// fields, failure points × error codes, ways to measure nothing, mutations of a real saved plan.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The CLI runs from the build (its solvers' worker threads load built JavaScript).
import { writeFileAtomic } from '../dist/cli/write-file.js';
import type { WriteFs } from '../dist/cli/write-file.js';
import { formatUsd, usdAmount, usdText } from '../dist/report/format.js';
import { MINIMAL_SPEC, ROOT } from './helpers.js';
import { runPlanner } from './in-process.js';

/** In every file planner must not quote; never in its paths, so a path in a message does not count. */
const MARKER = 'HUSH-7f3a9c';
const TMP = mkdtempSync(join(tmpdir(), 'planner-hostile-'));
const REPO = join(TMP, 'repo');
const OUTSIDE = join(TMP, 'elsewhere');
mkdirSync(join(REPO, 'specs', 'sub'), { recursive: true });
mkdirSync(OUTSIDE);
const write = (path: string, text: string) => (writeFileSync(path, text), path);
const secretText = `${MARKER},${MARKER},${MARKER}\n${MARKER} {"x": 1}\n`;
write(join(OUTSIDE, 'secret.csv'), secretText);
write(join(OUTSIDE, 'secret.json'), secretText);
write(join(OUTSIDE, 'trace.csv'), ['timestamp,input_tokens,output_tokens', ...Array.from({ length: 300 }, (_, i) => `${i * 0.5},${200 + (i % 7) * 50},${50 + (i % 5) * 20}`)].join('\n'));
// Inside the spec's folder: files of the wrong kind, a folder, links out of it.
write(join(REPO, 'specs', 'inside-secret.csv'), secretText);
write(join(REPO, 'specs', 'inside-secret.json'), secretText);
mkdirSync(join(REPO, 'specs', 'a-folder'));
symlinkSync(join(OUTSIDE, 'secret.csv'), join(REPO, 'specs', 'link-out.csv'));
symlinkSync(join(OUTSIDE, 'secret.json'), join(REPO, 'specs', 'link-out.json'));
symlinkSync(join(OUTSIDE, 'nothing-here.csv'), join(REPO, 'specs', 'dangling-out.csv'));
symlinkSync(OUTSIDE, join(REPO, 'specs', 'dir-out'));
symlinkSync('../../elsewhere', join(REPO, 'specs', 'sub', 'relative-dir-out'));

/** The CLI run in this process (test/in-process.ts). */
const planner = (args: string[], env: Record<string, string> = {}) => runPlanner(args, env);

/** What a failure must look like: exit 2 (unless told), a message, no marker, no stack trace, no internal error. */
function expectRefused(result: { code: number; stdout: string; stderr: string }, what: string, code = 2): void {
  expect(result.code, `${what}: ${result.stderr}`).toBe(code);
  expect(result.stderr, what).not.toContain(MARKER);
  expect(result.stdout, what).not.toContain(MARKER);
  expect(result.stderr, what).not.toMatch(/internal error|\n\s+at \S+ \(/);
}

/** The spec fields that name a file, as a spec writes a path into each. */
const FIELDS = [
  { field: 'workload.trace.file', ext: 'csv', spec: (p: string) => `model: llama-3.1-8b\nworkload:\n  trace:\n    file: "${p}"\nslo: { ttft: 1s, tpot: 50ms }\n` },
  { field: 'model', ext: 'json', spec: (p: string) => `model: "${p}"\nworkload: { rate: 5/s, input_tokens: 500, output_tokens: 100 }\nslo: { ttft: 1s }\n` },
  { field: 'model.config', ext: 'json', spec: (p: string) => `model: { config: "${p}" }\nworkload: { rate: 5/s, input_tokens: 500, output_tokens: 100 }\nslo: { ttft: 1s }\n` },
];
/** Paths that lead out of the spec's folder (REPO/specs), existing or not. */
const OUTSIDE_FORMS = (ext: string) => [
  { form: 'absolute', path: join(OUTSIDE, `secret.${ext}`) },
  { form: 'absolute, missing', path: join(OUTSIDE, `missing.${ext}`) },
  { form: '../..', path: `../../elsewhere/secret.${ext}` },
  { form: '../.., missing', path: `../../elsewhere/missing.${ext}` },
  { form: 'deep ../', path: `${'../'.repeat(30)}etc/passwd.${ext}` },
  { form: 'in and out again', path: `sub/../../../elsewhere/secret.${ext}` },
  { form: 'symlink out', path: `link-out.${ext}` },
  { form: 'dangling symlink out', path: 'dangling-out.csv' },
  { form: 'symlinked folder', path: `dir-out/secret.${ext}` },
  { form: 'symlinked folder, missing', path: `dir-out/missing.${ext}` },
  { form: 'relative symlinked folder', path: `sub/relative-dir-out/secret.${ext}` },
  { form: 'link then ..', path: `dir-out/../elsewhere/secret.${ext}` },
  { form: '/proc/self/status', path: '/proc/self/status' },
  { form: '/etc/shadow', path: '/etc/shadow' },
];
/** Paths inside the spec's folder that cannot be read as a file. */
const UNREADABLE_FORMS = (ext: string) => [
  { form: 'missing', path: `nowhere.${ext}` },
  { form: 'missing folder', path: `no-folder/x.${ext}` },
  { form: 'a directory', path: 'a-folder' },
  { form: 'a directory, trailing slash', path: 'a-folder/' },
];

let specs = 0;
/** Writes a spec into the repository's spec folder and returns its path. */
const specIn = (text: string, dir = join(REPO, 'specs')) => write(join(dir, `spec${specs++}.yaml`), text);

describe('files a spec names stay inside its folder', () => {
  it('every path form out of the folder × every field that names a file: exit 2, the field and the rule, no content', async () => {
    for (const { field, ext, spec } of FIELDS) {
      const messages = new Set<string>();
      for (const { form, path } of OUTSIDE_FORMS(ext)) {
        // The model field only reads names ending in .json.
        if (field === 'model' && !path.endsWith('.json')) continue;
        const file = specIn(spec(path));
        const result = await planner(['validate', file]);
        const what = `${field} ${form} (${path})`;
        expectRefused(result, what);
        expect(result.stderr, what).toContain(`${field}: ${path}: outside the spec's folder`);
        expect(result.stderr, what).toMatch(/--allow-path DIR or PLANNER_ALLOW_PATHS/);
        // Existing or missing, the answer is the same: nothing tells what exists out there.
        messages.add(result.stderr.replace(file, 'SPEC').replace(path, 'PATH'));
      }
      expect([...messages], field).toHaveLength(1);
    }
  });

  it('inside the folder, missing / a folder / no such folder: one uniform "not readable"', async () => {
    for (const { field, ext, spec } of FIELDS) {
      for (const { form, path } of UNREADABLE_FORMS(ext)) {
        if (field === 'model' && !path.endsWith('.json')) continue;
        const file = specIn(spec(path));
        const result = await planner(['validate', file]);
        expectRefused(result, `${field} ${form}`);
        expect(result.stderr.trim(), `${field} ${form}`).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: ${field.replace('.', '\\.')}: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not readable$`));
      }
    }
  });

  it('a file of the wrong kind inside the folder is refused without quoting it', async () => {
    for (const { field, spec } of FIELDS) {
      const path = field === 'workload.trace.file' ? 'inside-secret.csv' : 'inside-secret.json';
      expectRefused(await planner(['validate', specIn(spec(path))]), `${field} wrong kind`);
    }
  });

  it('every spec-reading command refuses; --allow-path and PLANNER_ALLOW_PATHS let the user widen it', async () => {
    const spec = specIn(FIELDS[0].spec(join(OUTSIDE, 'trace.csv')));
    const fast = ['--no-verify'];
    for (const args of [['validate', spec], ['plan', spec, ...fast], ['check', spec, ...fast], ['simulate', spec, ...fast, '--duration', '60s'], ['sweep', spec, '--rate', '1..2', '--steps', '2']]) {
      const refused = await planner(args);
      expectRefused(refused, args[0]);
      expect(refused.stderr, args[0]).toContain("outside the spec's folder");
    }
    expect((await planner(['validate', spec, '--allow-path', OUTSIDE])).code).toBe(0);
    expect((await planner(['validate', spec], { PLANNER_ALLOW_PATHS: ['/nonexistent-folder', OUTSIDE].join(':') })).code).toBe(0);
    // Allowed, a secret that is not a trace is still not quoted.
    expectRefused(await planner(['validate', specIn(FIELDS[0].spec(join(OUTSIDE, 'secret.csv'))), '--allow-path', OUTSIDE]), 'allowed secret');
    // A sibling folder whose name starts like an allowed one is not inside it.
    const sibling = join(TMP, 'elsewhere-too');
    mkdirSync(sibling, { recursive: true });
    write(join(sibling, 'trace.csv'), readFileSync(join(OUTSIDE, 'trace.csv'), 'utf8'));
    expectRefused(await planner(['validate', specIn(FIELDS[0].spec(join(sibling, 'trace.csv'))), '--allow-path', OUTSIDE]), 'sibling');
  });

  it('files the user names on the command line are read, but never quoted when they are not the expected kind', async () => {
    const secret = join(OUTSIDE, 'secret.csv');
    const spec = specIn(MINIMAL_SPEC);
    for (const args of [
      ['validate', secret],
      ['validate', '--catalog', secret],
      ['plan', secret, '--no-verify'],
      ['simulate', spec, '--plan', secret, '--duration', '60s'],
      ['check', spec, '--no-verify', '--baseline', secret],
      ['diff', secret, secret],
      ['render', secret],
      ['workload', secret],
      ['accuracy', secret],
      ['estimate', '--model', join(OUTSIDE, 'secret.json'), '--gpu', 'h100-sxm', '--concurrency', '1', '--input-tokens', '10', '--output-tokens', '10'],
    ]) {
      expectRefused(await planner(args), args.join(' '));
    }
  });
});

describe('file outputs are atomic, and their failures are user errors', () => {
  const codes = ['ENOSPC', 'EIO', 'EDQUOT', 'EROFS'];
  const steps: Array<keyof WriteFs> = ['openSync', 'writeSync', 'fsyncSync', 'closeSync', 'renameSync'];

  it('a failure at any step × any error code leaves an existing file as it was and no temporary file', () => {
    const dir = join(TMP, 'atomic');
    mkdirSync(dir);
    const target = write(join(dir, 'plan.json'), '{"valid": true}\n');
    for (const step of steps) {
      for (const code of codes) {
        const fs = failingFs(step, code);
        let error: unknown;
        try {
          writeFileAtomic(target, '{"half": ', dir, { fs });
        } catch (err) {
          error = err;
        }
        const what = `${step} ${code}`;
        expect(error, what).toBeDefined();
        expect((error as { issues: Array<{ file: string; message: string }> }).issues[0].file, what).toBe(target);
        expect((error as { issues: Array<{ message: string }> }).issues[0].message, what).toMatch(/^cannot write: /);
        expect(readFileSync(target, 'utf8'), what).toBe('{"valid": true}\n');
        expect(readdirSync(dir), what).toEqual(['plan.json']);
      }
    }
    writeFileAtomic(target, '{"new": true}\n', dir);
    expect(readFileSync(target, 'utf8')).toBe('{"new": true}\n');
    expect(readdirSync(dir)).toEqual(['plan.json']);
  });

  it('--out into a missing folder, onto a folder, or (not as root) into a read-only folder: exit 2 with the path; a good --out is replaced whole', async () => {
    const spec = specIn(MINIMAL_SPEC);
    const cases = [
      { out: join(TMP, 'no-such-folder', 'plan.json'), cause: /its folder does not exist/ },
      { out: '.', cause: /is a directory/ },
      { out: TMP, cause: /is a directory/ },
    ];
    for (const command of ['plan', 'check']) {
      for (const { out, cause } of command === 'plan' ? cases : cases.slice(0, 1)) {
        const result = await planner([command, spec, '--no-verify', '--out', out]);
        expectRefused(result, `${command} --out ${out}`);
        expect(result.stderr).toContain(`${out}: cannot write: `);
        expect(result.stderr).toMatch(cause);
      }
    }
    const good = join(TMP, 'good.json');
    const first = await planner(['plan', spec, '--no-verify', '--out', good]);
    expect(first.code).toBe(0);
    expect(JSON.parse(readFileSync(good, 'utf8')).version).toBe(2);
    if (process.getuid?.() !== 0) {
      const locked = join(TMP, 'locked');
      mkdirSync(locked);
      write(join(locked, 'plan.json'), readFileSync(good, 'utf8'));
      execFileSync('chmod', ['a-w', locked]);
      const result = await planner(['plan', spec, '--no-verify', '--out', join(locked, 'plan.json')]);
      expectRefused(result, 'read-only folder');
      expect(JSON.parse(readFileSync(join(locked, 'plan.json'), 'utf8')).version).toBe(2);
      execFileSync('chmod', ['u+w', locked]);
    }
  });

  it('a full stdout is exit 2 with a message, a closed pipe ends quietly', () => {
    const full = openSync('/dev/full', 'w');
    const result = spawnSync(process.execPath, [`${ROOT}bin/planner.js`, 'gpus'], { cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    closeSync(full);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^planner: cannot write to stdout: no space left on the device\n$/);
    const piped = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${ROOT}bin/planner.js" gpus | head -c 1 > /dev/null`], { cwd: ROOT, encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
  });
});

/** A WriteFs whose `step` fails with `code` (the others do the real thing). */
function failingFs(step: keyof WriteFs, code: string): WriteFs {
  const fail = () => {
    throw Object.assign(new Error(`${code}: simulated`), { code });
  };
  return { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, [step]: fail } as WriteFs;
}

describe('a simulation that measured too little certifies nothing', () => {
  const traceRows = Array.from({ length: 400 }, (_, i) => ({ t: i * 0.25, input: 300 + (i % 9) * 40, output: 40 + (i % 4) * 30 }));
  const traceFile = (name: string, rows: typeof traceRows) => write(join(REPO, 'specs', name), ['timestamp,input_tokens,output_tokens', ...rows.map((r) => `${r.t},${r.input},${r.output}`)].join('\n'));
  const traceSpec = (file: string) => specIn(`model: llama-3.1-8b\nworkload:\n  trace: { file: ${file}, rate: mean }\nslo: { ttft: 2s, tpot: 100ms, percentile: 90 }\n`);
  traceFile('reversed.csv', [...traceRows].reverse());
  // Shuffled: the latest row first holds every later one at its time, past the end.
  traceFile('shuffled.csv', [traceRows[traceRows.length - 1], ...traceRows.slice(0, -1).sort((a, b) => ((a.t * 7919) % 13) - ((b.t * 7919) % 13))]);
  const tiny = (rate: string) => specIn(MINIMAL_SPEC.replace('rate: 20/s', `rate: ${rate}`));
  const twoClasses = specIn(`model: llama-3.1-8b
workload:
  classes:
    - { name: busy, rate: 20/s, input_tokens: 500, output_tokens: 100 }
    - { name: rare, rate: 0.02/s, input_tokens: 500, output_tokens: 100, slo: { percentile: 99 } }
slo: { ttft: 2s, tpot: 100ms, percentile: 90 }
`);
  const cases = [
    { what: 'a reversed trace', args: [traceSpec('reversed.csv')], cls: 'trace' },
    { what: 'a shuffled trace', args: [traceSpec('shuffled.csv')], cls: 'trace' },
    ...['0.001/s', '0.01/s', '0.05/s'].map((rate) => ({ what: `a rate of ${rate}`, args: [tiny(rate), '--duration', '60s'], cls: 'default' })),
    ...['50s', '59s', '59.9s'].map((warmup) => ({ what: `a warm-up of ${warmup} in 60 s`, args: [tiny('0.5/s'), '--duration', '60s', '--warmup', warmup], cls: 'default' })),
    { what: 'one rare class among busy ones', args: [twoClasses, '--duration', '60s'], cls: 'rare' },
  ];

  it('simulate: exit 1, "not verified" naming the class and its counts, holds false in the JSON', async () => {
    for (const { what, args, cls } of cases) {
      const result = await planner(['simulate', ...args, '--no-verify', '--format', 'json']);
      expectRefused(result, what, 1);
      expect(result.stderr, what).toMatch(new RegExp(`not verified: class ${cls} has \\d+ requests? past the warm-up, fewer than the \\d+ its p\\d+ target needs`));
      const report = JSON.parse(result.stdout) as { holds: boolean; notes: string[]; classes: Array<{ name: string; slos: Array<{ holds: boolean }> }> };
      expect(report.holds, what).toBe(false);
      expect(report.notes.some((n) => n.startsWith('not verified: ')), what).toBe(true);
      expect(report.classes.find((c) => c.name === cls)!.slos.every((s) => !s.holds), what).toBe(true);
    }
  });

  it('plan --verify: exit 1, and the plan says "not verified" with the reason rather than holds', async () => {
    for (const { what, args } of [cases[0], cases[3], cases[cases.length - 1]]) {
      const json = await planner(['plan', ...args, '--format', 'json']);
      expectRefused(json, what, 1);
      const plan = JSON.parse(json.stdout) as { verification: { holds: boolean; reason: string } };
      expect(plan.verification.holds, what).toBe(false);
      expect(plan.verification.reason, what).toMatch(/^not verified: class \S+ has \d+ requests?/);
      const text = await planner(['plan', ...args, '--format', 'table']);
      expect(text.stdout, what).toMatch(/does not hold: not verified: /);
    }
  });

  it('settings that make measuring impossible are exit 2', async () => {
    for (const warmup of ['60s', '61s', '1h']) {
      const result = await planner(['simulate', tiny('5/s'), '--no-verify', '--duration', '60s', '--warmup', warmup]);
      expectRefused(result, warmup);
      expect(result.stderr).toMatch(/^--warmup: must be/);
    }
  });

  it('a run that measures enough still holds (the minimum is the percentile being defined, not more)', async () => {
    const result = await planner(['simulate', tiny('5/s'), '--no-verify', '--duration', '60s', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
  });
});

describe('check --format markdown always writes a report', () => {
  it('bad input, a refused path, no plan, or an unverified plan: non-empty markdown with the reason', async () => {
    const cases = [
      { what: 'a schema error', spec: specIn('model: llama-3.1-8b\nworkload: { rate: -3/s, input_tokens: 100, output_tokens: 10 }\nslo: { ttft: 1s }\n'), reason: /workload\.rate: must not be negative/, code: 2 },
      { what: 'an unknown model', spec: specIn(MINIMAL_SPEC.replace('llama-3.1-8b', 'llama-9')), reason: /unknown model/, code: 2 },
      { what: 'a path out of the folder', spec: specIn(FIELDS[0].spec('/etc/shadow')), reason: /outside the spec's folder/, code: 2 },
      { what: 'an infeasible spec', spec: specIn(MINIMAL_SPEC.replace('ttft: 500ms', 'ttft: 0.1ms')), reason: /no plan meets the SLOs/, code: 1 },
      { what: 'a measurement too small to verify', spec: specIn(MINIMAL_SPEC.replace('rate: 20/s', 'rate: 0.02/s')), reason: /not verified: class default/, code: 1, args: ['--duration', '60s'] },
    ];
    for (const { what, spec, reason, code, args } of cases) {
      const result = await planner(['check', spec, '--format', 'markdown', ...(args ?? ['--no-verify'])]);
      expectRefused(result, what, code);
      expect(result.stdout, what).toMatch(/^### ❌ Cost check failed/);
      expect(result.stdout, what).toMatch(reason);
      expect(result.stderr, what).toMatch(reason);
    }
  });
});

describe('a tampered saved plan is refused, naming the pool and field', () => {
  const spec = specIn(MINIMAL_SPEC);
  const saved = join(TMP, 'saved-plan.json');
  type Pool = { id: string; tp: number; pp: number; count: number; gpusPerInstance: number; costPerHour: number };
  type SavedPlan = { pools: Pool[]; totalCostPerHour: number; totals: { costPerHour: number } };
  /** Mutations of a real plan's fields, and the field the refusal must name. */
  const mutations: Array<{ what: string; field: RegExp; edit: (p: SavedPlan) => void }> = [
    ...[3, 5, 6, 7].map((tp) => ({ what: `tp ${tp} on 32 heads`, field: /pools\[0\] \(pool [^)]+\): tp \d+, pp 1: 32 attention heads do not split/, edit: (p: SavedPlan) => Object.assign(p.pools[0], { tp, gpusPerInstance: tp }) })),
    ...[16, 1_000_000].map((tp) => ({ what: `tp ${tp}`, field: /pools\[0\]/, edit: (p: SavedPlan) => Object.assign(p.pools[0], { tp, gpusPerInstance: tp }) })),
    ...[33, 48, 64].map((pp) => ({ what: `pp ${pp} on 32 layers`, field: /pools\[0\] \(pool [^)]+\): tp 1, pp \d+: pipeline parallelism \d+ exceeds the model's 32 layers/, edit: (p: SavedPlan) => Object.assign(p.pools[0], { tp: 1, pp, gpusPerInstance: pp }) })),
    { what: 'pp 73', field: /pools\[0\]\.pp: \(pool [^)]+\) 73 is over the 72 GPUs/, edit: (p) => Object.assign(p.pools[0], { tp: 1, pp: 73, gpusPerInstance: 73 }) },
    ...[2_000_000, 1e9].map((count) => ({ what: `count ${count}`, field: /pools\[0\]\.count: \(pool [^)]+\) \d+ instances is over the limit of 1,000,000/, edit: (p: SavedPlan) => Object.assign(p.pools[0], { count }) })),
    { what: 'gpusPerInstance not tp × pp', field: /pools\[0\]\.gpusPerInstance:/, edit: (p) => Object.assign(p.pools[0], { gpusPerInstance: 7 }) },
    ...[1e10, 1e300].map((cost) => ({ what: `totalCostPerHour ${cost}`, field: /totalCostPerHour: /, edit: (p: SavedPlan) => Object.assign(p, { totalCostPerHour: cost }) })),
    { what: 'a pool costing 1e12/h', field: /pools\[0\]\.costPerHour: \$1\.00e\+12\/h is over/, edit: (p) => Object.assign(p.pools[0], { costPerHour: 1e12 }) },
    { what: 'totals.costPerHour 1e20', field: /totals\.costPerHour: /, edit: (p) => Object.assign(p.totals, { costPerHour: 1e20 }) },
  ];

  it('simulate --plan: exit 2 for every mutation, never a run; check --baseline and diff refuse the absurd numbers too', async () => {
    const planned = await planner(['plan', spec, '--no-verify', '--out', saved]);
    expect(planned.code, planned.stderr).toBe(0);
    const original = readFileSync(saved, 'utf8');
    expect((await planner(['simulate', spec, '--plan', saved, '--duration', '30s'])).code).toBe(0);
    for (const { what, field, edit } of mutations) {
      const plan = JSON.parse(original) as SavedPlan;
      edit(plan);
      const file = write(join(TMP, 'tampered.json'), JSON.stringify(plan, null, 2));
      const result = await planner(['simulate', spec, '--plan', file, '--duration', '30s']);
      expectRefused(result, what);
      expect(result.stderr, what).toMatch(field);
      expect(result.stdout, what).toBe('');
      if (/count|Cost|cost/.test(what)) {
        for (const args of [['diff', saved, file], ['render', file]]) {
          const other = await planner(args);
          expectRefused(other, `${args[0]} ${what}`);
          expect(other.stderr, `${args[0]} ${what}`).toMatch(field);
        }
      }
    }
    // YAML allows infinities where JSON does not: a plan saved as YAML is checked the same.
    const yaml = write(join(TMP, 'tampered.yaml'), original.replace(/"totalCostPerHour": [\d.]+/, '"totalCostPerHour": .inf'));
    const inf = await planner(['render', yaml]);
    expectRefused(inf, '.inf');
    expect(inf.stderr).toMatch(/totalCostPerHour: must be (a finite number|a number)/);
  });

  it('a zero-cost baseline says so, never "Infinity"; absurd money never prints "undefined"', async () => {
    const plan = JSON.parse(readFileSync(saved, 'utf8')) as SavedPlan & Record<string, unknown>;
    for (const pool of plan.pools) pool.costPerHour = 0;
    Object.assign(plan, { totalCostPerHour: 0 });
    Object.assign(plan.totals, { costPerHour: 0, costPerMonth: 0, costPerMillionTokens: 0, costPerMillionOutputTokens: 0 });
    const free = write(join(TMP, 'free.json'), JSON.stringify(plan));
    for (const format of ['text', 'markdown', 'json']) {
      const check = await planner(['check', spec, '--no-verify', '--baseline', free, '--max-increase', '10%', '--format', format]);
      expect(check.code, check.stderr).toBe(1);
      expect(check.stdout, format).toMatch(/baseline costs \$0/);
      expect(check.stdout + check.stderr, format).not.toMatch(/Infinity|undefined|NaN/);
    }
    const diff = await planner(['diff', free, saved]);
    expect(diff.stdout).toMatch(/from a baseline that costs \$0/);
    expect(diff.stdout).not.toMatch(/Infinity|undefined|NaN/);
    for (const value of [1e15, 1e21, 1e300, Number.MAX_VALUE, -1e300, Infinity, NaN]) {
      for (const text of [usdText(value), formatUsd(value), usdAmount(value)]) expect(text, String(value)).not.toMatch(/undefined|Infinity/);
    }
    expect(usdText(1e300)).toBe('$1.00e+300');
    expect(usdText(1234.5)).toBe('$1,234.50');
    expect(formatUsd(2.5)).toBe('$2.50');
  });
});
