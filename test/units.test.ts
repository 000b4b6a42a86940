import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../src/input/units.js';
import type { QuantityKind } from '../src/input/units.js';

const value = (kind: QuantityKind, raw: unknown) => {
  const parsed = parseQuantity(kind, raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};
const message = (kind: QuantityKind, raw: unknown) => {
  const parsed = parseQuantity(kind, raw);
  return parsed.ok ? undefined : parsed.message;
};

describe('human units', () => {
  it('reads durations in any common unit', () => {
    expect(value('duration', '500ms')).toBeCloseTo(0.5);
    expect(value('duration', '0.5s')).toBeCloseTo(0.5);
    expect(value('duration', '2 min')).toBe(120);
    expect(value('duration', '40us')).toBeCloseTo(40e-6);
  });

  it('refuses a bare number as a duration, since 500 could mean ms or s', () => {
    expect(message('duration', 500)).toMatch(/give a unit/);
  });

  it('reads rates per second, minute and hour', () => {
    expect(value('rate', '20/s')).toBe(20);
    expect(value('rate', '72000/h')).toBe(20);
    expect(value('rate', '1200/min')).toBe(20);
    expect(value('rate', '20 req/s')).toBe(20);
    expect(value('rate', 20)).toBe(20);
    expect(value('rate', '1.2k/min')).toBe(20);
  });

  it('reads token counts with k = 1000 and Ki = 1024', () => {
    expect(value('tokens', '8k')).toBe(8000);
    expect(value('tokens', '8Ki')).toBe(8192);
    expect(value('tokens', '1.5M')).toBe(1_500_000);
    expect(value('tokens', 1000)).toBe(1000);
    expect(message('tokens', 10.5)).toMatch(/whole number/);
  });

  it('reads bytes (GB decimal, GiB binary) and bandwidth (B bytes, b bits)', () => {
    expect(value('bytes', '80GB')).toBe(80e9);
    expect(value('bytes', '80GiB')).toBe(80 * 1024 ** 3);
    expect(value('bandwidth', '3.35TB/s')).toBe(3.35e12);
    expect(value('bandwidth', '400Gb/s')).toBe(50e9);
    expect(value('bandwidth', '100Gbps')).toBe(12.5e9);
  });

  it('reads prices per hour, day and month', () => {
    expect(value('price', '$2.49/h')).toBeCloseTo(2.49);
    expect(value('price', 2.49)).toBeCloseTo(2.49);
    expect(value('price', '$1825/month')).toBeCloseTo(2.5);
    expect(value('price', '$60/day')).toBeCloseTo(2.5);
  });

  it('reads power and percentiles', () => {
    expect(value('power', '700W')).toBe(700);
    expect(value('power', '20kW')).toBe(20_000);
    expect(value('percentile', 'p99')).toBe(99);
    expect(value('percentile', '99.9')).toBe(99.9);
    expect(message('percentile', 100)).toMatch(/between 0 and 100/);
  });

  it('refuses negative, unknown and non-finite values with the expected form', () => {
    expect(message('rate', '-20/s')).toMatch(/negative/);
    expect(message('rate', -1)).toMatch(/negative/);
    expect(message('rate', '20/fortnight')).toMatch(/e\.g\. 20\/s/);
    expect(message('bytes', '80 gallons')).toMatch(/e\.g\. 80GB/);
    expect(message('rate', Number.NaN)).toBeDefined();
    expect(message('tokens', 'infinity')).toBeDefined();
  });
});
