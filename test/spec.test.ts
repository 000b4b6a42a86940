import { describe, expect, it } from 'vitest';
import { formatIssue } from '../src/input/issues.js';
import { MINIMAL_SPEC, specFromText } from './helpers.js';

/** The issues of a spec as `line:col: message` strings. */
function problems(text: string): string[] {
  return specFromText(text).issues.map((issue) => formatIssue(issue).replace(/^spec\.yaml:/, ''));
}

describe('a valid spec', () => {
  it('resolves the minimal README spec into SI units with defaults', () => {
    const spec = specFromText(MINIMAL_SPEC).value!;
    expect(spec.model.id).toBe('llama-3.1-8b');
    expect(spec.totalRatePerSecond).toBe(20);
    expect(spec.classes).toHaveLength(1);
    expect(spec.classes[0].input).toEqual({ kind: 'fixed', tokens: 1000 });
    expect(spec.classes[0].slo.ttft).toEqual({ maxSeconds: 0.5, percentile: 90 });
    expect(spec.classes[0].slo.tpot).toEqual({ maxSeconds: 0.05, percentile: 90 });
    expect(spec.precision).toEqual({ weights: 'bf16', kvCache: 'bf16' });
    expect(spec.planning.disaggregation).toBe('auto');
    expect(spec.planning.gpus).toContain('h100-sxm');
  });

  it('splits the rate by class shares and applies per-class SLO overrides', () => {
    const spec = specFromText(`model: meta-llama/Llama-3.1-70B-Instruct
workload:
  rate: 72000/h
  classes:
    - { name: chat, share: 75%, input_tokens: 1k, output_tokens: 200 }
    - { name: batch, share: 0.25, input_tokens: 8k, output_tokens: 1k, slo: { ttft: 30s } }
slo: { ttft: 1s, tpot: 50ms, percentile: p95 }
`).value!;
    expect(spec.classes.map((c) => c.ratePerSecond)).toEqual([15, 5]);
    expect(spec.classes[1].slo.ttft).toEqual({ maxSeconds: 30, percentile: 95 });
    expect(spec.classes[1].slo.tpot).toEqual({ maxSeconds: 0.05, percentile: 95 });
  });

  it('reads distributions and histograms of request sizes', () => {
    const spec = specFromText(`model: llama-3.1-8b
workload:
  rate: 5/s
  input_tokens: { distribution: lognormal, median: 800, sigma: 0.9, max: 8k }
  output_tokens:
    histogram: [{ tokens: 100, weight: 1 }, { min: 200, max: 400, weight: 3 }]
slo: { tpot: 50ms }
`).value!;
    expect(spec.classes[0].input).toEqual({ kind: 'lognormal', median: 800, sigma: 0.9, min: 1, max: 8000 });
    expect(spec.classes[0].output).toEqual({
      kind: 'histogram',
      bins: [{ min: 100, max: 100, weight: 0.25 }, { min: 200, max: 400, weight: 0.75 }],
    });
  });

  it('takes an inline architecture instead of a preset', () => {
    const spec = specFromText(`model: { id: tiny, layers: 2, hidden_size: 256, heads: 4, ffn_size: 1024, vocab_size: 1000 }
workload: { rate: 1/s, input_tokens: 10, output_tokens: 10 }
slo: { ttft: 1s }
`).value!;
    expect(spec.model).toMatchObject({ id: 'tiny', kvHeads: 4, headDim: 64, attention: 'mha' });
  });
});

describe('problems are reported at their line and column', () => {
  it('points at the offending value for a bad unit, and at the key for an unknown field', () => {
    expect(problems(MINIMAL_SPEC.replace('rate: 20/s', 'rate: 20 per fortnight'))).toEqual([
      expect.stringMatching(/^3:9: workload\.rate: expected a request rate/),
    ]);
    expect(problems(MINIMAL_SPEC.replace('  percentile: 90', '  percentile: 90\n  tpto: 40ms'))).toEqual([
      expect.stringMatching(/^10:3: slo\.tpto: unknown field "tpto" \(did you mean "tpot"\?\)/),
    ]);
  });

  it('reports every problem at once, schema and names together', () => {
    const text = MINIMAL_SPEC.replace('llama-3.1-8b', 'llama-3.1-8bb').replace('ttft: 500ms', 'ttft: 500').replace('percentile: 90', 'percentile: 190');
    expect(problems(text)).toEqual([
      expect.stringMatching(/^1:8: model: unknown model "llama-3.1-8bb" \(did you mean "llama-3.1-8b"/),
      expect.stringMatching(/^7:9: slo\.ttft: give a unit/),
      expect.stringMatching(/^9:15: slo\.percentile: a percentile lies between 0 and 100/),
    ]);
  });

  it('points at the parent mapping for a missing field', () => {
    const text = MINIMAL_SPEC.replace('slo:\n  ttft: 500ms\n  tpot: 50ms\n  percentile: 90\n', 'slo:\n  percentile: 90\n');
    expect(problems(text)).toEqual([expect.stringMatching(/^6:1: slo: needs at least one of ttft, tpot, e2e/)]);
    expect(problems('workload: { rate: 1/s }\nslo: { ttft: 1s }\n')).toEqual([expect.stringMatching(/^1:1: missing required field "model"/)]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problems('model: x\nworkload: [\n')).toEqual([expect.stringMatching(/^3:1: YAML syntax:/)]);
    expect(problems('model: a\nmodel: b\n')).toEqual([expect.stringMatching(/^2:1: YAML syntax: Map keys must be unique/)]);
  });

  it('refuses a negative or zero rate, unknown GPU ids and bad shares', () => {
    expect(problems(MINIMAL_SPEC.replace('20/s', '-3/s'))[0]).toMatch(/^3:9: workload\.rate: must not be negative/);
    expect(problems(MINIMAL_SPEC.replace('20/s', '0/s'))[0]).toMatch(/^3:9: workload\.rate: must be more than 0/);
    expect(problems(`${MINIMAL_SPEC}planning:\n  gpus: [h100-sxm, a100-80gbb]\n`)).toEqual([
      expect.stringMatching(/^11:20: planning\.gpus\[1\]: unknown GPU type "a100-80gbb" \(did you mean "a100-80gb"/),
    ]);
    const shares = `model: llama-3.1-8b
workload:
  rate: 10/s
  classes:
    - { share: 0.5, input_tokens: 100, output_tokens: 10 }
    - { share: 0.3, input_tokens: 100, output_tokens: 10 }
slo: { ttft: 1s }
`;
    expect(problems(shares)).toEqual([expect.stringMatching(/^4:3: workload\.classes: the class shares sum to 0\.8, expected 1/)]);
  });

  it('refuses requests longer than the model context', () => {
    const text = MINIMAL_SPEC.replace('model: llama-3.1-8b', 'model: llama-2-7b').replace('input_tokens: 1000', 'input_tokens: 8k');
    expect(problems(text)).toEqual([expect.stringMatching(/^2:1: workload: requests of up to 8200 tokens .* context window of llama-2-7b \(4096 tokens\)/)]);
  });

  it('reports distributions missing their parameters', () => {
    const text = MINIMAL_SPEC.replace('input_tokens: 1000', 'input_tokens: { distribution: normal, mean: 500 }');
    expect(problems(text)).toEqual([expect.stringMatching(/^4:3: workload\.input_tokens: a normal distribution needs stddev/)]);
  });
});
