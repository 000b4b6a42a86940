import { afterAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../src/optimize/candidates.js';
import { countVar, packingProgram } from '../src/optimize/formulation.js';
import type { PackingProblem } from '../src/optimize/formulation.js';
import { violations } from '../src/optimize/lp.js';
import { pruneDominated } from '../src/optimize/prune.js';
import { solveFleet } from '../src/optimize/solve-fleet.js';
// The solvers run in worker threads, which load the built JavaScript (npm test builds first).
import { createSolver } from '../dist/optimize/solver.js';
import type { SolverName } from '../dist/optimize/solver.js';
import type { Slice } from '../src/workload/slices.js';

const solvers = { highs: createSolver('highs'), 'javascript-lp-solver': createSolver('javascript-lp-solver') };
afterAll(async () => Promise.all(Object.values(solvers).map((s) => s.close())));

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Role = Candidate['role'];

/** A random small packing problem: a few slices, a few candidates of two GPU types and all roles. */
function randomProblem(seed: number, limits: Partial<PackingProblem> = {}): PackingProblem {
  const random = rng(seed);
  const slices = Array.from({ length: 2 + Math.floor(random() * 2) }, (_, s) => ({ id: `s${s + 1}`, ratePerSecond: 0.5 + random() * 3 }) as Slice);
  const roles: Role[] = ['colocated', 'prefill', 'decode'];
  const candidates = Array.from({ length: 4 }, (_, i) => {
    const gpus = 1 + Math.floor(random() * 2);
    // The first candidate (colocated) serves every slice, so every instance has some plan.
    const capacity = new Map(
      slices.filter(() => i === 0 || random() > 0.2).map((s) => [s.id, { ratePerSecond: 0.4 + random() * 2.5 }]),
    );
    return {
      id: `c${i}`,
      role: roles[i % 3],
      gpu: { id: i % 2 === 0 ? 'alpha' : 'beta', price: { usdPerHour: 1 } },
      gpus,
      costPerHour: gpus * (1 + Math.round(random() * 3)),
      powerWatts: gpus * 500,
      capacity,
    } as unknown as Candidate;
  });
  return { slices, candidates, loadFactor: 0.9, availability: {}, ...limits };
}

/** The cheapest counts (each 0..max) whose traffic can be routed: every count vector, cheapest first. */
async function exhaustive(problem: PackingProblem, max: number, solver: SolverName): Promise<number | undefined> {
  const m = problem.candidates.length;
  const vectors = Array.from({ length: (max + 1) ** m }, (_, code) => Array.from({ length: m }, (__, i) => Math.floor(code / (max + 1) ** i) % (max + 1)));
  const costOf = (counts: number[]) => counts.reduce((sum, n, i) => sum + n * problem.candidates[i].costPerHour, 0);
  vectors.sort((a, b) => costOf(a) - costOf(b));
  for (const counts of vectors) {
    const cost = costOf(counts);
    const full = packingProgram(problem);
    const values = Object.fromEntries(counts.map((n, i) => [countVar(i), n]));
    const limitsHold = full.constraints
      .filter((c) => c.name.startsWith('avail') || c.name === 'budget' || c.name === 'power')
      .every((c) => violations({ ...full, constraints: [c] }, values).length === 0);
    if (!limitsHold) continue;
    const routing = await solvers[solver].solve(packingProgram(problem, counts), { timeLimitSeconds: 10, relax: true });
    if (routing.status === 'optimal') return cost;
  }
  return undefined;
}

describe('the packing MILP', () => {
  for (const solver of ['highs', 'javascript-lp-solver'] as const) {
    it(`finds the cost an exhaustive search finds, on small random instances (${solver})`, async () => {
      let compared = 0;
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const limits = seed % 3 === 0 ? { availability: { alpha: 4 } } : seed % 3 === 1 ? { maxCostPerHour: 40 } : {};
        const problem = randomProblem(seed, limits);
        const expected = await exhaustive(problem, 3, solver);
        const fleet = await solveFleet(problem, solvers[solver], 10);
        if (expected === undefined) {
          // Nothing within 3 instances per candidate: the solver's plan, if any, needs more.
          if ('counts' in fleet) expect(Math.max(...fleet.counts), `seed ${seed}`).toBeGreaterThan(3);
          continue;
        }
        expect('counts' in fleet, `seed ${seed}: ${'reason' in fleet ? fleet.reason : ''}`).toBe(true);
        if (!('counts' in fleet)) continue;
        // Never worse than the best bounded plan; equal to it when the MILP's plan is within the bound.
        expect(fleet.costPerHour, `seed ${seed}`).toBeLessThanOrEqual(expected + 1e-9);
        if (Math.max(...fleet.counts) <= 3) {
          compared++;
          expect(fleet.costPerHour, `seed ${seed}`).toBeCloseTo(expected, 6);
        }
      }
      expect(compared).toBeGreaterThanOrEqual(5);
    }, 60_000);
  }

  it('bounds each count by the instances its candidate needs to serve alone all it can, and checks the bound', () => {
    const problem = randomProblem(3);
    const lp = packingProgram(problem);
    problem.candidates.forEach((c, i) => {
      const alone = problem.slices.reduce((sum, s) => {
        const capacity = c.capacity.get(s.id)?.ratePerSecond ?? 0;
        return capacity > 0 ? sum + s.ratePerSecond / (capacity * problem.loadFactor) : sum;
      }, 0);
      expect(lp.upper?.[countVar(i)]).toBe(Math.ceil(alone));
    });
    expect(violations(lp, { [countVar(0)]: lp.upper![countVar(0)] + 1 })).toContain(`${countVar(0)} = ${lp.upper![countVar(0)] + 1} > ${lp.upper![countVar(0)]}`);
  });

  it('says so when the limits leave no plan', async () => {
    const problem = randomProblem(7, { maxCostPerHour: 0.5 });
    const fleet = await solveFleet(problem, solvers.highs, 10);
    expect(fleet).toMatchObject({ status: 'infeasible' });
  });
});

describe('the solver\'s work limit', () => {
  /** A small market-split program (two equality rows over 30 binaries): hard for branch and bound. */
  function marketSplit(seed: number) {
    const random = rng(seed);
    const n = 30;
    const x0 = Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
    const constraints = Array.from({ length: 2 }, (_, k) => {
      const a = Array.from({ length: n }, () => Math.floor(random() * 100));
      return { name: `r${k}`, terms: Object.fromEntries(a.map((v, i) => [`x${i}`, v])), equal: a.reduce((t, v, i) => t + v * x0[i], 0) };
    });
    const names = Array.from({ length: n }, (_, i) => `x${i}`);
    return { objective: Object.fromEntries(names.map((name) => [name, Math.floor(random() * 20)])), constraints, integers: names, upper: Object.fromEntries(names.map((name) => [name, 1])) };
  }

  it('stops HiGHS at a node count, not a clock: the same best answer every time, marked work-limit', async () => {
    const lp = marketSplit(3);
    const limited = [await solvers.highs.solve(lp, { timeLimitSeconds: 60, nodeLimit: 50 }), await solvers.highs.solve(lp, { timeLimitSeconds: 60, nodeLimit: 50 })];
    expect(limited.map((r) => r.status)).toEqual(['work-limit', 'work-limit']);
    expect(limited[1]!.values).toEqual(limited[0]!.values);
    expect(violations(lp, limited[0]!.values)).toEqual([]);
    const full = await solvers.highs.solve(lp, { timeLimitSeconds: 60 });
    expect(full.status).toBe('optimal');
    expect(full.objective).toBeLessThanOrEqual(limited[0]!.objective + 1e-9);
  });
});

describe('closing the solver', () => {
  it('answers the solves still running, waiting for a thread or asked for later as failed, at once', async () => {
    const solver = createSolver('highs', 1);
    // A market-split program HiGHS does not finish within the test: one solves, one waits for the thread.
    const hard = (() => {
      const random = rng(11);
      const names = Array.from({ length: 60 }, (_, i) => `x${i}`);
      const constraints = Array.from({ length: 4 }, (_, k) => {
        const a = names.map(() => Math.floor(random() * 1000));
        return { name: `r${k}`, terms: Object.fromEntries(a.map((v, i) => [names[i], v])), equal: a.reduce((t, v, i) => t + v * (i % 2), 0) };
      });
      return { objective: Object.fromEntries(names.map((n) => [n, 1])), constraints, integers: names, upper: Object.fromEntries(names.map((n) => [n, 1])) };
    })();
    const running = solver.solve(hard, { timeLimitSeconds: 600, nodeLimit: 1e9 });
    const queued = solver.solve(hard, { timeLimitSeconds: 600, nodeLimit: 1e9 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    await solver.close();
    expect((await running).status).toBe('failed');
    expect((await queued).status).toBe('failed');
    expect(performance.now() - started).toBeLessThan(5_000);
    // What a caller asks after closing (a fallback of the abandoned solve) starts no thread.
    const easy = { objective: { x: 1 }, constraints: [{ name: 'c', terms: { x: 1 }, min: 2 }], integers: ['x'] };
    const later = performance.now();
    expect((await solver.solve(easy, { timeLimitSeconds: 10 })).status).toBe('failed');
    expect(performance.now() - later).toBeLessThan(50);
    // A solve that took a free thread just before the close, still between its steps.
    const fresh = createSolver('highs', 1);
    const racing = fresh.solve(easy, { timeLimitSeconds: 10 });
    const closing = performance.now();
    await fresh.close();
    expect((await racing).status).toBe('failed');
    expect(performance.now() - closing).toBeLessThan(5_000);
  });
});

describe('pruning', () => {
  const slice = (id: string) => ({ id, ratePerSecond: 1 }) as Slice;
  const candidate = (id: string, cost: number, rates: number[], gpu = 'g') =>
    ({ id, role: 'colocated', gpu: { id: gpu, price: { usdPerHour: cost } }, gpus: 1, costPerHour: cost, powerWatts: 100, capacity: new Map(rates.map((r, i) => [`s${i + 1}`, { ratePerSecond: r }])) }) as unknown as Candidate;
  const context = { limitedTypes: new Set<string>(), powerCapped: false, loadFactor: 1 };

  it('drops a candidate that costs more per request on every slice and more per instance', () => {
    const kept = pruneDominated([candidate('cheap', 1, [2, 2]), candidate('dear', 2, [2, 3])], ['s1', 's2'], context);
    expect(kept.map((c) => c.id)).toEqual(['cheap']);
  });

  it('keeps a candidate that is best on one slice, or that another type with a limit dominates', () => {
    expect(pruneDominated([candidate('a', 1, [2, 1]), candidate('b', 2, [2, 5])], ['s1', 's2'], context).map((c) => c.id)).toEqual(['a', 'b']);
    const limited = { ...context, limitedTypes: new Set(['x']) };
    expect(pruneDominated([candidate('a', 1, [2, 2], 'x'), candidate('b', 2, [2, 3], 'y')], ['s1', 's2'], limited).map((c) => c.id)).toEqual(['a', 'b']);
  });

  void slice;
});
