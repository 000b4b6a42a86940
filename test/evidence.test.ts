import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { overlayYaml } from '../src/calibrate/overlay.js';
import { readPackageFile } from '../src/cli/files.js';
import { PRESET_CATALOG } from '../src/cli/inputs.js';
import { formatIssue } from '../src/input/issues.js';
import { evidenceText } from '../src/report/evidence.js';
import { loadCatalog } from '../src/input/load.js';
import { ROOT, cli, presets } from './helpers.js';

function withOverlay(text: string) {
  return loadCatalog(presets().check, [...PRESET_CATALOG.map(readPackageFile), { path: 'mine.yaml', text }]);
}

const NEW_TYPE = `gpus:
  rtx-6000:
    name: RTX PRO 6000
    vendor: nvidia
    memory: 96GiB
    memory_bandwidth: 1.8TB/s
    tflops: { bf16: 500, fp8: 1000 }
    interconnect: { kind: pcie, bandwidth: 64GB/s }
    gpus_per_node: 8
    tdp: 600W
    price: { usd_per_hour: 1.5 }
`;

describe('what each GPU type\'s performance factors rest on (catalog evidence)', () => {
  it('every preset type says it; the H100 SXM and MI300X are fitted end to end, the A100 80GB on operator timings, the rest on microbenchmarks', () => {
    const raw = parse(readFileSync(`${ROOT}presets/gpus.yaml`, 'utf8')) as { gpus: Record<string, { evidence?: string; evidence_note?: string }> };
    for (const [id, gpu] of Object.entries(raw.gpus)) {
      expect(gpu.evidence, id).toBeDefined();
      expect(gpu.evidence_note, id).toBeTruthy();
    }
    const levels = Object.fromEntries(Object.values(presets().catalog.gpus).map((g) => [g.id, g.evidence]));
    expect(levels['h100-sxm']).toBe('end-to-end');
    expect(levels.mi300x).toBe('end-to-end');
    expect(levels['a100-80gb']).toBe('operators');
    expect(Object.entries(levels).filter(([, level]) => level === 'microbenchmarks').map(([id]) => id).sort()).toEqual(
      Object.keys(levels).filter((id) => !['h100-sxm', 'mi300x', 'a100-80gb'].includes(id)).sort(),
    );
  });

  it('a new overlay type defaults to microbenchmarks; an override of a preset type keeps the preset\'s; either may set it', () => {
    expect(withOverlay(NEW_TYPE).value!.gpus['rtx-6000'].evidence).toBe('microbenchmarks');
    const priced = withOverlay('gpus:\n  h100-sxm:\n    price: { usd_per_hour: 2.1 }\n').value!.gpus['h100-sxm'];
    expect(priced.evidence).toBe('end-to-end');
    expect(priced.evidenceNote).toMatch(/aiconfigurator/);
    const own = withOverlay(`${NEW_TYPE}    evidence: end-to-end\n    evidence_note: our vLLM runs\n`).value!.gpus['rtx-6000'];
    expect(own).toMatchObject({ evidence: 'end-to-end', evidenceNote: 'our vLLM runs' });
    const bad = withOverlay('gpus:\n  l4:\n    evidence: vibes\n');
    expect(bad.issues.map(formatIssue).join('\n')).toMatch(/^mine\.yaml:3:15: .*evidence/m);
  });

  it('a calibration overlay marks the GPUs it fitted as end-to-end', () => {
    const yaml = overlayYaml([{ owner: 'gpu', id: 'l4', field: 'memory', min: 0.4, max: 1, value: 0.7, prior: 0.8 }], ['test']);
    expect(withOverlay(yaml).value!.gpus.l4.evidence).toBe('end-to-end');
  });

  it('planner gpus shows it as a column and in JSON', () => {
    const table = cli(['gpus']).stdout;
    expect(table.split('\n')[0]).toMatch(/\sEVIDENCE$/);
    expect(table).toMatch(/^h100-sxm\s.*\send-to-end$/m);
    expect(table).toMatch(/^a100-80gb\s.*\soperators$/m);
    expect(table).toMatch(/^mi300x\s.*\send-to-end$/m);
    expect(table).toMatch(/^l40s\s.*\smicrobenchmarks$/m);
    const json = JSON.parse(cli(['gpus', '--format', 'json']).stdout);
    expect(json.gpus.find((g: { id: string }) => g.id === 'h100-sxm')).toMatchObject({ evidence: 'end-to-end', evidenceNote: expect.stringMatching(/vLLM/) });
  });

  it('planner estimate says it, in text and JSON', () => {
    const args = ['estimate', '--model', 'llama-3.1-8b', '--gpu', 'l4', '--concurrency', '4', '--input-tokens', '1000', '--output-tokens', '100'];
    expect(cli(args).stdout).toMatch(/^performance factors: l4 microbenchmarks only, error unknown$/m);
    expect(JSON.parse(cli([...args, '--format', 'json']).stdout).gpuEvidence).toEqual({ l4: 'microbenchmarks' });
    const h100 = cli(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--concurrency', '4', '--input-tokens', '1000', '--output-tokens', '100']);
    expect(h100.stdout).toMatch(/^performance factors: h100-sxm fitted on end-to-end measurements$/m);
  });

  it('planner plan says it per GPU type in JSON (read back by render, which checks it against the schema), table, markdown and YAML', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'planner-evidence-')), 'plan.json');
    const result = cli(['plan', 'presets/examples/multi-tenant.yaml', '--no-verify', '--format', 'json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(out, 'utf8'));
    const used = [...new Set(plan.pools.map((p: { gpu: string }) => p.gpu))].sort();
    expect(Object.keys(plan.gpuEvidence)).toEqual(used);
    for (const gpu of used) expect(plan.gpuEvidence[gpu as string]).toBe(presets().catalog.gpus[gpu as string].evidence);
    const words = { 'end-to-end': 'fitted on end-to-end measurements', operators: 'fitted on operator measurements', microbenchmarks: 'microbenchmarks only, error unknown' } as const;
    const line = used.map((gpu) => `${gpu} ${words[plan.gpuEvidence[gpu as string] as keyof typeof words]}`).join('; ');
    expect(cli(['render', out]).stdout).toContain(`\nperformance factors: ${line}\n`);
    expect(cli(['render', out, '--format', 'markdown']).stdout).toContain(`\nPerformance factors: ${line}.\n`);
    expect(cli(['render', out, '--format', 'yaml']).stdout).toMatch(/^gpuEvidence:\n {2}[a-z0-9-]+: (end-to-end|operators|microbenchmarks)$/m);
    // Several types: one phrase each, by id.
    expect(evidenceText({ mi300x: 'microbenchmarks', 'h100-sxm': 'end-to-end', 'a100-80gb': 'operators' })).toBe(
      'a100-80gb fitted on operator measurements; h100-sxm fitted on end-to-end measurements; mi300x microbenchmarks only, error unknown',
    );
  });
});
