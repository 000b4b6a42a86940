/** One evaluation of a load level: whether it holds, and by how much (≤ 0 holds, > 0 fails; NaN: unknown). */
export interface RateProbe<P> {
  point: P;
  holds: boolean;
  /** A margin that grows with the rate and crosses 0 near the limit: the log of the worst value over its limit. */
  margin: number;
}

/** Where a rate search ends: the highest rate of the grid that holds (0: none above 1e-6), and the next one up, which fails. */
export interface RateLimit {
  rate: number;
  above: number;
}

/** The highest rate the search looks at. */
const CEILING = 1e9;
/** Below this a rate is taken as 0 (the idle point holds there). */
const FLOOR = 1e-6;
/** The grid the answer is read on: rates (1 + 2⁻¹⁰)^k, steps of 0.098%. */
const GRID_STEP = Math.log1p(2 ** -10);
const gridRate = (k: number) => Math.exp(k * GRID_STEP);
const gridIndex = (rate: number) => Math.log(rate) / GRID_STEP;
/** The grid's lowest and highest indices; one above the highest stands for the ceiling itself. */
const LOWEST = Math.ceil(gridIndex(FLOOR));
const HIGHEST = Math.floor(gridIndex(CEILING));
/** The first step out from the guess after the next grid rate (64 steps, ×1.065), and the largest (×1000): steps double in between. */
const FIRST_STEP = 64;
const MAX_STEP = Math.ceil(gridIndex(1000));
/** ITP's truncation (κ₁ relative to the first bracket, κ₂) and slack over bisection's probe count (n₀). */
const KAPPA_1 = 0.1;
const KAPPA_2 = 2;
const SLACK = 2;

/** A probed grid index: whether it held, and its margin as the interpolated value 1 − e^(−margin). */
interface Probed {
  k: number;
  holds: boolean;
  value: number;
}

/**
 * The highest rate at which `probe` holds, on a geometric grid of step 0.098% — for a probe
 * that holds at low rates and fails beyond one limit, the same rate whatever the search's path
 * (so of two models, the one that holds wherever the other does never comes out lower). From
 * `guess` (say, the limit of a neighbouring slice) it tries the next grid rate up where the
 * guess holds, steps out by growing factors to a bracket (most limits lie within 10% of a
 * neighbour's), then narrows the bracket to one grid step by ITP (see narrow).
 */
export function highestHoldingRate<P>(probe: (rate: number) => RateProbe<P>, guess = 1): RateLimit {
  const at = (k: number): Probed => {
    const p = probe(k > HIGHEST ? CEILING : gridRate(k));
    return { k, holds: p.holds, value: interpolated(p) };
  };
  const start = Number.isFinite(guess) && guess > FLOOR ? Math.max(LOWEST, Math.min(HIGHEST, Math.round(gridIndex(Math.min(guess, CEILING))))) : 0;
  let lo: Probed;
  let hi: Probed;
  const first = at(start);
  if (first.holds) {
    lo = first;
    // A neighbouring slice's capacity is often this one's to the grid step (a third of the
    // searches on the examples): the next grid rate up is tried first.
    let step = 1;
    for (;;) {
      if (lo.k > HIGHEST) return { rate: CEILING, above: CEILING };
      const next = at(Math.min(lo.k + step, HIGHEST + 1));
      if (!next.holds) {
        hi = next;
        break;
      }
      lo = next;
      step = step === 1 ? FIRST_STEP : Math.min(2 * step, MAX_STEP);
    }
  } else {
    hi = first;
    let step = FIRST_STEP;
    for (;;) {
      if (hi.k === LOWEST) return { rate: 0, above: gridRate(LOWEST) };
      const next = at(Math.max(hi.k - step, LOWEST));
      if (next.holds) {
        lo = next;
        break;
      }
      hi = next;
      step = Math.min(2 * step, MAX_STEP);
    }
  }
  const k = narrow(at, lo, hi);
  return { rate: gridRate(k), above: gridRate(k + 1) };
}

/**
 * A margin as the value the search interpolates: 1 − e^(−margin), 1 minus the worst limit over
 * its value — linear in the rate where a latency grows like 1 / (1 − rate / limit), as a queue's
 * does, and 1 where a failing point's latency is unbounded; NaN where nothing is known.
 */
function interpolated(p: RateProbe<unknown>): number {
  if (Number.isFinite(p.margin)) return 1 - Math.exp(-p.margin);
  return p.holds ? Number.NaN : 1;
}

/**
 * The highest holding grid index of a bracket (`lo` holds, `hi` fails), by the ITP method
 * (Oliveira and Takahashi, ACM TOMS 2020): regula falsi on the interpolated margins in rate,
 * with the Illinois step, truncated toward the bracket's middle and projected into a shrinking
 * radius around it, so a search takes at most two probes more than bisection however the margin
 * misleads (n₀ = 2: on the examples 1 costs more probes than it saves), and fewer where it is
 * smooth.
 */
function narrow(at: (k: number) => Probed, lo: Probed, hi: Probed): number {
  const width = hi.k - lo.k;
  const kappa = KAPPA_1 / width;
  const most = Math.ceil(Math.log2(width)) + SLACK;
  let moved: 'lo' | 'hi' | undefined;
  for (let j = 0; hi.k - lo.k > 1; j++) {
    const a = lo.k;
    const b = hi.k;
    const middle = (a + b) / 2;
    const estimate = lo.value < 0 && hi.value > 0 ? regulaFalsi(lo, hi) : middle;
    const toward = Math.sign(middle - estimate);
    const delta = kappa * (b - a) ** KAPPA_2;
    const truncated = delta <= Math.abs(middle - estimate) ? estimate + toward * delta : middle;
    const radius = 2 ** (most - j - 1) - (b - a) / 2;
    const x = Math.abs(truncated - middle) <= radius ? truncated : middle - toward * radius;
    const p = at(Math.min(b - 1, Math.max(a + 1, Math.round(x))));
    // The Illinois step: an end that stays put twice running has its value halved.
    if (p.holds) {
      if (moved === 'lo') hi = { ...hi, value: hi.value / 2 };
      lo = p;
      moved = 'lo';
    } else {
      if (moved === 'hi') lo = { ...lo, value: lo.value / 2 };
      hi = p;
      moved = 'hi';
    }
  }
  return lo.k;
}

/** The grid index (not rounded) where the line through two probes' interpolated margins, in rate, crosses 0. */
function regulaFalsi(lo: Probed, hi: Probed): number {
  const x0 = gridRate(lo.k);
  const x1 = hi.k > HIGHEST ? CEILING : gridRate(hi.k);
  return gridIndex(x0 + ((x1 - x0) * -lo.value) / (hi.value - lo.value));
}
