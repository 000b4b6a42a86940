import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpecFile } from '../src/cli/inputs.js';
import { summarizeTrace } from '../src/cli/traces.js';
import type { Plan } from '../src/plan/plan.js';
import type { SimulationReport } from '../src/simulate/simulate.js';
import { createRng, interArrival } from '../src/simulate/rng.js';
import { sliceWorkload } from '../src/workload/slices.js';
import { TraceAccumulator } from '../src/workload/trace-summary.js';
import { ROOT, cli, presets } from './helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'planner-traces-'));
function writeFile(name: string, text: string): string {
  const path = join(TMP, name);
  writeFileSync(path, text);
  return path;
}

const BURSTGPT = 'presets/examples/traces/burstgpt-sample.csv';
const AZURE = 'test/fixtures/traces/azure-sample.csv';
const JSONL = 'test/fixtures/traces/custom.jsonl';
const PEAK = { windowSeconds: 60, percentile: 99 };

/** CSV rows of a fixture, split (the test reads the file its own way to check the reader). */
function csvRows(path: string): string[][] {
  return readFileSync(`${ROOT}${path}`, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

describe('reading traces', () => {
  it('BurstGPT: counts every request, skips failed ones (0 response tokens) and says how many', () => {
    const rows = csvRows(BURSTGPT);
    const failed = rows.filter((r) => r[3] === '0').length;
    const read = summarizeTrace(BURSTGPT, ROOT, { format: 'auto', timeUnitSeconds: 1 }, PEAK);
    expect(failed).toBeGreaterThan(0);
    expect(read.skipped).toBe(failed);
    expect(read.summary.requests).toBe(rows.length - failed);
    expect(read.skippedExamples[0]).toMatch(/burstgpt-sample\.csv:\d+: output tokens "0"/);
    const served = rows.filter((r) => r[3] !== '0');
    const meanInput = served.reduce((s, r) => s + Number(r[2]), 0) / served.length;
    expect(read.summary.input.mean).toBeCloseTo(meanInput, 6);
    expect(read.summary.input.max).toBe(Math.max(...served.map((r) => Number(r[2]))));
  });

  it('Azure: date-time timestamps with sub-second digits', () => {
    const rows = csvRows(AZURE);
    const seconds = (s: string) => Date.parse(`${s.slice(0, 10)}T${s.slice(11, 19)}Z`) / 1000 + Number(s.slice(19));
    const read = summarizeTrace(AZURE, ROOT, { format: 'azure', timeUnitSeconds: 1 }, PEAK);
    expect(read.summary.requests).toBe(rows.length);
    expect(read.summary.durationSeconds).toBeCloseTo(seconds(rows[rows.length - 1][0]) - seconds(rows[0][0]), 4);
  });

  it('JSON lines with mapped columns and millisecond timestamps', () => {
    const lines = readFileSync(`${ROOT}${JSONL}`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ts_ms: number; prompt_tokens: number });
    const read = summarizeTrace(JSONL, ROOT, { format: 'auto', timeUnitSeconds: 1e-3, columns: { timestamp: 'ts_ms', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' } }, PEAK);
    expect(read.summary.requests).toBe(lines.length);
    expect(read.summary.durationSeconds).toBeCloseTo((lines[lines.length - 1].ts_ms - lines[0].ts_ms) / 1000, 6);
  });

  it('peak rate: the percentile of complete windows (empty ones count as 0; the cut-short last one does not count)', () => {
    const acc = new TraceAccumulator(10);
    // Windows of 10 s holding 5, 0, 20, 10 requests, then 1 request in a last, partial window.
    const counts = [5, 0, 20, 10];
    counts.forEach((n, w) => {
      for (let i = 0; i < n; i++) acc.add({ timestampSeconds: w * 10 + i * (10 / n), inputTokens: 100, outputTokens: 10 });
    });
    acc.add({ timestampSeconds: 41, inputTokens: 100, outputTokens: 10 });
    expect(acc.summary(100).peakRatePerSecond).toBeCloseTo(2, 9);
    expect(acc.summary(50).peakRatePerSecond).toBeCloseTo(0.5, 9);
    expect(acc.summary(25).peakRatePerSecond).toBeCloseTo(0, 9);
  });

  it('burstiness is measured within windows: a Poisson stream whose rate swings is still cv ≈ 1', () => {
    const rng = createRng(9);
    const acc = new TraceAccumulator(60);
    let t = 0;
    for (let i = 0; i < 60_000; i++) {
      const rate = 5 + 45 * Math.floor((t / 600) % 2); // 5/s and 50/s in turn, ten minutes each
      t += interArrival(rng, 1 / rate, 1);
      acc.add({ timestampSeconds: t, inputTokens: 100, outputTokens: 10 });
    }
    const cv = acc.summary(99).interArrivalCv;
    expect(cv).toBeGreaterThan(0.95);
    expect(cv).toBeLessThan(1.08);
  });

  it('refuses a header without the columns and names the file, the line and what is missing (exit 2)', () => {
    const path = writeFile('bad.csv', 'Timestamp,Model,Response tokens\n1,x,3\n');
    const result = cli(['workload', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.csv:1:1: trace header lacks input_tokens \("Request tokens"\)/);
  });
});

describe('planner workload', () => {
  it('prints the summary with size histograms as text charts', () => {
    const result = cli(['workload', BURSTGPT]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/requests over .* rows skipped/);
    expect(result.stdout).toMatch(/rate: mean [\d.]+\/s, peak [\d.]+\/s \(p99 of 1 ?min windows\)|rate: mean [\d.]+\/s, peak [\d.]+\/s \(p99 of 60 s windows\)/);
    expect(result.stdout).toMatch(/input tokens\n\s+\d+–\d+ │█+ [\d.]+%/);
  });

  it('JSON: versioned and stable, the peak at the window and percentile asked for', () => {
    const a = cli(['workload', BURSTGPT, '--format', 'json', '--window', '10s', '--percentile', '90']);
    const b = cli(['workload', BURSTGPT, '--format', 'json', '--window', '10s', '--percentile', '90']);
    expect(a.stdout).toBe(b.stdout);
    const summary = JSON.parse(a.stdout) as { version: number; peakWindowSeconds: number; peakPercentile: number; peakRatePerSecond: number; meanRatePerSecond: number };
    expect(summary.version).toBe(1);
    expect(summary.peakWindowSeconds).toBe(10);
    expect(summary.peakPercentile).toBe(90);
    expect(summary.peakRatePerSecond).toBeGreaterThan(summary.meanRatePerSecond);
  });
});

describe('specs with a trace', () => {
  const summary = () => JSON.parse(cli(['workload', BURSTGPT, '--format', 'json']).stdout) as { peakRatePerSecond: number; meanRatePerSecond: number; requests: number };

  it('plans for the trace peak by default, the mean or a given rate when asked', () => {
    const s = summary();
    const peak = loadSpecFile('presets/examples/chat-from-trace.yaml', presets(), ROOT);
    expect(peak.totalRatePerSecond).toBeCloseTo(s.peakRatePerSecond, 4);
    expect(peak.trace?.replaySpeed).toBe(1);
    const mean = loadSpecFile('presets/examples/chat-from-trace.yaml', presets(), ROOT, ['workload.trace.rate=mean']);
    expect(mean.totalRatePerSecond).toBeCloseTo(s.meanRatePerSecond, 4);
    const scaled = loadSpecFile('presets/examples/chat-from-trace.yaml', presets(), ROOT, ['workload.trace.rate=30/s']);
    expect(scaled.totalRatePerSecond).toBe(30);
    expect(scaled.trace!.replaySpeed * s.meanRatePerSecond).toBeCloseTo(30, 4);
  });

  it('slices keep the sizes that occur together: no slice pairs long prompts with long answers the trace never has', () => {
    const path = writeFile('two-kinds.csv', ['timestamp,input_tokens,output_tokens', ...Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? `${i * 0.1},100,2000` : `${i * 0.1},8000,20`))].join('\n'));
    const spec = writeFile('two-kinds.yaml', `model: llama-3.1-8b\nworkload:\n  trace: { file: ${path}, rate: mean }\nslo: { ttft: 5s }\n`);
    const loaded = loadSpecFile(spec, presets(), ROOT);
    const slices = sliceWorkload(loaded.classes, 16);
    expect(slices.reduce((s, x) => s + x.ratePerSecond, 0)).toBeCloseTo(loaded.totalRatePerSecond, 9);
    for (const s of slices) expect(s.inputTokens > 1000 && s.outputTokens > 1000).toBe(false);
    expect(slices.some((s) => s.inputTokens === 100 && s.outputTokens === 2000)).toBe(true);
    expect(slices.some((s) => s.inputTokens === 8000 && s.outputTokens === 20)).toBe(true);
  });

  it('a missing trace is reported at the spec line that names it (exit 2)', () => {
    const spec = writeFile('missing.yaml', 'model: llama-3.1-8b\nworkload:\n  trace:\n    file: nowhere.csv\nslo: { ttft: 1s }\n');
    const result = cli(['plan', spec]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing\.yaml:4:\d+: workload\.trace\.file: nowhere\.csv: not readable/);
  });

  it('a trace and a rate together are refused: the trace gives the rate', () => {
    const spec = writeFile('clash.yaml', `model: llama-3.1-8b\nworkload:\n  rate: 10/s\n  trace: { file: ${ROOT}${BURSTGPT}, format: burstgpt }\nslo: { ttft: 1s }\n`);
    // The trace lies outside the spec's folder: allowed explicitly.
    const result = cli(['plan', spec, '--allow-path', ROOT]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/clash\.yaml:3:\d+: workload\.rate: a trace gives the sizes and the rate/);
  });

  it('planner plan and simulate on the trace example: the plan holds when the trace itself is replayed', () => {
    const plan = cli(['plan', 'presets/examples/chat-from-trace.yaml', '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as Plan).workload.ratePerSecond).toBeCloseTo(summary().peakRatePerSecond, 2);
    const sim = cli(['simulate', 'presets/examples/chat-from-trace.yaml', '--format', 'json', '--duration', '300s']);
    expect(sim.code, sim.stderr).toBe(0);
    const report = JSON.parse(sim.stdout) as SimulationReport;
    expect(report.arrivals.source).toBe('trace');
    const rows = csvRows(BURSTGPT).filter((r) => r[3] !== '0');
    const t0 = Number(rows[0][0]);
    expect(report.arrivals.requests).toBe(rows.filter((r) => Number(r[0]) - t0 < 300).length);
    expect(report.holds).toBe(true);
  });
});
