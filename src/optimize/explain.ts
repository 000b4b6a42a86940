import type { Role } from '../perf/open-loop.js';
import type { Slice } from '../workload/slices.js';
import type { Candidate } from './candidates.js';

/** Human name of a candidate: "h100-sxm tp4 colocated". */
export function candidateName(c: Candidate): string {
  return `${c.gpu.id} tp${c.tp}${c.pp > 1 ? ` pp${c.pp}` : ''} ${c.role}`;
}

/** Human name of a slice: "1.2k-token prompts with 300-token answers (class chat)". */
export function sliceName(slice: Slice, classCount: number): string {
  const range = (r: [number, number]) => (r[0] === r[1] ? `${r[0]}` : `${r[0]}–${r[1]}`);
  const cls = classCount > 1 ? ` of class ${slice.className}` : '';
  return `${range(slice.inputRange)}-token prompts with ${range(slice.outputRange)}-token answers${cls}`;
}

function seconds(value: number): string {
  return value >= 1 ? `${Number(value.toPrecision(3))} s` : `${Number((value * 1000).toPrecision(3))} ms`;
}

const SIDES: Array<{ side: string; roles: Role[] }> = [
  { side: 'prefill', roles: ['colocated', 'prefill'] },
  { side: 'decode', roles: ['colocated', 'decode'] },
];

/**
 * For every slice no candidate can serve (on its prefill or its decode side), says which SLO
 * fails and by how much on the candidate that comes closest — or that nothing holds it in memory.
 */
export function explainUncovered(slices: Slice[], candidates: Candidate[], classCount: number): string[] {
  const reasons: string[] = [];
  for (const slice of slices) {
    for (const { side, roles } of SIDES) {
      const sideCandidates = candidates.filter((c) => roles.includes(c.role));
      if (sideCandidates.some((c) => c.capacity.has(slice.id))) continue;
      reasons.push(explainSlice(slice, side, sideCandidates, classCount));
    }
  }
  return [...new Set(reasons)];
}

function explainSlice(slice: Slice, side: string, candidates: Candidate[], classCount: number): string {
  const name = sliceName(slice, classCount);
  let best: { ratio: number; text: string } | undefined;
  for (const c of candidates) {
    const idle = c.idle.get(slice.id);
    if (!idle) continue;
    for (const v of idle.violations) {
      const ratio = v.value / v.limit;
      if (best && ratio >= best.ratio) continue;
      const target = v.binding === 'ttft' || v.binding === 'tpot' || v.binding === 'e2e' ? slice.slo[v.binding] : undefined;
      const what = target ? `${v.binding.toUpperCase()} p${target.percentile}` : v.binding;
      best = {
        ratio,
        text: `${what} for ${name} is ${seconds(v.value)} on the fastest candidate (${candidateName(c)}), SLO ${seconds(v.limit)}`,
      };
    }
  }
  if (best) return best.text;
  const reasons = candidates.map((c) => c.unservable.get(slice.id)).filter(Boolean);
  if (reasons.length === 0) return `no allowed GPU type can run the ${side} side of ${name}`;
  return `no ${side}-capable candidate can serve ${name}: ${reasons[0]}`;
}
