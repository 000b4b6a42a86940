import { resolveGpuId } from './gpu-names.js';
import { didYouMean } from './did-you-mean.js';
import type { InputIssue } from './issues.js';
import { checkedQuantity } from './models.js';
import type { Catalog, MeasuredCapacity } from './types.js';
import { pathText } from './yaml-source.js';
import type { DocPath, YamlSource } from './yaml-source.js';

/** A measured capacity as written in a spec or catalog (schema-checked). */
export interface RawMeasuredCapacity {
  model?: string;
  gpu: string;
  tp?: number;
  pp?: number;
  role?: MeasuredCapacity['role'];
  input_tokens: number | string;
  output_tokens: number | string;
  max_rate: number | string;
}

/**
 * Reads measured-capacity entries at `path` of a source, resolving GPU names against the catalog;
 * an unknown GPU is an issue at its line.
 */
export function readMeasuredCapacity(
  raws: RawMeasuredCapacity[],
  source: YamlSource,
  path: DocPath,
  gpus: Pick<Catalog, 'gpus'>,
): { entries: MeasuredCapacity[]; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const entries: MeasuredCapacity[] = [];
  raws.forEach((raw, i) => {
    const at = [...path, i];
    const gpu = resolveGpuId({ ...gpus, engines: {}, measuredCapacity: [] }, raw.gpu);
    if (!gpu) {
      const where = [...at, 'gpu'];
      issues.push(source.issueAt(where, `${pathText(where)}: unknown GPU type "${raw.gpu}"${didYouMean(raw.gpu, Object.keys(gpus.gpus))}`));
      return;
    }
    const location = source.locate(at, 'value');
    entries.push({
      model: raw.model,
      gpu,
      tp: raw.tp ?? 1,
      pp: raw.pp ?? 1,
      role: raw.role ?? 'colocated',
      inputTokens: checkedQuantity('tokens', raw.input_tokens),
      outputTokens: checkedQuantity('tokens', raw.output_tokens),
      maxRatePerSecond: checkedQuantity('rate', raw.max_rate),
      where: { file: source.file, ...location },
    });
  });
  return { entries, issues };
}
