/** A seeded pseudo-random generator of numbers in (0, 1) (mulberry32): same seed, same sequence. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}

/** A standard normal sample (Box–Muller). */
function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(rng())) * Math.cos(2 * Math.PI * rng());
}

/** A gamma sample of the given shape and unit scale (Marsaglia–Tsang; boosted below shape 1). */
export function gamma(rng: () => number, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rng();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * A gap between arrivals with the given mean and coefficient of variation: exponential for
 * cv = 1 (Poisson), gamma of shape 1/cv² otherwise (bursty above 1, smoother below).
 */
export function interArrival(rng: () => number, meanGap: number, cv: number): number {
  if (cv === 1) return -meanGap * Math.log(rng());
  const shape = 1 / (cv * cv);
  return gamma(rng, shape) * (meanGap / shape);
}
