import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ROOT, cli, fixture } from './helpers.js';

/** Compares output with a golden file in test/fixtures/golden (UPDATE_GOLDEN=1 rewrites them). */
function expectGolden(name: string, actual: string): void {
  const path = `${ROOT}test/fixtures/golden/${name}`;
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const ajv = new Ajv({ allErrors: true });
for (const name of ['diff', 'check', 'sweep']) ajv.addSchema(JSON.parse(readFileSync(`${ROOT}schemas/${name}.schema.json`, 'utf8')));
const schema = (name: string) => ajv.getSchema(`https://planner.dev/schemas/${name}.schema.json`)!;

const BASE = fixture('plans/base.json');
const HEAD = fixture('plans/head.json');
const tmp = () => mkdtempSync(join(tmpdir(), 'planner-ci-'));

describe('planner diff', () => {
  it('compares two saved plans as a table, markdown and JSON (golden outputs)', () => {
    const table = cli(['diff', BASE, HEAD]);
    expect(table.code).toBe(0);
    expectGolden('diff.txt', table.stdout);
    expectGolden('diff.md', cli(['diff', BASE, HEAD, '--format', 'markdown']).stdout);
    const json = cli(['diff', BASE, HEAD, '--format', 'json']).stdout;
    expectGolden('diff.json', json);
    const diff = JSON.parse(json);
    expect(schema('diff')(diff)).toBe(true);
    expect(diff.costPerHourDelta).toBeCloseTo(diff.head.costPerHour - diff.base.costPerHour, 6);
    expect(diff.pools.added.length + diff.pools.removed.length + diff.pools.resized.length).toBeGreaterThan(0);
  });

  it('finds nothing to report between a plan and itself', () => {
    const diff = JSON.parse(cli(['diff', BASE, BASE, '--format', 'json']).stdout);
    expect(diff).toMatchObject({ costPerHourDelta: 0, costDeltaPercent: 0, pools: { added: [], removed: [], resized: [] }, predictions: [] });
  });

  it('refuses a file that is not a plan, with its line (exit 2)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.json'), '{\n  "version": 2,\n  "pools": "none"\n}\n');
    const result = cli(['diff', BASE, join(dir, 'bad.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.json:1:1: missing required field "name"/);
    expect(result.stderr).toMatch(/bad\.json:3:12: pools: must be a list/);
    writeFileSync(join(dir, 'v1.json'), '{ "version": 1 }');
    expect(cli(['render', join(dir, 'v1.json')]).stderr).toMatch(/plan version 1: this planner reads version 2/);
  });
});

describe('planner render', () => {
  it('re-renders a saved plan without recomputing it (golden outputs); JSON round-trips', () => {
    expectGolden('render.txt', cli(['render', BASE]).stdout);
    expectGolden('render.md', cli(['render', BASE, '--format', 'markdown']).stdout);
    expect(cli(['render', BASE, '--format', 'json']).stdout).toBe(readFileSync(`${ROOT}${BASE}`, 'utf8'));
    expect(cli(['render', BASE, '--format', 'yaml']).stdout).toMatch(/^version: 2\nname: multi-tenant\n/);
  });
});

describe('planner check', () => {
  const spec = 'presets/examples/code-completion.yaml';
  // Thresholds and baselines are what these test; verification (on by default) is tested with plan.

  it('exits 0 when every threshold holds, 1 when one fails (saying by how much), 0 with --no-fail', () => {
    const ok = cli(['check', spec, '--no-verify', '--max-cost-per-hour', '$1000/h']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^PASS: \$[\d.,]+\/h\n  ok   max-cost-per-hour: cost \$[\d.]+\/h is within the maximum of \$1000\.00\/h/);
    const fail = cli(['check', spec, '--no-verify', '--max-cost-per-hour', '1']);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/FAIL max-cost-per-hour: cost \$([\d.]+)\/h exceeds the maximum of \$1\.00\/h by \$[\d.]+\/h \([\d.]+%\)/);
    expect(cli(['--no-fail', 'check', spec, '--no-verify', '--max-cost-per-hour', '1']).code).toBe(0);
  });

  it('reads thresholds from the spec budget, and compares with a baseline (JSON matches its schema)', () => {
    const dir = tmp();
    const baseline = join(dir, 'base.json');
    expect(cli(['plan', spec, '--no-verify', '--format', 'json', '--out', baseline]).code).toBe(0);
    const same = cli(['check', spec, '--no-verify', '--baseline', baseline, '--max-increase', '10%', '--format', 'json']);
    expect(same.code).toBe(0);
    const result = JSON.parse(same.stdout);
    expect(schema('check')(result)).toBe(true);
    expect(result.diff.costPerHourDelta).toBe(0);
    const busier = cli(['check', spec, '--no-verify', '--set', 'workload.rate=150/s', '--baseline', baseline, '--max-increase', '10%']);
    expect(busier.code).toBe(1);
    expect(busier.stdout).toMatch(/FAIL max-increase: cost rises [\d.]+% against the baseline/);
    expect(busier.stdout).toMatch(/cost \$[\d.,]+\/h → \$[\d.,]+\/h \(\+\$/);
    const budget = cli(['check', spec, '--no-verify', '--set', 'budget=$1/h']);
    expect(budget.code).toBe(1);
    expect(budget.stdout).toMatch(/exceeds the maximum of \$1\.00\/h/);
  });

  it('says bad input with exit 2: a bad threshold, a bad --set, --max-increase without a baseline', () => {
    expect(cli(['check', spec, '--max-cost-per-hour', 'lots'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^--max-cost-per-hour: expected a price/) });
    const set = cli(['check', spec, '--set', 'workload.rate=fast']);
    expect(set.code).toBe(2);
    expect(set.stderr.trim()).toMatch(/^--set workload\.rate=fast: workload\.rate: expected a request rate/);
    expect(cli(['check', spec, '--set', 'rate']).stderr).toMatch(/--set rate: expected path=value/);
    expect(cli(['check', spec, '--max-increase', '5%']).stderr).toMatch(/--max-increase: needs --baseline/);
  });
});

describe('planner sweep', () => {
  it('replans over a rate range: cost never falls as the rate grows (JSON matches its schema)', () => {
    const result = cli(['sweep', 'presets/examples/code-completion.yaml', '--rate', '5..80', '--steps', '4', '--format', 'json']);
    expect(result.code).toBe(0);
    const sweep = JSON.parse(result.stdout);
    expect(schema('sweep')(sweep)).toBe(true);
    expect(sweep.points.map((p: { value: number }) => p.value)).toEqual([5, 30, 55, 80]);
    const costs = sweep.points.map((p: { costPerHour: number }) => p.costPerHour);
    for (let i = 1; i < costs.length; i++) expect(costs[i]).toBeGreaterThanOrEqual(costs[i - 1]);
    // The capacities are computed once for every rate: a point is the plan of that rate on its own.
    const alone = JSON.parse(cli(['plan', 'presets/examples/code-completion.yaml', '--set', 'workload.rate=55/s', '--no-verify', '--format', 'json']).stdout);
    expect(sweep.points[2].costPerHour).toBe(alone.totalCostPerHour);
    expect(sweep.points[2].pools).toEqual(alone.pools.map((p: { gpu: string; count: number; tp: number; pp: number; role: string }) => ({ gpu: p.gpu, count: p.count, tp: p.tp, pp: p.pp, role: p.role })));
  });

  it('prints a table and a text chart, or CSV; no progress into a pipe', () => {
    const table = cli(['sweep', 'presets/examples/code-completion.yaml', '--tpot', '15ms..30ms', '--steps', '2']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^\s+TPOT\s+\$\/H\s+GPUS\s+MIX\n/);
    expect(table.stdout).toMatch(/cost per hour:\n\s*15 ms │█+ \$/);
    expect(table.stderr).toBe('');
    const csv = cli(['sweep', 'presets/examples/code-completion.yaml', '--rate', '10..20', '--steps', '2', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('rate_per_second,feasible,cost_per_hour,gpus,mix');
    expect(csv.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('refuses a bad range or two variables at once (exit 2)', () => {
    expect(cli(['sweep', 'presets/examples/chat.yaml', '--rate', '5-10']).stderr).toMatch(/--rate: expected a range from\.\.to/);
    expect(cli(['sweep', 'presets/examples/chat.yaml', '--rate', '1..2', '--ttft', '1s..2s']).code).toBe(2);
  });
});

describe('--quiet', () => {
  it('silences stderr chatter but not errors', () => {
    const quiet = cli(['--quiet', 'calibrate', 'test/fixtures/measurements-small.csv']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(cli(['--quiet', 'validate', 'missing.yaml']).stderr).toMatch(/missing\.yaml: file not found/);
  });
});
