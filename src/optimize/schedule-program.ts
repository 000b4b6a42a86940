import { groupInstances, groupRouting, groupsOf } from './formulation.js';
import type { PackingProblem } from './formulation.js';
import type { LinearConstraint, LinearProgram } from './lp.js';

/** What an instance of a pool costs per hour in each way it can be bought (absent: cannot be bought so). */
export interface PoolPrices {
  onDemand?: number;
  committed?: number;
  spot?: number;
}

/** A block of hours at one rate: its length and its rate as a share of the peak. */
export interface LoadBlock {
  startHour: number;
  hours: number;
  fraction: number;
}

/** The schedule problem: the peak plan's pools (as a packing problem) over blocks of the period. */
export interface ScheduleProblem {
  /** The pools (candidates) with the peak's slices, groups, load factor and limits. */
  packing: PackingProblem;
  prices: PoolPrices[];
  blocks: LoadBlock[];
  /** Hours an added instance starts before its block (weights load time), per pool. */
  leadHours: number[];
  minInstances: number;
  /**
   * The plan's instances per pool: what verification simulated and what fits the plan's machines
   * and node-local pairs. No block has more, and a block at the peak has exactly these.
   */
  peakCounts: number[];
}

/** Name of pool i's committed count (the same in every block). */
export const committedVar = (i: number) => `c${i}`;
/** Name of pool i's on-demand count in block b. */
export const onDemandVar = (i: number, b: number) => `o${i}_${b}`;
/** Name of pool i's spot count in block b. */
export const spotVar = (i: number, b: number) => `s${i}_${b}`;
/** Name of the share of slice group g pool i serves in block b. */
export const blockShareVar = (g: number, i: number, b: number) => `x${g}_${i}_${b}`;

/** Hours in the problem's period (24 or 168). */
export function periodHours(problem: ScheduleProblem): number {
  return problem.blocks.reduce((sum, b) => sum + b.hours, 0);
}

/**
 * The schedule MILP over the peak plan's pools, minimising the period's average cost per hour:
 *  - committed counts c_i, paid for every hour of the period; on-demand o_ib and spot s_ib per
 *    block, paid for the block's hours, and for the lead time of every instance added at the
 *    block's start (u_ib ≥ o_ib − o_i,b−1, cyclically: the period repeats), so a pool grows before
 *    the load does;
 *  - per block, every slice group served as at the peak (prefill and decode sides, pairing
 *    classes), at the block's rate: Σ_g f_b · load_gi · x_gib + r ≤ c_i + o_ib + s_ib, r the
 *    redundancy (every pool keeps its spares in every block);
 *  - s_ib ≤ r: a pool holds at most r spot instances, so losing all of them at once still leaves
 *    its load covered (no spot without redundancy);
 *  - c_i + o_ib + s_ib ≥ the minimum instances, and at most the plan's count (exactly it in a
 *    block at the peak: the fleet verification simulated, placed on the plan's machines and
 *    node-local pairs, which this program does not model); GPUs per type within availability and TDP within
 *    the power cap in every block; each block's cost per hour within the budget.
 * Capacities are the peak plan's (they do not depend on the rate); only the demand scales.
 */
export function scheduleProgram(problem: ScheduleProblem): LinearProgram {
  const { packing, prices, blocks, leadHours } = problem;
  const { candidates } = packing;
  const redundancy = packing.redundancy ?? 0;
  const period = periodHours(problem);
  const objective: Record<string, number> = {};
  const constraints: LinearConstraint[] = [];
  const upper: Record<string, number> = {};
  const integers: string[] = [];
  const groups = groupsOf(packing);
  // Instances of pool i group g needs at the peak (undefined: the pool cannot serve it).
  const load = groups.map((group) => candidates.map((_, i) => groupInstances(packing, group.members, i)));
  const peakInstances = candidates.map((_, i) => Math.ceil(groups.reduce((sum, _g, g) => sum + (load[g][i] ?? 0), 0)) + redundancy + problem.minInstances);
  const add = (name: string, cost: number, bound: number) => {
    objective[name] = (objective[name] ?? 0) + cost;
    upper[name] = bound;
    integers.push(name);
  };
  candidates.forEach((_, i) => {
    if (prices[i].committed !== undefined) add(committedVar(i), prices[i].committed!, peakInstances[i]);
  });
  blocks.forEach((block, b) => {
    const weight = block.hours / period;
    const fleet = candidates.map((_, i) => {
      const terms: Record<string, number> = {};
      if (prices[i].committed !== undefined) terms[committedVar(i)] = 1;
      if (prices[i].onDemand !== undefined) {
        add(onDemandVar(i, b), prices[i].onDemand! * weight, peakInstances[i]);
        terms[onDemandVar(i, b)] = 1;
      }
      if (prices[i].spot !== undefined && redundancy > 0) {
        add(spotVar(i, b), prices[i].spot! * weight, redundancy);
        terms[spotVar(i, b)] = 1;
      }
      return terms;
    });
    const served: Array<Record<string, number>> = candidates.map(() => ({}));
    groups.forEach((_, g) => {
      const routing = groupRouting();
      candidates.forEach((c, i) => {
        const instances = load[g][i];
        if (instances === undefined) return;
        const name = blockShareVar(g, i, b);
        routing.add(c, name);
        served[i][name] = instances * block.fraction;
        // A share needs an instance, however small its load.
        constraints.push({ name: `link_${g}_${i}_${b}`, terms: { [name]: 1, ...negated(fleet[i]) }, max: 0 });
      });
      constraints.push(...routing.rows(g, `_${b}`));
    });
    candidates.forEach((_, i) => {
      constraints.push({ name: `cap_${i}_${b}`, terms: { ...served[i], ...negated(fleet[i]) }, max: -redundancy });
      if (problem.minInstances > 0) constraints.push({ name: `min_${i}_${b}`, terms: fleet[i], min: problem.minInstances });
      const peak = Math.max(problem.peakCounts[i], problem.minInstances);
      constraints.push({ name: `peak_${i}_${b}`, terms: fleet[i], ...(block.fraction >= 1 - 1e-9 ? { equal: peak } : { max: peak }) });
    });
    for (const [gpu, limit] of Object.entries(packing.availability).sort((x, y) => x[0].localeCompare(y[0]))) {
      const terms: Record<string, number> = {};
      candidates.forEach((c, i) => {
        if (c.gpu.id === gpu) for (const name of Object.keys(fleet[i])) terms[name] = (terms[name] ?? 0) + c.gpus;
      });
      if (Object.keys(terms).length > 0) constraints.push({ name: `avail_${gpu}_${b}`, terms, max: limit });
    }
    if (packing.powerCapWatts !== undefined) {
      const terms: Record<string, number> = {};
      candidates.forEach((c, i) => Object.keys(fleet[i]).forEach((name) => (terms[name] = c.powerWatts)));
      constraints.push({ name: `power_${b}`, terms, max: packing.powerCapWatts });
    }
    if (packing.maxCostPerHour !== undefined) {
      const terms: Record<string, number> = {};
      candidates.forEach((_, i) => {
        if (prices[i].committed !== undefined) terms[committedVar(i)] = prices[i].committed!;
        if (fleet[i][onDemandVar(i, b)]) terms[onDemandVar(i, b)] = prices[i].onDemand!;
        if (fleet[i][spotVar(i, b)]) terms[spotVar(i, b)] = prices[i].spot!;
      });
      constraints.push({ name: `budget_${b}`, terms, max: packing.maxCostPerHour });
    }
  });
  // Instances added at a block's start run (and are paid) for the lead time before it.
  if (blocks.length > 1) {
    candidates.forEach((_, i) => {
      if (!(leadHours[i] > 0)) return;
      blocks.forEach((_, b) => {
        const previous = (b + blocks.length - 1) % blocks.length;
        for (const [variable, price] of [
          [onDemandVar, prices[i].onDemand],
          [spotVar, redundancy > 0 ? prices[i].spot : undefined],
        ] as const) {
          if (price === undefined) continue;
          const growth = `${variable(i, b).replace(/^[os]/, (k) => (k === 'o' ? 'u' : 'v'))}`;
          objective[growth] = (price * leadHours[i]) / period;
          constraints.push({ name: `grow_${growth}`, terms: { [growth]: 1, [variable(i, b)]: -1, [variable(i, previous)]: 1 }, min: 0 });
        }
      });
    });
  }
  return { objective, constraints, integers, upper };
}

function negated(terms: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, -v]));
}
