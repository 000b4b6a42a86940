/**
 * Human units → SI numbers. Every quantity a person types ("500ms", "20/s", "8k", "80GB",
 * "$2.49/h") goes through here; inside the program everything is SI (seconds, requests/s,
 * tokens, bytes, bytes/s, watts, USD per hour).
 */

/** The kinds of quantity a spec or catalog may hold. */
export type QuantityKind =
  | 'duration'
  | 'rate'
  | 'tokens'
  | 'count'
  | 'bytes'
  | 'bandwidth'
  | 'power'
  | 'price'
  | 'percent'
  | 'percentile';

/** A parsed quantity, or the reason it could not be parsed. */
export type Parsed = { ok: true; value: number } | { ok: false; message: string };

const NUMBER = '([0-9]+(?:\\.[0-9]*)?(?:e[+-]?[0-9]+)?|\\.[0-9]+(?:e[+-]?[0-9]+)?)';
const HOURS_PER_MONTH = 730;

const DURATION_S: Record<string, number> = {
  ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hour: 3600, hours: 3600,
};
const PER_PERIOD_S: Record<string, number> = {
  s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hr: 3600, hour: 3600,
  d: 86400, day: 86400,
};
const SCALE: Record<string, number> = {
  '': 1, k: 1e3, K: 1e3, M: 1e6, B: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2,
};
const BYTE_PREFIX: Record<string, number> = {
  '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};
const POWER_W: Record<string, number> = { W: 1, w: 1, kW: 1e3, kw: 1e3, KW: 1e3, MW: 1e6 };
const PRICE_PERIOD_H: Record<string, number> = {
  h: 1, hr: 1, hour: 1, d: 24, day: 24, mo: HOURS_PER_MONTH, month: HOURS_PER_MONTH,
};

/** Examples shown to the user when a quantity of this kind cannot be read. */
export const UNIT_EXAMPLES: Record<QuantityKind, string> = {
  duration: 'a duration with a unit, e.g. 500ms, 0.5s or 2min',
  rate: 'a request rate, e.g. 20/s, 1200/min or 72000/h (a bare number means per second)',
  tokens: 'a token count, e.g. 1000, 8k or 1.5M (k = 1000, Ki = 1024)',
  count: 'a count, e.g. 8.03B, 405M or 70000000000',
  bytes: 'a size, e.g. 80GB, 80GiB or 512MB',
  bandwidth: 'a bandwidth, e.g. 3.35TB/s, 900GB/s or 400Gb/s (lower-case b = bits)',
  power: 'a power, e.g. 700W or 10kW',
  price: 'a price in USD, e.g. $2.49/h, 2.49 (per hour) or $1800/month',
  percent: 'a percentage, e.g. 10% or 10',
  percentile: 'a percentile, e.g. 90, p90 or 99.9',
};

function fail(kind: QuantityKind, raw: unknown): Parsed {
  const shown = typeof raw === 'string' ? `"${raw}"` : String(raw);
  return { ok: false, message: `expected ${UNIT_EXAMPLES[kind]}, got ${shown}` };
}

function finite(kind: QuantityKind, raw: unknown, value: number): Parsed {
  if (!Number.isFinite(value)) return fail(kind, raw);
  if (value < 0) return { ok: false, message: `must not be negative, got ${String(raw)}` };
  if (kind === 'percentile' && !(value > 0 && value < 100)) {
    return { ok: false, message: `a percentile lies between 0 and 100 (e.g. 90, p99 or 99.9), got ${String(raw)}` };
  }
  return { ok: true, value };
}

function match(re: string, text: string): RegExpMatchArray | null {
  return text.trim().match(new RegExp(`^${re}$`));
}

/** Parses one human-typed quantity of the given kind into its SI value. */
export function parseQuantity(kind: QuantityKind, raw: unknown): Parsed {
  if (typeof raw === 'number') return parseNumber(kind, raw);
  if (typeof raw !== 'string') return fail(kind, raw);
  const text = raw.trim();
  if (text.startsWith('-')) return { ok: false, message: `must not be negative, got "${raw}"` };
  const parsed = PARSERS[kind](text);
  return parsed === undefined ? fail(kind, raw) : finite(kind, raw, parsed);
}

function parseNumber(kind: QuantityKind, raw: number): Parsed {
  if (kind === 'duration') {
    return { ok: false, message: `give a unit: expected ${UNIT_EXAMPLES.duration}, got the bare number ${raw}` };
  }
  if (kind === 'tokens' && !Number.isInteger(raw)) {
    return { ok: false, message: `expected a whole number of tokens, got ${raw}` };
  }
  return finite(kind, raw, raw);
}

const PARSERS: Record<QuantityKind, (text: string) => number | undefined> = {
  duration(text) {
    const m = match(`${NUMBER}\\s*([a-zµ]+)`, text);
    const unit = m && DURATION_S[m[2]];
    return m && unit ? Number(m[1]) * unit : undefined;
  },
  rate(text) {
    const m = match(`${NUMBER}\\s*(k|K|M)?\\s*(?:(?:req|reqs|requests?)\\s*)?(?:/\\s*|per\\s+)([a-z]+)`, text);
    if (m) {
      const period = PER_PERIOD_S[m[3]];
      return period ? (Number(m[1]) * SCALE[m[2] ?? '']) / period : undefined;
    }
    const rps = match(`${NUMBER}\\s*(k|K)?\\s*(rps|qps|rpm)?`, text);
    if (rps) return (Number(rps[1]) * SCALE[rps[2] ?? '']) / (rps[3] === 'rpm' ? 60 : 1);
    return undefined;
  },
  tokens(text) {
    const m = match(`${NUMBER}\\s*(k|K|M|Ki|Mi)?\\s*(?:tokens?)?`, text);
    if (!m) return undefined;
    const value = Number(m[1]) * SCALE[m[2] ?? ''];
    return Number.isInteger(Math.round(value * 1e6) / 1e6) ? Math.round(value) : undefined;
  },
  count(text) {
    const m = match(`${NUMBER}\\s*(k|K|M|B|T)?`, text);
    return m ? Number(m[1]) * SCALE[m[2] ?? ''] : undefined;
  },
  bytes(text) {
    const m = match(`${NUMBER}\\s*(k|K|M|G|T|P|Ki|Mi|Gi|Ti)?B`, text);
    return m ? Number(m[1]) * BYTE_PREFIX[m[2] ?? ''] : undefined;
  },
  bandwidth(text) {
    const m = match(`${NUMBER}\\s*(k|K|M|G|T|Ki|Mi|Gi|Ti)?(B|b)(?:/s|ps)`, text);
    if (!m) return undefined;
    return (Number(m[1]) * BYTE_PREFIX[m[2] ?? '']) / (m[3] === 'b' ? 8 : 1);
  },
  power(text) {
    const m = match(`${NUMBER}\\s*(W|w|kW|kw|KW|MW)`, text);
    return m ? Number(m[1]) * POWER_W[m[2]] : undefined;
  },
  price(text) {
    const m = match(`\\$?\\s*${NUMBER}\\s*(?:\\$|USD|usd)?\\s*(?:(?:/\\s*|per\\s+)([a-z]+))?`, text);
    if (!m) return undefined;
    const hours = PRICE_PERIOD_H[m[2] ?? 'h'];
    return hours ? Number(m[1]) / hours : undefined;
  },
  percent(text) {
    const m = match(`${NUMBER}\\s*%?`, text);
    return m ? Number(m[1]) : undefined;
  },
  percentile(text) {
    const m = match(`(?:p|P)?${NUMBER}\\s*%?`, text);
    return m ? Number(m[1]) : undefined;
  },
};
