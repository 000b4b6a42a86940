import { stringify } from 'yaml';
import { sig } from '../report/format.js';
import type { FittedParam } from './fit.js';

/** Catalog field name (snake_case, as written in YAML) of each fitted factor. */
const GPU_FIELDS: Record<string, string> = {
  memory: 'memory',
  kernelOverheadSeconds: 'kernel_overhead',
  moe: 'moe',
  dequant: 'dequant',
  rooflineKnee: 'roofline_knee',
};
const ENGINE_FIELDS: Record<string, string> = {
  stepOverheadSeconds: 'step_overhead',
  requestOverheadSeconds: 'request_overhead',
  prefillLayerOverheadSeconds: 'prefill_layer_overhead',
  collectiveOverheadSeconds: 'collective_overhead',
  prefillClustering: 'prefill_clustering',
  computeScale: 'compute_scale',
  memoryScale: 'memory_scale',
};

/** A duration in the unit a person would write it in: 1.74e-6 → "1.74us", 0.0266 → "26.6ms". */
export function durationText(seconds: number): string {
  if (seconds === 0) return '0us';
  if (seconds < 1e-3) return `${sig(seconds * 1e6)}us`;
  if (seconds < 1) return `${sig(seconds * 1e3)}ms`;
  return `${sig(seconds)}s`;
}

function fieldValue(field: string, value: number): number | string {
  return field.endsWith('Seconds') ? durationText(value) : Number(sig(value));
}

/** The fitted factors as a catalog overlay (YAML text, header comment first) for `--catalog`. */
export function overlayYaml(params: FittedParam[], header: string[]): string {
  const gpus: Record<string, { evidence: 'end-to-end'; efficiency: Record<string, unknown> }> = {};
  const engines: Record<string, Record<string, unknown>> = {};
  const sorted = [...params].sort((a, b) => a.owner.localeCompare(b.owner) || a.id.localeCompare(b.id) || a.field.localeCompare(b.field));
  for (const p of sorted) {
    if (p.owner === 'gpu') {
      // Factors fitted here rest on the end-to-end rows they were fitted on.
      const efficiency = (gpus[p.id] ??= { evidence: 'end-to-end', efficiency: {} }).efficiency;
      if (p.field === 'kernelFloorScale') {
        const f = p.floors!;
        const scaled = (s: number) => durationText(s * p.value);
        efficiency.kernel_floor = { gemm: scaled(f.gemm), prefill_attention: scaled(f.prefillAttention), decode_attention: scaled(f.decodeAttention), elementwise: scaled(f.elementwise) };
      } else if (p.field.includes('.')) {
        const [group, key] = p.field.split('.');
        ((efficiency[group] ??= {}) as Record<string, unknown>)[key] = fieldValue(p.field, p.value);
      } else {
        efficiency[GPU_FIELDS[p.field]] = fieldValue(p.field, p.value);
      }
    } else {
      (engines[p.id] ??= {})[ENGINE_FIELDS[p.field]] = fieldValue(p.field, p.value);
    }
  }
  const body = stringify({ version: 1, ...(Object.keys(gpus).length ? { gpus } : {}), ...(Object.keys(engines).length ? { engines } : {}) });
  return `${header.map((line) => `# ${line}`.trimEnd()).join('\n')}\n${body}`;
}
