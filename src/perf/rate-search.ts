/** One evaluation of a load level: whether it holds, and by how much (≤ 0 holds, > 0 fails; NaN: unknown). */
export interface RateProbe<P> {
  point: P;
  holds: boolean;
  /** A margin that grows with the rate and crosses 0 near the limit (say, the log of the worst value over its limit). */
  margin: number;
}

/** Where a rate search ends: the highest rate of the grid that holds (0: none above 1e-6), and the next one up, which fails. */
export interface RateLimit {
  rate: number;
  above: number;
}

/** The bracket a search narrows: `lo` holds, `hi` fails (or is the search's ceiling). */
interface RateBracket<P> {
  lo: number;
  hi: number;
  atLo?: RateProbe<P>;
  atHi: RateProbe<P>;
}

/** The highest rate the search looks at. */
const CEILING = 1e9;
/** Below this a rate is taken as 0 (the idle point holds there). */
const FLOOR = 1e-6;
/** The bracket's relative width when the search stops. */
const TOLERANCE = 1e-3;
/** The grid the answer is read on: rates (1 + 2⁻¹⁰)^k, a step just under the tolerance. */
const GRID_STEP = Math.log1p(2 ** -10);
const gridRate = (k: number) => Math.exp(k * GRID_STEP);
/** The first step out from the guess, in log-rate (×1.065), and the largest (×1000): steps double in between. */
const FIRST_STEP = 1 / 16;
const MAX_STEP = Math.log(1000);

/**
 * The highest rate at which `probe` holds, on a geometric grid of step 0.098% — for a probe
 * that holds at low rates and fails beyond one limit, the same rate whatever the search's path
 * (so of two models, the one that holds wherever the other does never comes out lower). Found by
 * narrowing a bracket (see narrowBracket) from `guess` and reading the grid inside it.
 */
export function highestHoldingRate<P>(probe: (rate: number) => RateProbe<P>, guess = 1): RateLimit {
  const { lo, hi, atHi } = narrowBracket(probe, guess);
  if (lo === 0) return { rate: 0, above: gridRate(Math.ceil(Math.log(FLOOR) / GRID_STEP)) };
  if (atHi.holds) return { rate: hi, above: hi };
  // The grid's points inside the bracket, from the top: the first that holds (else the one at or below lo).
  let k = Math.ceil(Math.log(hi) / GRID_STEP) - 1;
  while (gridRate(k) >= hi) k--;
  while (gridRate(k) > lo && !probe(gridRate(k)).holds) k--;
  return { rate: gridRate(k), above: gridRate(k + 1) };
}

/**
 * A bracket of the highest rate at which `probe` holds, to a relative 1e-3. Starts at `guess`
 * (say, the limit of a neighbouring slice), tries the next grid rate up where it holds, and steps
 * out by growing factors to a bracket (most limits lie within 10% of a neighbour's), then narrows it
 * by regula falsi on the probe's margin with the Illinois modification (bisection where the
 * margin says nothing, and after a step that did not halve the bracket), each step kept at least
 * a fifth of the tolerance inside the bracket, so a good estimate closes it from both sides: a
 * handful of probes where bisection from 1 takes 15–20.
 */
function narrowBracket<P>(probe: (rate: number) => RateProbe<P>, guess: number): RateBracket<P> {
  let x = Number.isFinite(guess) && guess > FLOOR ? Math.min(guess, CEILING) : 1;
  let first = probe(x);
  let lo = 0;
  let hi: number;
  let atLo: RateProbe<P> | undefined;
  let atHi: RateProbe<P>;
  // Steps out from the guess grow geometrically in log-rate: ×1.065, ×1.13, ×1.28, ×1.65, ×2.7, …
  let step = FIRST_STEP;
  const grow = () => {
    const factor = Math.exp(step);
    step = Math.min(2 * step, MAX_STEP);
    return factor;
  };
  if (first.holds) {
    lo = x;
    atLo = first;
    // A neighbouring slice's capacity is often this one's to the grid step (a third of the
    // searches on the examples): the next grid rate up is tried first.
    let next = gridRate(Math.round(Math.log(x) / GRID_STEP) + 1);
    for (;;) {
      if (x >= CEILING) return { lo, hi: x, atLo, atHi: first };
      x = Math.min(CEILING, Math.max(next, x * Math.exp(GRID_STEP)));
      first = probe(x);
      if (!first.holds) break;
      lo = x;
      atLo = first;
      next = x * grow();
    }
    hi = x;
    atHi = first;
  } else {
    hi = x;
    atHi = first;
    for (;;) {
      x /= grow();
      if (x < FLOOR) break;
      const p = probe(x);
      if (p.holds) {
        lo = x;
        atLo = p;
        break;
      }
      hi = x;
      atHi = p;
    }
  }
  // The Illinois step: the end that stays put twice running has its margin halved.
  let kept: 'lo' | 'hi' | undefined;
  let marginLo = atLo?.margin ?? Number.NaN;
  let marginHi = atHi.margin;
  // A step that did not halve the bracket (a margin on a plateau, say) is followed by a bisection.
  let slow = false;
  for (let i = 0; i < 60 && hi - lo > TOLERANCE * hi; i++) {
    const width = hi - lo;
    const inside = 0.2 * TOLERANCE * hi;
    const interpolates: boolean = !slow && Number.isFinite(marginLo) && Number.isFinite(marginHi) && marginLo < 0 && marginHi > 0;
    const estimate = interpolates ? lo + (width * -marginLo) / (marginHi - marginLo) : lo + width / 2;
    const rate = Math.min(hi - inside, Math.max(lo + inside, estimate));
    const p = probe(rate);
    if (p.holds) {
      lo = rate;
      atLo = p;
      marginLo = p.margin;
      if (kept === 'hi') marginHi /= 2;
      kept = 'hi';
    } else {
      hi = rate;
      atHi = p;
      marginHi = p.margin;
      if (kept === 'lo') marginLo /= 2;
      kept = 'lo';
    }
    slow = interpolates && hi - lo > width / 2;
  }
  return { lo, hi, ...(atLo ? { atLo } : {}), atHi };
}
