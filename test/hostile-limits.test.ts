// Unbounded work from a pull request: every size a spec, a trace, a flag or a saved plan can set
// is bounded or refused with its limit named (exit 2). Cases are generated around each limit —
// just under and just over — and each must finish quickly in bounded memory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The CLI runs from the build (its solvers' worker threads load built JavaScript).
import { MAX_SIMULATED_REQUESTS } from '../dist/simulate/duration.js';
import { MAX_SIMULATED_INSTANCES, requestsExcess } from '../dist/simulate/limits.js';
import { MAX_CLASSES } from '../dist/input/service-spec.js';
import { MAX_MEASUREMENT_ROWS, MAX_OPERATOR_ROWS, rowLimitIssue } from '../dist/input/measurements.js';
import { MAX_COLLECTION_ENTRIES, MAX_DOCUMENT_ENTRIES } from '../dist/input/yaml-size.js';
import { MAX_SWEEP_STEPS } from '../dist/cli/commands/sweep.js';
import { sliceWorkload } from '../dist/workload/slices.js';
import { MINIMAL_SPEC, ROOT, specFromText } from './helpers.js';
import { runPlanner } from './in-process.js';

const TMP = mkdtempSync(join(tmpdir(), 'planner-limits-'));
let files = 0;
/** Writes a file in the temporary folder and returns its path. */
const writeFile = (text: string | Buffer, ext = 'yaml') => {
  const path = join(TMP, `f${++files}.${ext}`);
  writeFileSync(path, text);
  return path;
};

/** The CLI run in this process (test/in-process.ts). */
const planner = (args: string[]) => runPlanner(args);

/** Runs the built CLI in a child with a small heap and a timeout: it must finish, in bounded memory. */
function bounded(args: string[], heapMb = 512, timeoutMs = 15_000) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, `${ROOT}bin/planner.js`, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal, seconds: (performance.now() - start) / 1000 };
}

/** A refusal: exit 2, the message matching, no internal error or stack, within `seconds`. */
function expectRefused(r: { code: number | null; stderr: string; seconds: number }, message: RegExp, what: string, seconds = 5): void {
  expect(r.code, `${what}: ${r.stderr.slice(0, 500)}`).toBe(2);
  expect(r.stderr, what).toMatch(message);
  expect(r.stderr, what).not.toMatch(/internal error|\n\s+at \S+ \(/);
  expect(r.seconds, `${what}: ${r.seconds.toFixed(1)} s`).toBeLessThan(seconds);
}

const spec = (body: string) => writeFile(body);
const COLLECTION = /a list or mapping with more than 10,000 entries; refusing to read it/;
const DOCUMENT = /more than 100,000 list items and mapping entries in all/;

describe('YAML sizes: refused from the text before the parser spends time and memory on them', () => {
  const n = MAX_COLLECTION_ENTRIES;
  const forms = [
    { form: 'block list', text: (k: number) => `model: llama-3.1-8b\nx:\n${'  - 1\n'.repeat(k)}` },
    { form: 'flow list', text: (k: number) => `model: llama-3.1-8b\nx: [${Array(k).fill('1').join(', ')}]\n` },
    { form: 'block mapping', text: (k: number) => `model: llama-3.1-8b\nx:\n${Array.from({ length: k }, (_, i) => `  k${i}: 1\n`).join('')}` },
    { form: 'flow mapping', text: (k: number) => `model: llama-3.1-8b\nx: {${Array.from({ length: k }, (_, i) => `"k${i}": 1`).join(', ')}}\n` },
    { form: 'JSON', text: (k: number) => `{"model": "llama-3.1-8b", "x": [${Array(k).fill('1').join(',')}]}` },
  ];
  it.each(forms)('a $form of 10,000 entries is read; one more is refused at its line', async ({ text }) => {
    const under = await planner(['validate', spec(text(n))]);
    expect(under.code).toBe(2); // the schema's complaint, not the size's
    expect(under.stderr).not.toMatch(COLLECTION);
    const over = await planner(['validate', spec(text(n + 1))]);
    expectRefused(over, COLLECTION, 'over');
    expect(over.stderr).toMatch(/^\S+:\d+:\d+: a list/);
  });

  it('a histogram of 10,000 bins is a valid spec', async () => {
    const bins = Array.from({ length: n }, (_, i) => `{ tokens: ${i + 1}, weight: 1 }`).join(', ');
    const r = await planner(['validate', spec(MINIMAL_SPEC.replace('input_tokens: 1000', `input_tokens: { histogram: [${bins}] }`))]);
    expect(r.code, r.stderr.slice(0, 300)).toBe(0);
  });

  it('a 9.9 MiB spec that is one flat list is refused in a second, in a 256 MiB heap', () => {
    for (const item of ['- 1\n', '1,']) {
      const text = item === '1,' ? `[${item.repeat(5_000_000)}1]` : item.repeat(2_500_000);
      const r = bounded(['validate', writeFile(text)], 256);
      expectRefused({ ...r, stderr: r.stderr ?? '' }, COLLECTION, `flat ${JSON.stringify(item)}`, 10);
    }
  });

  it.each([9, 11])('%i lists of 9,999 items: the whole document is limited to 100,000 entries', async (lists) => {
    const text = `model: llama-3.1-8b\n${Array.from({ length: lists }, (_, i) => `x${i}: [${Array(n - 1).fill('1').join(',')}]\n`).join('')}`;
    const r = await planner(['validate', spec(text)]);
    if (lists * (n - 1) > MAX_DOCUMENT_ENTRIES) expectRefused(r, DOCUMENT, `${lists} lists`);
    else {
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(DOCUMENT);
    }
  });

  it.each([[1_100, 50], [1_100, 95], [1_000, 99]])('aliases that expand past the limit are counted after parsing (%i items × %i uses)', async (items, uses) => {
    const text = `model: llama-3.1-8b\nbase: &a [${Array(items).fill('1').join(',')}]\nuses: [${Array(uses).fill('*a').join(', ')}]\n`;
    const r = await planner(['validate', spec(text)]);
    expect(r.code).toBe(2);
    if (items * (uses + 1) + uses > MAX_DOCUMENT_ENTRIES) expectRefused(r, DOCUMENT, 'aliases');
    else expect(r.stderr).not.toMatch(DOCUMENT);
  });

  it('a duplicate key in a mapping of 9,999 keys is found, in linear time', async () => {
    const keys = Array.from({ length: n - 1 }, (_, i) => `  k${i}: 1\n`);
    const r = await planner(['validate', spec(`model: llama-3.1-8b\nx:\n${keys.join('')}  k5: 2\n`)]);
    expectRefused(r, new RegExp(`:${n + 2}:3: YAML syntax: Map keys must be unique`), 'duplicate', 8);
  });
});

/** A spec of `k` one-line classes. */
const classesSpec = (k: number, extra = '') =>
  `model: llama-3.1-8b\nworkload:\n  rate: 20/s\n  classes:\n${Array.from({ length: k }, (_, i) => `    - { name: c${i}, share: ${(100 / k).toFixed(6)}%, input_tokens: ${200 + i}, output_tokens: 50 }\n`).join('')}slo: { ttft: 1s, tpot: 100ms }\n${extra}`;

describe('request classes: at most 64, and the slice cap holds across them', () => {
  it.each([MAX_CLASSES, MAX_CLASSES + 1, 500])('%i classes', async (k) => {
    const r = await planner(['validate', spec(classesSpec(k))]);
    if (k <= MAX_CLASSES) expect(r.code, r.stderr).toBe(0);
    else expectRefused(r, new RegExp(`workload\\.classes: ${k} classes is over the limit of 64 request classes`), `${k} classes`);
  });

  it.each([1, 16, 40, 64])('%i classes: the default cap is 16 or one slice per class, and the slices stay within it', (k) => {
    const loaded = specFromText(classesSpec(k).replace(/input_tokens: (\d+)/g, 'input_tokens: { distribution: lognormal, median: $1, sigma: 0.8, max: 8k }'));
    expect(loaded.issues).toEqual([]);
    const maxSlices = loaded.value!.planning.maxSlices;
    expect(maxSlices).toBe(Math.max(16, k));
    expect(sliceWorkload(loaded.value!.classes, maxSlices).length).toBeLessThanOrEqual(maxSlices);
  });

  it('planning.max_slices below the number of classes is refused, naming both', async () => {
    const r = await planner(['validate', spec(classesSpec(20, 'planning: { max_slices: 19 }\n'))]);
    expectRefused(r, /planning\.max_slices: 19 is fewer than the 20 request classes/, 'max_slices');
    expect((await planner(['validate', spec(classesSpec(20, 'planning: { max_slices: 20 }\n'))])).code).toBe(0);
  });
});

describe('--set list indices: at most the list length (appending), and never past 10,000', () => {
  const base = spec(`${MINIMAL_SPEC}planning:\n  gpus: [l4, h100]\n`);
  const cases = [
    ...[0, 1, 2].map((i) => ({ set: `planning.gpus[${i}]=a10g`, ok: true })),
    ...[3, 50, 9_999, 10_000, 10_000_000].map((i) => ({ set: `planning.gpus[${i}]=l4`, ok: false })),
    { set: 'planning.gpus.7=l4', ok: false },
    { set: `planning.gpus[${'9'.repeat(40)}]=l4`, ok: false },
    { set: 'planning.tensor_parallel[1]=2', ok: false }, // no such list: only [0] starts one
    { set: 'planning.tensor_parallel[0]=2', ok: true },
  ];
  it.each(cases)('--set $set', async ({ set, ok }) => {
    const r = await planner(['validate', base, '--set', set]);
    if (ok) expect(r.code, r.stderr).toBe(0);
    else expectRefused(r, /^--set \S+: .*(past the end of the list|over the limit of 10,000 items)/, set);
  });

  it('an index of ten million does not allocate: refused in a 128 MiB heap', () => {
    const r = bounded(['validate', base, '--set', 'planning.gpus[10000000]=l4'], 128);
    expectRefused({ ...r, stderr: r.stderr ?? '' }, /--set planning\.gpus\[10000000\]=l4: list index 10000000 is over the limit/, 'ten million', 10);
  });
});

describe('numeric flags: whole numbers and quantities within their limits, or exit 2 naming the flag', () => {
  const chat = 'presets/examples/chat.yaml';
  const estimate = ['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100', '--concurrency', '4', '--input-tokens', '1000', '--output-tokens', '100'];
  const flags: Array<{ flag: string; command: string[]; bad: string[] }> = [
    { flag: '--steps', command: ['sweep', chat, '--rate', '1..2'], bad: ['-5', 'abc', '1e9', '0', 'NaN', 'Infinity', '', '1.5', '1e1', String(MAX_SWEEP_STEPS + 1), '200'] },
    { flag: '--worst', command: ['accuracy', 'test/fixtures/measurements-small.csv'], bad: ['-5', 'abc', '1e9', 'NaN', 'Infinity', '', '1.5', '1001'] },
    { flag: '--duration', command: ['simulate', chat, '--no-verify'], bad: ['-5', 'abc', '1e9', '0', 'NaN', 'Infinity', '', '-1s', '86401s', '2d'] },
    { flag: '--seed', command: ['simulate', chat, '--no-verify', '--duration', '60s'], bad: ['-5', 'abc', '1e9', 'NaN', 'Infinity', '', '1.5', '4294967296'] },
    { flag: '--warmup', command: ['simulate', chat, '--no-verify', '--duration', '60s'], bad: ['-5', 'abc', '1e9', 'NaN', 'Infinity', '', '60s', '1h'] },
    ...['--concurrency', '--input-tokens', '--output-tokens', '--tp', '--pp', '--ep'].map((flag) => ({ flag, command: estimate, bad: ['-5', 'abc', '0', 'NaN', 'Infinity', '', '1.5', ...(['--input-tokens', '--output-tokens'].includes(flag) ? ['1e9'] : [])] })),
    { flag: '--window', command: ['workload', 'presets/examples/traces/burstgpt-sample.csv'], bad: ['-5', 'abc', '0', 'NaN', 'Infinity', ''] },
    { flag: '--percentile', command: ['workload', 'presets/examples/traces/burstgpt-sample.csv'], bad: ['-5', 'abc', '1e9', 'NaN', 'Infinity', '', '101'] },
    { flag: '--max-increase', command: ['check', chat, '--no-verify', '--baseline', 'test/fixtures/plans/base.json'], bad: ['-5%', 'abc', 'NaN', 'Infinity', ''] },
    { flag: '--max-cost-per-hour', command: ['check', chat, '--no-verify'], bad: ['-5', 'abc', 'NaN', 'Infinity', ''] },
  ];
  const cases = flags.flatMap(({ flag, command, bad }) => bad.map((value) => ({ flag, command, value })));
  it.each(cases)('$flag "$value"', async ({ flag, command, value }) => {
    // Where a flag appears twice commander takes the last: the bad value wins over the base command's.
    const r = await planner([...command, flag, value]);
    expectRefused(r, new RegExp(`(^|\\n|, )${flag.replace(/-/g, '\\-')}\\b`), `${flag} ${value}`, 10);
  });
});

describe('simulations: arrivals (rate × duration) and instances are limited before anything is allocated', () => {
  it.each([0.5, 1, 1.0001, 2.6])('%f × the request limit', (factor) => {
    const rate = 60;
    const seconds = (factor * MAX_SIMULATED_REQUESTS) / rate;
    const excess = requestsExcess(rate, seconds);
    if (factor <= 1) expect(excess).toBeUndefined();
    else expect(excess).toMatch(/over the limit of 1,000,000 simulated requests; give at most 16,666 s/);
  });

  it('a day at 60 requests/s is refused naming --duration, in a 256 MiB heap', () => {
    const r = bounded(['simulate', 'presets/examples/chat.yaml', '--no-verify', '--set', 'workload.rate=60/s', '--duration', '86400s'], 256);
    expectRefused({ ...r, stderr: r.stderr ?? '' }, /^--duration: 86400 s at 60 requests\/s is about 5,184,000 arrivals, over the limit of 1,000,000 simulated requests/, 'a day', 10);
  });

  it('a saved plan of 10,000 instances simulates; 10,001 is refused (unless --down takes one out), 1,000,000 too', async () => {
    const specPath = spec(MINIMAL_SPEC);
    const planned = await planner(['plan', specPath, '--no-verify', '--format', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout);
    const withCount = (count: number) => {
      const p = structuredClone(plan);
      p.pools = [p.pools[0]];
      Object.assign(p.pools[0], { count, gpus: count * p.pools[0].gpusPerInstance });
      p.routes = p.routes.map((r: { shares: Array<{ pool: string }> }) => ({ ...r, shares: [{ pool: p.pools[0].id, share: 1 }] }));
      return writeFile(JSON.stringify(p), 'json');
    };
    const over = MAX_SIMULATED_INSTANCES + 1;
    const refused = await planner(['simulate', specPath, '--plan', withCount(over), '--duration', '30s']);
    expectRefused(refused, /the plan has 10,001 instances to simulate, over the limit of 10,000 instances in a simulation/, '10,001');
    const million = await planner(['simulate', specPath, '--plan', withCount(500_000), '--duration', '30s']);
    expectRefused(million, /500,000 instances to simulate/, '500,000');
    for (const args of [[withCount(MAX_SIMULATED_INSTANCES)], [withCount(over), '--down', '#1=1']]) {
      const r = await planner(['simulate', specPath, '--plan', ...args, '--duration', '30s', '--format', 'json']);
      expect([0, 1], r.stderr).toContain(r.code);
      expect(r.seconds).toBeLessThan(15);
    }
  });
});

describe('measurement rows: at most 50,000 in one run; --worst within 0–1,000', () => {
  it.each([MAX_MEASUREMENT_ROWS - 1, MAX_MEASUREMENT_ROWS, MAX_MEASUREMENT_ROWS + 1])('%i rows', (rows) => {
    const issue = rowLimitIssue(['a.csv', 'b.csv'], rows);
    if (rows <= MAX_MEASUREMENT_ROWS) expect(issue).toBeUndefined();
    else expect(issue).toEqual({ file: 'a.csv, b.csv', message: `${rows.toLocaleString('en-US')} measurement rows is over the limit of 50,000 rows in one run; give fewer rows at a time` });
  });

  it('operator profiles have a limit of their own: all of Vidur\'s A100 profiles (81,104 kernel rows) are one run', () => {
    expect(rowLimitIssue(['ops.csv'], 81_104, MAX_OPERATOR_ROWS)).toBeUndefined();
    expect(rowLimitIssue(['ops.csv'], MAX_OPERATOR_ROWS + 1, MAX_OPERATOR_ROWS)?.message).toMatch(/over the limit of 250,000 rows in one run/);
  });

  it('100,000 rows, or 50,001 over two files, are refused before any prediction', async () => {
    const lines = readFileSync(`${ROOT}test/fixtures/measurements-small.csv`, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const csv = (rows: number) => writeFile([lines[0], ...Array.from({ length: rows }, (_, i) => lines[1 + (i % (lines.length - 1))])].join('\n'), 'csv');
    expectRefused(await planner(['accuracy', csv(100_000)]), /100,000 measurement rows is over the limit of 50,000/, '100k');
    expectRefused(await planner(['accuracy', csv(25_001), csv(25_000)]), /f\d+\.csv, \S+f\d+\.csv: 50,001 measurement rows is over the limit/, 'two files');
    expectRefused(await planner(['calibrate', csv(50_001)]), /50,001 measurement rows/, 'calibrate');
  });

  it.each(['0', '3', '1000'])('--worst %s is accepted', async (worst) => {
    const r = await planner(['accuracy', 'test/fixtures/measurements-small.csv', '--worst', worst]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('traces: every chunk is checked; a trace with no requests says why', () => {
  const MiB = 1 << 20;
  const header = 'timestamp,input_tokens,output_tokens\n';
  /** Rows of about `bytes` bytes, one request a second. */
  const rows = (bytes: number, from = 0) => {
    const out: string[] = [];
    let size = 0;
    for (let i = from; size < bytes; i++) {
      const row = `${i},${100 + (i % 50)},${10 + (i % 7)}\n`;
      out.push(row);
      size += row.length;
    }
    return out.join('');
  };
  const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

  it.each([0.5, 1, 1.5, 2.7])('a NUL byte in a row at %f MiB is refused at its line', async (at) => {
    const before = header + rows(at * MiB);
    const text = `${before}5,1\u0000,2\n${rows(0.3 * MiB, 9_000_000)}`;
    const r = await planner(['workload', writeFile(text, 'csv')]);
    expectRefused(r, new RegExp(`:${lineOf(text, before.length)}:1: looks like a binary file \\(it contains NUL bytes\\)`), `NUL at ${at} MiB`);
  });

  it.each([
    { at: 0.2, length: MiB + 1 },
    { at: 1.2, length: MiB + 1 },
    { at: 1.2, length: 1.5 * MiB },
    { at: 2.5, length: 3 * MiB },
    { at: 0.999, length: MiB + 1 },
  ])('a line of $length bytes at $at MiB is refused at its line', async ({ at, length }) => {
    const before = header + rows(at * MiB);
    const text = `${before}${'x'.repeat(length)}\n${rows(0.2 * MiB, 9_000_000)}`;
    const r = await planner(['workload', writeFile(text, 'csv')]);
    expectRefused(r, new RegExp(`:${lineOf(text, before.length)}:1: a line longer than 1 MiB`), `long line at ${at} MiB`);
  });

  it('a line of exactly 1 MiB is read (and skipped as a row), multi-byte characters across chunks stay whole', async () => {
    const long = `${'x'.repeat(MiB)}\n`;
    const r = await planner(['workload', writeFile(header + rows(1.3 * MiB) + long + rows(0.1 * MiB, 9_000_000), 'csv'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).skipped).toBe(1);
    // 'é' is two bytes: rows padded so that one of them straddles each chunk boundary.
    const padded = Array.from({ length: 60_000 }, (_, i) => `${i},${100 + (i % 9)},10,${'é'.repeat(i % 13)}\n`).join('');
    const csv = `timestamp,input_tokens,output_tokens,note\n${padded}`;
    const json = JSON.parse((await planner(['workload', writeFile(csv, 'csv'), '--format', 'json'])).stdout);
    expect(json.requests).toBe(60_000);
    expect(json.skipped).toBe(0);
  });

  const empties = [
    { what: 'an empty file', ext: 'csv', text: '', reason: /it has no rows of requests/ },
    { what: 'only a header', ext: 'csv', text: header, reason: /it has no rows of requests/ },
    { what: 'only comments and blank lines', ext: 'csv', text: `# a trace\n\n${header}\n`, reason: /it has no rows of requests/ },
    { what: 'all-zero rows', ext: 'csv', text: `${header}0,0,0\n1,0,0\n`, reason: /all 2 rows were skipped, e\.g\. \S+:2: input tokens "0"/ },
    { what: 'zero output tokens', ext: 'csv', text: `${header}0,10,0\n`, reason: /all 1 row was skipped, e\.g\. \S+:2: output tokens "0"/ },
    { what: 'JSON-lines nulls', ext: 'jsonl', text: 'null\n[]\n3\n"x"\n', reason: /all 4 rows were skipped, e\.g\. \S+:1: not a JSON object/ },
  ];
  it.each(empties)('$what: exit 2 and the reason on stderr (workload, and a spec naming it)', async ({ ext, text, reason }) => {
    const trace = writeFile(text, ext);
    for (const format of ['table', 'json']) {
      const r = await planner(['workload', trace, '--format', format]);
      expectRefused(r, new RegExp(`no readable requests: ${reason.source}`), `workload ${format}`);
    }
    const s = spec(`model: llama-3.1-8b\nworkload:\n  trace:\n    file: ${trace.split('/').pop()}\nslo: { ttft: 1s, tpot: 50ms }\n`);
    const v = await planner(['validate', s]);
    expectRefused(v, new RegExp(`:4:11: workload\\.trace\\.file: no readable requests in f\\d+\\.${ext}: ${reason.source}`), 'spec');
  });

  it('a JSON-lines null among good rows is skipped and counted, not a crash', async () => {
    const r = await planner(['workload', writeFile('{"timestamp":0,"input_tokens":10,"output_tokens":5}\nnull\n{"timestamp":1,"input_tokens":10,"output_tokens":5}\n', 'jsonl'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ requests: 2, skipped: 1 });
  });
});

describe('smaller holes', () => {
  it.each([
    { input: 131_071, output: 1, ok: true },
    { input: 131_072, output: 1, ok: false },
    { input: 1_000_000, output: 100, ok: false },
  ])('estimate: $input + $output tokens against a 131,072-token window', async ({ input, output, ok }) => {
    const r = await planner(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100', '--concurrency', '1', '--input-tokens', String(input), '--output-tokens', String(output)]);
    if (ok) expect([0, 1], r.stderr).toContain(r.code);
    else expectRefused(r, new RegExp(`^--input-tokens, --output-tokens: ${input} input \\+ ${output} output tokens is ${input + output}, past the context window of llama-3\\.1-8b \\(131072 tokens\\)`), 'estimate');
  });

  it.each(['input_tokens', 'output_tokens'])('a normal %s with stddev 0 is a point mass at its mean', async (field) => {
    const text = MINIMAL_SPEC.replace(`${field}: ${field === 'input_tokens' ? 1000 : 200}`, `${field}: { distribution: normal, mean: 300, stddev: 0 }`);
    const loaded = specFromText(text);
    expect(loaded.issues).toEqual([]);
    expect(loaded.value!.classes[0][field === 'input_tokens' ? 'input' : 'output']).toEqual({ kind: 'fixed', tokens: 300 });
    const r = await planner(['plan', spec(text), '--no-verify', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
  });
});
