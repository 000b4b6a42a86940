import { describe, expect, it } from 'vitest';
import { readPackageFile } from '../src/cli/files.js';
import { PRESET_CATALOG } from '../src/cli/inputs.js';
import { formatIssue } from '../src/input/issues.js';
import { loadCatalog } from '../src/input/load.js';
import { MINIMAL_SPEC, presets, specFromText } from './helpers.js';

function withOverlay(text: string) {
  return loadCatalog(presets().check, [...PRESET_CATALOG.map(readPackageFile), { path: 'mine.yaml', text }]);
}

describe('catalog overlays', () => {
  it('override single fields of a preset type and keep the rest', () => {
    const { value } = withOverlay('gpus:\n  h100-sxm:\n    price: { usd_per_hour: $2.10/h, source: our contract, date: 2026-11 }\n');
    const gpu = value!.gpus['h100-sxm'];
    expect(gpu.price).toEqual({ usdPerHour: 2.1, source: 'our contract', date: '2026-11' });
    expect(gpu.memoryBandwidth).toBe(presets().catalog.gpus['h100-sxm'].memoryBandwidth);
  });

  it('add a complete new type, which inherits the default efficiency factors', () => {
    const { value, issues } = withOverlay(`gpus:
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
`);
    expect(issues).toEqual([]);
    expect(value!.gpus['rtx-6000'].efficiency).toEqual(presets().catalog.gpus['h100-nvl'].efficiency);
  });

  it('name the missing fields of an incomplete new type at its line', () => {
    const { issues } = withOverlay('gpus:\n  h100-sxn:\n    memory: 80GiB\n');
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^mine\.yaml:2:3: gpus\.h100-sxn: GPU type is missing name, vendor, memory_bandwidth.*use its id: h100-sxm/),
    ]);
  });

  it('ask a new engine for prefill_clustering only where its iterations are mixed (a prefill-first loop moves in waves)', () => {
    const engine = (scheduling: string) => `engines:\n  mine:\n    name: mine\n    max_batched_tokens: 8192\n    max_sequences: 256\n    scheduling: ${scheduling}\n    step_overhead: 1ms\n    collective_overhead: 0us\n    request_overhead: 20ms\n    prefill_layer_overhead: 0us\n`;
    const waves = withOverlay(engine('prefill-first'));
    expect(waves.issues).toEqual([]);
    expect(waves.value!.engines.mine.prefillClustering).toBe(0);
    expect(withOverlay(engine('mixed')).issues.map(formatIssue)).toEqual([expect.stringMatching(/^mine\.yaml:2:3: engines\.mine: engine is missing prefill_clustering/)]);
  });

  it('reject unknown fields and bad units with their line', () => {
    const { issues } = withOverlay('gpus:\n  l4:\n    memory_bandwith: 300GB/s\n    tdp: 72 watts\n');
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^mine\.yaml:3:5: gpus\.l4\.memory_bandwith: unknown field .*did you mean "memory_bandwidth"/),
      expect.stringMatching(/^mine\.yaml:4:10: gpus\.l4\.tdp: expected a power/),
    ]);
  });
});

describe('estimated prices', () => {
  it('keep a type out of plans the spec did not ask it into; naming it, or an overlay quote, brings it in', () => {
    const estimated = Object.values(presets().catalog.gpus).filter((g) => g.price.estimate).map((g) => g.id);
    expect(estimated.length).toBeGreaterThan(0);
    const spec = (extra: string) => specFromText(`${MINIMAL_SPEC}${extra}`);
    const byDefault = spec('').value!.planning.gpus;
    for (const id of estimated) expect(byDefault).not.toContain(id);
    expect(byDefault.length).toBe(Object.keys(presets().catalog.gpus).length - estimated.length);
    expect(spec(`planning:\n  gpus: [${estimated[0]}]\n`).value!.planning.gpus).toEqual([estimated[0]]);
    const quoted = withOverlay(`gpus:\n  ${estimated[0]}:\n    price: { usd_per_hour: 3.1, source: our quote, date: 2026-12 }\n`);
    expect(quoted.value!.gpus[estimated[0]!]!.price.estimate).toBeUndefined();
  });
});
