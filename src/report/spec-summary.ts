import type { LatencyTarget, ServiceSpec } from '../input/types.js';
import { plainText } from './escape.js';
import { formatDuration, sig } from './format.js';

function target(name: string, t: LatencyTarget | undefined): string | undefined {
  return t && `p${sig(t.percentile)} ${name} ≤ ${formatDuration(t.maxSeconds)}`;
}

/** One line describing what a spec asks for, e.g. for `validate` output. */
export function summarizeSpec(spec: ServiceSpec): string {
  const classes = spec.classes.length === 1 ? '1 request class' : `${spec.classes.length} request classes`;
  const first = spec.classes[0].slo;
  const slos = [target('TTFT', first.ttft), target('TPOT', first.tpot), target('E2E', first.e2e)].filter(Boolean);
  return plainText([
    `${spec.model.id} (${spec.precision.weights} weights, ${spec.precision.kvCache} KV cache)`,
    `${sig(spec.totalRatePerSecond)} req/s in ${classes}`,
    slos.join(', '),
    `${spec.planning.gpus.length} GPU types allowed`,
  ].join('; '));
}
