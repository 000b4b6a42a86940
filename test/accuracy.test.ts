import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracyReport } from '../src/calibrate/accuracy.js';
import { calibrate } from '../src/calibrate/fit.js';
import { operatorReport, predictOperator } from '../src/calibrate/operator-accuracy.js';
import { overlayYaml } from '../src/calibrate/overlay.js';
import { predictRow } from '../src/calibrate/predict-rows.js';
import { readPackageFile } from '../src/cli/files.js';
import { PRESET_CATALOG } from '../src/cli/inputs.js';
import { loadCatalog } from '../src/input/load.js';
import { parseMeasurements } from '../src/input/measurements.js';
import { parseOperatorFile } from '../src/input/operator-measurements.js';
import { ROOT, cli, presets } from './helpers.js';

const FIXTURES = ['aiconfigurator-h100.csv', 'splitwise.csv'].map((name) => `test/fixtures/measurements/${name}`);
const rows = FIXTURES.flatMap((path) => parseMeasurements(path, readFileSync(`${ROOT}${path}`, 'utf8')).rows);

describe('accuracy of the default catalog on the measured fixtures', () => {
  const results = rows.map((row) => predictRow(row, presets().catalog, presets().models, 'vllm'));
  const report = accuracyReport(results);

  it('predicts every row but the two Splitwise TP2 batch-64 rows that cannot fit in memory', () => {
    expect(report.unpredicted.map((r) => `${r.row.gpu} tp${r.row.tp} c${r.row.concurrency}`)).toEqual(['a100-80gb tp2 c64', 'h100-80gb tp2 c64']);
    expect(report.unpredicted[0].error).toMatch(/does not fit/);
  });

  it('meets the targets overall and for each model: median |error| TPOT ≤ 15%, TTFT ≤ 25%', () => {
    // Llama-3.1-8B has TensorRT-LLM rows only, whose TTFT falls as concurrency rises and grows
    // with the answer length at 8 clients (a harness artefact: NVIDIA's own TensorRT-LLM figures
    // show neither); the model does not fit it, so that group's TTFT is held to 35%.
    const ttftTarget = (name: string) => (name === 'llama-3.1-8b' ? 35 : 25);
    for (const stats of [report.overall, ...report.byModel]) {
      const name = 'model' in stats ? stats.model : 'overall';
      expect(stats.tpotMedianPct, `${name} TPOT`).toBeLessThanOrEqual(15);
      expect(stats.ttftMedianPct, `${name} TTFT`).toBeLessThanOrEqual(ttftTarget(name));
    }
  });

  it('has no model × GPU × engine group with a median |error| above 50% (TTFT or TPOT)', () => {
    // gpt-oss-120b under TensorRT-LLM: 5 rows, the worst group before its weights were read as
    // what ran (MXFP4, not the fp8 label): TTFT 71%, TPOT 43%.
    expect(report.byEngine.map((g) => g.group)).toContain('gpt-oss-120b × h100-sxm × trtllm');
    for (const g of report.byEngine) {
      expect(g.ttftMedianPct, `${g.group} TTFT`).toBeLessThanOrEqual(50);
      expect(g.tpotMedianPct, `${g.group} TPOT`).toBeLessThanOrEqual(50);
    }
  });

  it('predicts the closed-loop TTFT of mixed-batching engines without a growing bias from 8 to 128 clients', () => {
    // With a Poisson (M/D/1) wait behind other prompts, vLLM's TTFT at 128 clients came out +34%
    // (median signed error) while 8 clients were −15%: a closed loop's arrivals are near-periodic.
    // Llama-3.1-8B's TensorRT-LLM rows are left out: their TTFT falls from 8 to 32 clients and
    // jumps 2–8× from 64 to 128 at a steady TPOT (the harness artefact of the test above).
    const signed = new Map<string, number[]>();
    for (const r of results) {
      if (r.predictedTtftMs === undefined || r.row.concurrency < 8 || r.row.concurrency > 128) continue;
      if (r.group.startsWith('llama-3.1-8b')) continue;
      if (r.engineId !== 'vllm' && r.engineId !== 'trtllm') continue;
      const key = `${r.engineId} c${r.row.concurrency}`;
      signed.set(key, [...(signed.get(key) ?? []), r.predictedTtftMs / r.row.ttftMs! - 1]);
    }
    expect(signed.size).toBe(10);
    for (const [key, errors] of signed) {
      const sorted = [...errors].sort((a, b) => a - b);
      expect(Math.abs(sorted[Math.floor(sorted.length / 2)]), key).toBeLessThanOrEqual(0.25);
    }
  });
});

describe('calibration', () => {
  const subset = rows.filter((r) => r.model.startsWith('meta-llama') && r.tp <= 2 && r.outputTokens === 256);

  it('leaves the factors named with keep as the catalog has them', () => {
    const fit = calibrate(subset, presets().catalog, presets().models, 'trtllm', ['h100-sxm.compute', 'trtllm.stepOverheadSeconds']);
    expect(fit.params.some((p) => p.field.startsWith('compute.'))).toBe(false);
    expect(fit.params.some((p) => p.field === 'stepOverheadSeconds')).toBe(false);
    expect(fit.params.some((p) => p.field === 'memory')).toBe(true);
    expect(fit.unmatchedKeep).toEqual([]);
    // A name that matches nothing is reported (the CLI refuses it, exit 2), never ignored.
    expect(calibrate(subset, presets().catalog, presets().models, 'trtllm', ['h100-sxm.computee']).unmatchedKeep).toEqual(['h100-sxm.computee']);
  });

  it('fits a few factors per GPU and engine, lowers the error, and writes an overlay the catalog loader accepts', () => {
    const start = { ...presets().catalog, engines: { ...presets().catalog.engines, trtllm: { ...presets().catalog.engines.trtllm, stepOverheadSeconds: 0.02 } } };
    const fit = calibrate(subset, start, presets().models, 'trtllm');
    const before = accuracyReport(fit.before).overall;
    const after = accuracyReport(fit.after).overall;
    expect(after.tpotMedianPct).toBeLessThan(before.tpotMedianPct / 2);
    expect(fit.params.length).toBeLessThanOrEqual(15);
    expect(new Set(fit.params.map((p) => `${p.owner}:${p.id}`))).toEqual(new Set(['gpu:h100-sxm', 'engine:trtllm']));
    const yaml = overlayYaml(fit.params, ['test overlay']);
    const loaded = loadCatalog(presets().check, [...PRESET_CATALOG.map(readPackageFile), { path: 'overlay.yaml', text: yaml }]);
    expect(loaded.issues).toEqual([]);
    const step = fit.params.find((p) => p.field === 'stepOverheadSeconds')!;
    expect(loaded.value!.engines.trtllm.stepOverheadSeconds).toBeCloseTo(step.value, 5);
  });

  it('fits only the overheads when nothing tells GPU efficiency from engine efficiency (one non-reference engine)', () => {
    const fit = calibrate(subset, presets().catalog, presets().models, 'vllm');
    expect(fit.params.filter((p) => p.owner === 'gpu')).toEqual([]);
    expect(fit.params.map((p) => p.field)).not.toContain('computeScale');
    expect(fit.params.map((p) => p.field)).toContain('stepOverheadSeconds');
  });
});

describe('operator-level accuracy on the Vidur A100 kernel timings', () => {
  const VIDUR = `${ROOT}../shared/data/vidur/`;
  const files = existsSync(VIDUR)
    ? [
        ...readdirSync(`${VIDUR}a100`).map((f) => `${VIDUR}a100/${f}`),
        `${VIDUR}network/a100_dgx.all_reduce.csv`,
        `${VIDUR}network/a100_dgx.send_recv.csv`,
      ]
    : [];
  it.skipIf(files.length === 0)('every op kind within 15% median |error|, and no size band biased beyond 15%', () => {
    const gpu = presets().catalog.gpus['a100-80gb'];
    const measured = files.flatMap((f) => parseOperatorFile(f, readFileSync(f, 'utf8')).rows);
    const report = operatorReport(gpu.id, measured.map((row) => predictOperator(row, gpu, presets().catalog.engines.vllm)));
    expect(report.byKind.map((k) => k.kind)).toEqual(['gemm', 'prefill-attention', 'decode-attention', 'elementwise', 'all-reduce', 'send']);
    for (const k of report.byKind) expect(k.medianPct, k.kind).toBeLessThanOrEqual(15);
    for (const b of report.byBand) expect(Math.abs(b.biasPct), `${b.kind} ${b.band}`).toBeLessThanOrEqual(15);
  });

  it('reads the shape of an attention profile from its header, and refuses one without it', () => {
    const text = '# n_embd 4096, n_q_head 32, n_kv_head 8\ntp,batch_size,prefill_chunk_size,kv_cache_size,kvsave_ms,prefill_ms,decode_ms\n1,1,512,0,0.01,0.05,0\n1,8,0,1024,0,0,0.06\n';
    const parsed = parseOperatorFile('a.csv', text);
    expect(parsed.rows.map((r) => r.work.kind)).toEqual(['prefill-attention', 'decode-attention']);
    expect(parsed.rows[0].shape).toMatchObject({ heads: 32, kvHeads: 8, hiddenSize: 4096 });
    expect(parseOperatorFile('b.csv', text.split('\n').slice(1).join('\n')).issues[0].message).toMatch(/model shape/);
  });
});

describe('planner accuracy on operator profiles', () => {
  const profile = join(mkdtempSync(join(tmpdir(), 'planner-ops-')), 'attention.csv');
  writeFileSync(profile, '# n_embd 4096, n_q_head 32, n_kv_head 8\ntp,batch_size,prefill_chunk_size,kv_cache_size,kvsave_ms,prefill_ms,decode_ms\n1,1,4096,0,0.01,1.0,0\n1,64,0,2048,0,0,0.2\n');

  it('reports per op kind on the GPU given with --gpu', () => {
    const result = cli(['accuracy', profile, '--gpu', 'a100-80gb', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.gpu).toBe('a100-80gb');
    expect(report.byKind.map((k: { kind: string }) => k.kind)).toEqual(['prefill-attention', 'decode-attention']);
    expect(report.rows[0].predictedMs).toBeGreaterThan(0);
  });

  it('needs --gpu, and refuses a mix with end-to-end files (exit 2)', () => {
    expect(cli(['accuracy', profile]).stderr).toMatch(/give --gpu/);
    const mixed = cli(['accuracy', profile, 'test/fixtures/measurements/splitwise.csv', '--gpu', 'a100-80gb']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/separate runs/);
  });
});

describe('rows that give only a whole-request latency (e2e_ms)', () => {
  const header = 'model,gpu,tp,concurrency,input_tokens,output_tokens,ttft_ms,tpot_ms,e2e_ms,mode\n';

  it('are read and predicted as TTFT + (output − 1) × TPOT; a row with neither kind is rejected with its reason', () => {
    const file = parseMeasurements('m.csv', `${header}llama-3.1-70b,mi300x,8,16,128,2048,,,22000,static\nllama-3.1-70b,mi300x,8,16,128,2048,,,,static\nllama-3.1-70b,mi300x,8,16,128,2048,300,,,static\n`);
    expect(file.rows).toHaveLength(1);
    expect(file.rows[0]).toMatchObject({ e2eMs: 22000 });
    expect(file.rows[0].ttftMs).toBeUndefined();
    expect(file.rejected.map((r) => r.reason)).toEqual(['needs ttft_ms and tpot_ms, or e2e_ms', 'needs ttft_ms and tpot_ms, or e2e_ms']);
    const result = predictRow(file.rows[0], presets().catalog, presets().models, 'vllm');
    expect(result.predictedE2eMs).toBeCloseTo(result.predictedTtftMs! + 2047 * result.predictedTpotMs!, 6);
    expect(parseMeasurements('x.csv', 'model,gpu,tp,concurrency,input_tokens,output_tokens,ttft_ms\n').issues[0].message).toMatch(/missing column\(s\) tpot_ms/);
  });

  /** A fixture's rows and the default catalog's accuracy report on them. */
  const fixtureReport = (path: string) => {
    const measured = parseMeasurements(path, readFileSync(`${ROOT}${path}`, 'utf8')).rows;
    return { measured, report: accuracyReport(measured.map((row) => predictRow(row, presets().catalog, presets().models, 'vllm'))) };
  };

  it('MI300X: AMD\'s vLLM table is predicted within 10% median, unbiased, and the report gains E2E columns', () => {
    const path = 'test/fixtures/measurements/mi300x-vllm.csv';
    const { measured, report } = fixtureReport(path);
    expect(measured).toHaveLength(32);
    expect(report.overall.e2eRows).toBe(32);
    expect(report.overall.e2eMedianPct).toBeLessThanOrEqual(10);
    expect(Math.abs(report.overall.e2eBiasPct)).toBeLessThanOrEqual(5);
    expect(Number.isNaN(report.overall.ttftMedianPct)).toBe(true);
    const text = cli(['accuracy', path]).stdout;
    expect(text).toMatch(/E2E MEDIAN/);
    expect(text).toMatch(/E2E \d+ → \d+ ms/);
  });

  it('TensorRT-LLM behind NIM out of sample: the decode model transfers (TPOT within 10% median), the closed-loop TTFT does not', () => {
    // NIM 1.8.0's tables for Llama-3.3-70B FP8 on 2 × H100 and Llama-3.1-8B FP8 on one (five shapes, 1–250
    // clients): its C++ frontend and genai-perf's loop, where the profile's TTFT terms were fitted on
    // trtllm-serve under aiconfigurator's.
    const { measured, report } = fixtureReport('test/fixtures/measurements/nim-h100.csv');
    expect(measured).toHaveLength(79);
    expect(report.overall.tpotMedianPct).toBeLessThanOrEqual(10);
    expect(Math.abs(report.overall.tpotBiasPct)).toBeLessThanOrEqual(5);
  });

  it('MI300X out of sample: Oracle\'s 2024 table (405B, 128 → 128) is predicted within 20% median', () => {
    // Its stack is a year older than AMD's table the factors were fitted on: every row runs slower.
    const { measured, report } = fixtureReport('test/fixtures/measurements/mi300x-oci-vllm.csv');
    expect(measured).toHaveLength(9);
    expect(report.overall.e2eMedianPct).toBeLessThanOrEqual(20);
  });
});
