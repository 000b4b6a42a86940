/**
 * Safe in a pull request: strings from specs, catalog overlays, saved plans, traces and
 * measurement files reach markdown (a PR comment), terminal text and CSV only through the
 * escaping layer of src/report/escape.ts. Hostile strings are generated over every input path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlan } from '../src/plan/check.js';
import { diffPlans } from '../src/plan/diff.js';
import type { Plan } from '../src/plan/plan.js';
import type { SweepResult } from '../src/planning/sweep.js';
import type { SimulationReport } from '../src/simulate/simulate.js';
import { checkMarkdown, checkText } from '../src/report/check-report.js';
import { diffMarkdown, diffText } from '../src/report/diff-report.js';
import { csvCell, markdownText, plainText, terminalMessage, terminalOutput } from '../src/report/escape.js';
import { planMarkdown } from '../src/report/plan-markdown.js';
import { planText } from '../src/report/plan-text.js';
import { simulationMarkdown, simulationText } from '../src/report/simulation-report.js';
import { sweepCsv, sweepText } from '../src/report/sweep-report.js';
import { workloadText } from '../src/report/workload-report.js';
// The CLI runs from the build (its solver's worker threads load built JavaScript).
import { ROOT, fixture } from './helpers.js';
import { runPlanner } from './in-process.js';

/** Strings an attacker would put in a pull request's spec, overlay, plan or data file. */
const HOSTILE = [
  'x\n# Injected heading',
  'x\r\n## Injected | a | b |',
  '| Injected | row |',
  '<img src=x onerror=alert(1)>',
  '<details><summary>Injected</summary>',
  '</details><script>alert(1)</script>',
  '[Injected link](http://evil.example)',
  '![Injected image](http://evil.example/x.png)',
  'hi @someone and @org/team',
  '`Injected code` ```fence```',
  '**bold** _em_ ~~del~~',
  '&#64;someone &lt;b&gt;',
  'fixes #123 and owner/repo#1',
  '\\| escaped pipe \\',
  '\u001b[2J\u001b[HInjected clear',
  '\u001b]0;Injected title\u0007',
  '\u001b]8;;http://evil.example\u0007link\u001b]8;;\u0007',
  '\u009b31mInjected red\u009b0m',
  '\u009d0;title\u009c',
  'nul\u0000byte',
  'carriage\roverwrite',
  'bell\u0007 backspace\u0008 del\u007f',
  'bidi\u202eInjected\u202c',
  'line\u2028separator\u0085nel',
  '\u001b[',
  '\u001b]0;unterminated',
];

/** [label, string] pairs for test titles that are plain ASCII (a title must not drive the terminal either). */
const CASES = HOSTILE.map((h) => [JSON.stringify(h).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), h] as const);

/** Any escape, C0 (but tab and newline) or C1 control. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** Those, or a bidi override. */
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Terminal text: no escape sequence or control of the user's; with colour, only our SGR colour codes. */
function expectSafeTerminal(text: string, what: string, color = false, bad_ = CONTROL_OR_BIDI): void {
  const rest = color ? text.replace(/\u001b\[[0-9;]*m/g, '') : text;
  const bad = bad_.exec(rest);
  expect(bad, `${what}: control U+${bad?.[0].charCodeAt(0).toString(16).padStart(4, '0')} in ${JSON.stringify(rest.slice(Math.max(0, (bad?.index ?? 0) - 40), (bad?.index ?? 0) + 40))}`).toBeNull();
}

/** Pipes that split a markdown table row into cells (a backslash-escaped one does not). */
const cellPipes = (line: string) => line.match(/(?<!\\)(?:\\\\)*\|/g)?.length ?? 0;

/** GitHub markdown that renders the user's strings as literal text, and notifies no one. */
function expectSafeMarkdown(md: string, what: string): void {
  expect(md, what).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\r]/);
  // Our own markup: the details block, a command in backticks, bold figures.
  const ours = md.replace(/<\/?(details|summary)>/g, '').replace(/`planner simulate --plan`/g, '');
  expect(ours, `${what}: raw < or >`).not.toMatch(/[<>]/);
  expect(ours, `${what}: an unescaped [, ] or backtick`).not.toMatch(/(?<!\\)(?:\\\\)*[[\]`]/);
  expect(ours, `${what}: an entity the user wrote`).not.toMatch(/&(?!amp;|lt;|gt;)/);
  expect(md, `${what}: an @mention`).not.toMatch(/@[\p{L}\p{N}]/u);
  expect(md, `${what}: an issue reference`).not.toMatch(/#123|repo#1/);
  expect(md, `${what}: emphasis`).not.toMatch(/(?<!\\)\*\*bold|(?<!\\)_em|(?<!\\)~~del/);
  const lines = md.split('\n');
  for (const line of lines) {
    // Headings are ours alone; the user's text never starts a line, a quote or a heading in a list.
    if (line.startsWith('#')) expect(line, `${what}: a heading`).toMatch(/^#{3,4} (Serving plan|✅ Cost check|❌ Cost check|📈|📉|➖|Simulation)/u);
    expect(line, `${what}: a line the user started`).not.toMatch(/^\s*(>|[-*+]\s+#{1,6}(\s|$)|#*\s*Injected)/);
  }
  // Every row of a table has as many cells as its header.
  let header = -1;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      header = -1;
      continue;
    }
    if (header < 0) header = cellPipes(line);
    else expect(cellPipes(line), `${what}: a row that adds a column: ${line}`).toBe(header);
  }
}

/** CSV cells back to their text (RFC 4180, one record): quoted cells with doubled quotes inside. */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') cells.push(cell), (cell = '');
    else cell += c;
  }
  cells.push(cell);
  return cells;
}

describe('the escaping layer, per format', () => {
  it.each(CASES)('plain text of %s is one line without controls', (_, h) => {
    const text = plainText(h);
    expectSafeTerminal(text, 'plainText');
    expect(text).not.toMatch(/[\n\t]/);
    expect(plainText(text)).toBe(text);
  });

  it.each(CASES)('a terminal message of %s keeps its newlines, loses its controls', (_, h) => {
    const text = terminalMessage(`first line\n${h}\nlast line`);
    expectSafeTerminal(text, 'terminalMessage');
    expect(text.startsWith('first line\n')).toBe(true);
    expect(text.endsWith('\nlast line')).toBe(true);
  });

  it.each(CASES)('the stream filter removes %s but keeps our colour where colour is on', (_, h) => {
    const ours = '\u001b[1mPOOL\u001b[22m';
    expectSafeTerminal(terminalOutput(`${ours} ${h}\n`, false), 'no colour', false, CONTROL);
    expect(terminalOutput(`${ours} ${h}\n`, false)).toMatch(/^POOL /);
    const colored = terminalOutput(`${ours} ${h}\n`, true);
    expectSafeTerminal(colored, 'colour', true, CONTROL);
    expect(colored.startsWith(ours)).toBe(true);
  });

  it('the stream filter leaves JSON meaning what it did (C1 characters become \\u escapes)', () => {
    const value = { name: HOSTILE.join(' ') };
    const json = terminalOutput(JSON.stringify(value, null, 2), false);
    expectSafeTerminal(json, 'json', false, CONTROL);
    expect(JSON.parse(json)).toEqual(value);
  });

  it.each(CASES)('markdown of %s renders as the literal text', (_, h) => {
    const md = markdownText(h);
    expectSafeMarkdown(`| a | b |\n| --- | --- |\n| ${md} | ${md} |\n\n- ${md}\n\nname: ${md}`, 'markdownText');
    expect(md).not.toMatch(/\n/);
  });

  it('markdown leaves ordinary names as they are', () => {
    for (const name of ['h100-sxm', 'llama-3.1-8b', 'multi-tenant', 'r1, r2 34%', '$38.24', '1.86 s', 'colocated']) expect(markdownText(name)).toBe(name);
  });

  it.each(CASES)('a CSV cell of %s is one line that reads back as the plain text', (_, h) => {
    const cell = csvCell(h);
    expect(cell).not.toMatch(/[\r\n]/);
    expectSafeTerminal(cell, 'csv');
    const line = `1,${cell},2`;
    const cells = parseCsvLine(line);
    expect(cells).toHaveLength(3);
    expect(cells[1].replace(/^'/, '')).toBe(plainText(h));
  });

  it('a CSV cell that a spreadsheet would run as a formula is defused', () => {
    for (const formula of ['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)']) expect(csvCell(formula)).toMatch(/^"?'/);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });
});

const BASE = JSON.parse(readFileSync(`${ROOT}${fixture('plans/base.json')}`, 'utf8')) as Plan;
const HEAD = JSON.parse(readFileSync(`${ROOT}${fixture('plans/head.json')}`, 'utf8')) as Plan;

/** Fields the plan schema fixes to a few values (a saved plan with another is refused on load). */
const ENUM_KEYS = new Set(['status', 'arrivals', 'metric', 'role', 'kind']);

/** A copy of a plan with `h` appended to every free string in it (ids stay consistent), its evidence keys too. */
function hostilePlan(plan: Plan, h: string): Plan {
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') return ENUM_KEYS.has(key) ? value : `${value}${h}`;
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === 'object') {
      if (key === 'gpuEvidence') return Object.fromEntries(Object.entries(value).map(([k, v]) => [`${k}${h}`, v]));
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    return value;
  };
  const rich: Plan = {
    ...plan,
    gpuEvidence: { [plan.pools[0].gpu]: 'microbenchmarks' },
    machines: [{ gpu: plan.pools[0].gpu, gpusPerMachine: 8, count: 2, name: 'g6.48xlarge', costPerHour: 13.35 }],
    pools: plan.pools.map((p) => ({ ...p, pairClass: `${p.gpu}@node` })),
    simplicity: { ...plan.simplicity, limits: ['colocated', 'one vendor'], costAbovePercent: 2 },
    verification: plan.verification && { ...plan.verification, holds: false, reason: 'an SLO misses' },
    baselines: [...plan.baselines, { ...plan.baselines[0], feasible: false, reason: 'no way' }],
  };
  return walk(rich, '') as Plan;
}

/** A small simulation report with `h` in every name it prints. */
function hostileSimulation(h: string): SimulationReport {
  const latency = { p50: 10, p90: 20, p95: 30, p99: 40 };
  const group = { ttftMs: latency, tpotMs: latency, e2eMs: latency, requests: 100, unfinished: 0 };
  const slo = { metric: 'ttft', targetMs: 500, percentile: 90, attainmentPercent: 80, atPercentileMs: 600, holds: false, requests: 100 };
  return {
    version: 1,
    plan: { name: `plan${h}`, model: `model${h}`, costPerHourUsd: 10, instances: 2 },
    arrivals: { source: 'trace', cv: null, trace: `trace${h}.csv`, requests: 1000, ratePerSecond: 10 },
    seed: 1,
    durationSeconds: 100,
    warmupSeconds: 10,
    overall: group,
    classes: [{ ...group, name: `class${h}`, slos: [slo] }],
    slices: [{ ...group, id: `s1${h}`, class: `class${h}`, ratePerSecond: 10, predicted: { ttftMs: 10, tpotMs: 5, e2eMs: 100 } }],
    pools: [{ id: `pool${h}`, gpu: `gpu${h}`, role: 'colocated', count: 2, down: 0, utilization: 0.5, meanQueue: 1, maxQueue: 3, preemptions: 0, rejected: 0, ttftMs: latency, tpotMs: latency }],
    holds: false,
    notes: [`class class${h}: 10 requests measured`],
  } as unknown as SimulationReport;
}

describe('every renderer escapes every string of a hostile saved plan', () => {
  it.each(CASES)('plan, diff, check, simulation and sweep with %s', (_, h) => {
    const plan = hostilePlan(BASE, h);
    const head = hostilePlan(HEAD, h);
    const diff = diffPlans(plan, head);
    const check = checkPlan(head, { maxCostPerHour: 1, maxIncreasePercent: 1 }, plan);
    const simulation = hostileSimulation(h);
    const sweep: SweepResult = {
      version: 1,
      variable: 'rate',
      unit: 'requests/s',
      points: [
        { value: 1, feasible: true, costPerHour: 2, gpus: 1, mix: `1× gpu${h}`, pools: [{ gpu: `gpu${h}`, count: 1, tp: 1, pp: 1, role: 'colocated' }], reason: null },
        { value: 2, feasible: false, costPerHour: null, gpus: null, mix: '', pools: [], reason: `why${h}` },
      ],
    } as SweepResult;
    for (const [what, md] of [['plan', planMarkdown(plan)], ['diff', diffMarkdown(diff)], ['check', checkMarkdown(check)], ['simulation', simulationMarkdown(simulation)]] as const) {
      expectSafeMarkdown(md, `${what} markdown`);
    }
    const paint = (t: string) => `\u001b[1m${t}\u001b[22m`;
    for (const [what, text] of [
      ['plan', planText(plan)],
      ['plan (coloured)', planText(plan, paint)],
      ['diff', diffText(diff)],
      ['check', checkText(check)],
      ['simulation', simulationText(simulation)],
      ['sweep', sweepText(sweep)],
      ['workload', workloadText(`trace${h}.csv`, { requests: 0, durationSeconds: 1, peakWindowSeconds: 1, meanRatePerSecond: 0, peakRatePerSecond: 0, peakPercentile: 99, interArrivalCv: 1, input: { mean: 1, p50: 1, p90: 1, p99: 1, max: 1 }, output: { mean: 1, p50: 1, p90: 1, p99: 1, max: 1 }, inputHistogram: [], outputHistogram: [], joint: [], hourly: { clock: 'relative', ratesPerSecond: [], coveredSeconds: [], fractions: null } } as never, 1, [`line 2: ${h}`])],
    ] as const) {
      expectSafeTerminal(text, `${what} text`, what.includes('coloured'));
      // A name cannot add a line to the report.
      expect(text.split('\n').some((l) => /^\s*(# )?Injected/.test(l)), `${what} text: an injected line`).toBe(false);
    }
    const csv = sweepCsv(sweep).split('\n');
    expect(csv).toHaveLength(3);
    expect(csv.map((l) => parseCsvLine(l).length)).toEqual([5, 5, 5]);
  });
});

const TMP = mkdtempSync(join(tmpdir(), 'planner-hostile-'));
let files = 0;
function writeFile(text: string, ext = 'yaml'): string {
  const path = join(TMP, `case${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** The CLI run in this process (test/in-process.ts). */
const planner = (args: string[], color = false) => runPlanner(args, {}, color);

/** A YAML double-quoted scalar holding exactly `text` (JSON's escapes are YAML's). */
const q = (text: string) => JSON.stringify(text);

/** A small spec whose name and class carry `h` (the name at most 200 characters, as the schema has it), planned on l4 only. */
function hostileSpec(h: string): string {
  return `name: ${q(`svc${h}`.slice(0, 200))}
model: llama-3.1-8b
workload:
  classes:
    - name: ${q(`chat${h}`)}
      rate: 5/s
      input_tokens: 500
      output_tokens: 100
slo:
  ttft: 2s
  tpot: 200ms
  percentile: 90
planning:
  gpus: [l4]
  tensor_parallel: [1]
`;
}

/** A catalog overlay that names the L4, its machines and its sources with `h`. */
function hostileOverlay(h: string): string {
  return `gpus:
  l4:
    name: ${q(`NVIDIA L4${h}`)}
    source: ${q(`datasheet${h}`)}
    price:
      usd_per_hour: 0.8048
      machines:
        - { gpus: 1, usd_per_hour: 0.8048, name: ${q(`g6.xlarge${h}`)} }
        - { gpus: 4, usd_per_hour: 4.6016, name: ${q(`g6.12xlarge${h}`)} }
      source: ${q(`quote${h}`)}
      date: 2026-01-01
`;
}

describe('the CLI on hostile inputs (spec name, class, catalog overlay, saved plan, measurements, errors)', () => {
  it.each(CASES)('%s', async (_, h) => {
    const spec = writeFile(hostileSpec(h));
    const overlay = writeFile(hostileOverlay(h));
    const saved = join(TMP, `plan${files++}.json`);
    const md = await planner(['plan', spec, '--catalog', overlay, '--no-verify', '--format', 'markdown', '--out', saved]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('svc');
    expectSafeMarkdown(md.stdout, 'plan --format markdown');
    expectSafeTerminal(md.stderr, 'plan stderr');
    expect(JSON.parse(readFileSync(saved, 'utf8')).name).toBe(`svc${h}`);

    const results = [
      ['render table', await planner(['render', saved])],
      ['render table (colour)', await planner(['render', saved], true)],
      ['gpus', await planner(['gpus', '--catalog', overlay])],
      ['diff table', await planner(['diff', fixture('plans/base.json'), saved])],
    ] as const;
    for (const [what, r] of results) {
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      expectSafeTerminal(r.stdout, what, what.includes('colour'));
      expectSafeTerminal(r.stderr, what, what.includes('colour'));
    }
    expect(results[0][1].stdout).toContain('svc');
    expect(results[2][1].stdout).toContain('NVIDIA L4');

    // A saved plan from the pull request, every string of it hostile, as markdown.
    const hostile = writeFile(JSON.stringify(hostilePlan(BASE, h)), 'json');
    for (const args of [['render', hostile, '--format', 'markdown'], ['diff', fixture('plans/base.json'), hostile, '--format', 'markdown']]) {
      const r = await planner(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expectSafeMarkdown(r.stdout, args.slice(0, 1).join(' '));
    }
    const table = await planner(['render', hostile]);
    expect(table.code, table.stderr).toBe(0);
    expectSafeTerminal(table.stdout, 'render of a hostile plan');

    // Measurement cells, and an unknown GPU whose name is hostile: the report and the error message.
    const csv = writeFile(`model,gpu,tp,weights,concurrency,input_tokens,output_tokens,ttft_ms,tpot_ms,engine\n${csvCell(`m${h}`)},${csvCell(`g${h}`)},1,bf16,1,100,10,10,5,vllm\nllama-3.1-8b,h100-sxm,1,bf16,1,100,10,10,5,${csvCell(`e${h}`)}\n`, 'csv');
    const accuracy = await planner(['accuracy', csv]);
    expect([0, 2]).toContain(accuracy.code);
    expectSafeTerminal(accuracy.stdout, 'accuracy');
    expectSafeTerminal(accuracy.stderr, 'accuracy stderr');
    const unknown = writeFile(hostileSpec('').replace('gpus: [l4]', `gpus: [${q(`l4${h}`)}]`));
    for (const color of [false, true]) {
      const r = await planner(['validate', unknown], color);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown GPU type "l4/);
      expectSafeTerminal(r.stderr, 'an error message', color);
    }
  });

  it('a check of a hostile spec against a hostile baseline posts safe markdown', async () => {
    const h = HOSTILE.join(' ');
    const baseline = writeFile(JSON.stringify(hostilePlan(BASE, '\n# Injected @someone <b>')), 'json');
    const r = await planner(['check', writeFile(hostileSpec(h)), '--no-verify', '--baseline', baseline, '--max-increase', '1000%', '--format', 'markdown']);
    expect([0, 1], r.stderr).toContain(r.code);
    expectSafeMarkdown(r.stdout, 'check --format markdown');
    expectSafeTerminal(r.stderr, 'check stderr');
  });

  it('a trace whose header and cells are hostile is summarised as plain text', async () => {
    const h = HOSTILE.join(' ');
    const trace = writeFile(`timestamp,input_tokens,output_tokens,${csvCell(h)}\n0,100,10,x\n1,${csvCell(h)},10,x\n2,200,20,x\n`, 'csv');
    const r = await planner(['workload', trace]);
    expectSafeTerminal(r.stdout, 'workload');
    expectSafeTerminal(r.stderr, 'workload stderr');
  });
});
