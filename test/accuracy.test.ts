import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accuracyReport } from '../src/calibrate/accuracy.js';
import { calibrate } from '../src/calibrate/fit.js';
import { overlayYaml } from '../src/calibrate/overlay.js';
import { predictRow } from '../src/calibrate/predict-rows.js';
import { readPackageFile } from '../src/cli/files.js';
import { PRESET_CATALOG } from '../src/cli/inputs.js';
import { loadCatalog } from '../src/spec/load.js';
import { parseMeasurements } from '../src/spec/measurements.js';
import { ROOT, presets } from './helpers.js';

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
    for (const stats of [report.overall, ...report.byModel]) {
      const name = 'model' in stats ? stats.model : 'overall';
      expect(stats.tpotMedianPct, `${name} TPOT`).toBeLessThanOrEqual(15);
      expect(stats.ttftMedianPct, `${name} TTFT`).toBeLessThanOrEqual(25);
    }
  });
});

describe('calibration', () => {
  const subset = rows.filter((r) => r.model.startsWith('meta-llama') && r.tp <= 2 && r.outputTokens === 256);

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
