import { MIN_COVERED_SECONDS } from '../workload/trace-summary.js';
import type { TraceSummary } from '../workload/trace-summary.js';
import { round6 } from '../plan/round.js';
import { plainText } from './escape.js';
import { formatCount, formatDuration, sig } from './format.js';
import { grouped } from '../text/digits.js';

const BAR_WIDTH = 40;

/** Merges histogram bins into one per doubling of size (1, 2–3, 4–7, …) for a compact chart. */
function byOctave(bins: TraceSummary['inputHistogram']): TraceSummary['inputHistogram'] {
  const merged = new Map<number, { range: [number, number]; weight: number }>();
  for (const b of bins) {
    const octave = Math.floor(Math.log2(b.range[0]));
    const m = merged.get(octave) ?? { range: [2 ** octave, 2 ** (octave + 1) - 1] as [number, number], weight: 0 };
    m.weight += b.weight;
    merged.set(octave, m);
  }
  return [...merged.keys()].sort((a, b) => a - b).map((k) => merged.get(k)!);
}

function histogramChart(title: string, fine: TraceSummary['inputHistogram']): string[] {
  const bins = byOctave(fine);
  const max = Math.max(...bins.map((b) => b.weight), 1e-12);
  const label = (r: [number, number]) => (r[0] === r[1] ? `${r[0]}` : `${r[0]}–${r[1]}`);
  const width = Math.max(...bins.map((b) => label(b.range).length));
  return [
    title,
    ...bins.map((b) => `  ${label(b.range).padStart(width)} │${'█'.repeat(Math.max(b.weight > 0 ? 1 : 0, Math.round((b.weight / max) * BAR_WIDTH)))} ${(b.weight * 100).toFixed(1)}%`),
  ];
}

function statsLine(name: string, s: TraceSummary['input']): string {
  return `${name}: mean ${sig(s.mean)}, p50 ${s.p50}, p90 ${s.p90}, p99 ${s.p99}, max ${s.max}`;
}

/** What a trace's session ids and block hashes say about prompt reuse (nothing where it has neither). */
function reuseLines(summary: TraceSummary): string[] {
  const lines: string[] = [];
  const r = summary.reuse;
  if (r) {
    const gap = r.meanTurnGapSeconds === null ? '' : `, ${formatDuration(r.meanTurnGapSeconds)} between turns`;
    lines.push(
      `prompt reuse: ${sig(r.historyShare * 100)}% of prompt tokens are earlier turns of their session — ${sig(r.followUpShare * 100)}% of requests are follow-ups, ${sig(r.followUpHistoryShare * 100)}% of a follow-up's prompt (${grouped(r.sessions)} sessions${gap}); in a spec: reuse: trace, or reuse: { share: ${sig(r.followUpHistoryShare * 100)}%, follow_ups: ${sig(r.followUpShare * 100)}% }`,
      `  between turns the histories hold ${formatCount(r.idleHistoryTokens)} tokens on average: the KV a prefix cache keeps to find them (the fleet's, at the trace's rate)`,
    );
  }
  const b = summary.prefixBlocks;
  if (b) {
    lines.push(`prefix blocks: ${sig(b.hitShare * 100)}% of prompt tokens are in ${b.blockTokens}-token blocks an earlier request had (what an unbounded prefix cache finds; ${grouped(b.distinctBlocks)} distinct blocks)`);
  }
  return lines;
}

/** A trace's summary as text: counts, rates, size percentiles and size histograms as charts. */
export function workloadText(file: string, summary: TraceSummary, skipped: number, skippedExamples: string[]): string {
  const window = formatDuration(summary.peakWindowSeconds);
  return [
    `${plainText(file)}: ${summary.requests} requests over ${formatDuration(summary.durationSeconds)}${skipped > 0 ? ` (${skipped} rows skipped)` : ''}`,
    ...skippedExamples.map((e) => `  skipped ${plainText(e)}`),
    `rate: mean ${sig(summary.meanRatePerSecond)}/s, peak ${sig(summary.peakRatePerSecond)}/s (p${summary.peakPercentile} of ${window} windows), inter-arrival CV ${sig(summary.interArrivalCv)} (within windows; 1 = Poisson)`,
    statsLine('input tokens', summary.input),
    statsLine('output tokens', summary.output),
    ...reuseLines(summary),
    '',
    ...histogramChart('input tokens', summary.inputHistogram),
    '',
    ...histogramChart('output tokens', summary.outputHistogram),
    '',
    ...hourlyChart(summary.hourly),
  ].join('\n');
}

/** The trace's rate per hour of the day as a chart (the shares `workload.profile: { from_trace: true }` plans with). */
function hourlyChart(hourly: TraceSummary['hourly']): string[] {
  const clock = hourly.clock === 'utc' ? 'UTC hour of day' : 'hours since the first request';
  if (!hourly.fractions) {
    const covered = hourly.coveredSeconds.filter((c) => c >= MIN_COVERED_SECONDS).length;
    return [`hourly profile (${clock}): none — the trace covers ${covered} of the 24 hours for half an hour or more; profile: { from_trace: true } needs a day`];
  }
  return [
    `hourly profile (${clock}; share of the busiest hour, what profile: { from_trace: true } plans with)`,
    ...hourly.fractions.map((f, h) => `  ${String(h).padStart(2, '0')} │${'█'.repeat(Math.max(f > 0 ? 1 : 0, Math.round(f * BAR_WIDTH)))} ${f.toFixed(2)} (${sig(hourly.ratesPerSecond[h])}/s)`),
  ];
}

/** A trace's summary as versioned JSON. */
export function workloadJson(file: string, summary: TraceSummary, skipped: number): object {
  const { joint, ...rest } = summary;
  return { version: 1, file, skipped, ...rounded(rest), jointCells: joint.length };
}

/** A copy with every number at 6 significant digits (stable, readable JSON). */
function rounded<T>(value: T): T {
  if (typeof value === 'number') return round6(value) as T;
  if (Array.isArray(value)) return value.map(rounded) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)])) as T;
  return value;
}
