import type { GpuEvidence } from '../input/types.js';
import { plainText } from './escape.js';
import type { Escape } from './escape.js';

/** What each evidence level means, in the words a plan or estimate prints. */
export const EVIDENCE_TEXT: Record<GpuEvidence, string> = {
  'end-to-end': 'fitted on end-to-end measurements',
  operators: 'fitted on operator measurements',
  microbenchmarks: 'microbenchmarks only, error unknown',
};

/** "h100-sxm fitted on end-to-end measurements; mi300x microbenchmarks only, error unknown" (ids sorted, through `esc`). */
export function evidenceText(byGpu: Record<string, GpuEvidence>, esc: Escape = plainText): string {
  return Object.entries(byGpu)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([gpu, level]) => `${esc(gpu)} ${Object.hasOwn(EVIDENCE_TEXT, level) ? EVIDENCE_TEXT[level] : esc(String(level))}`)
    .join('; ');
}

/** The plan or estimate line that says what the performance factors rest on; undefined when nothing does. */
export function evidenceLine(byGpu: Record<string, GpuEvidence> | undefined): string | undefined {
  if (!byGpu || Object.keys(byGpu).length === 0) return undefined;
  return `performance factors: ${evidenceText(byGpu)}`;
}
