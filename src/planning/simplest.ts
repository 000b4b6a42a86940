import type { PlanSimplicity } from '../plan/plan.js';
import { round6 } from '../plan/round.js';
import type { ServiceSpec } from '../input/types.js';
import { fleetShape } from './structures.js';
import type { Solved, Structure } from './structures.js';

type Found = Extract<Solved, { fleet: unknown }>;

/** The simplest plan within the spec's min_saving of the cheapest, and what it gave up. */
export interface Simplest {
  found: Found;
  simplicity: PlanSimplicity;
}

const cost = (s: Found) => s.fleet.costPerHour;

/**
 * Starts, beside the main solve, the steps the simplicity ladder takes first when the cheapest
 * fleet disaggregates (what most plans with both roles end with): the colocated-only fleet and,
 * when that has one vendor, one GPU type and several pools, the same with fewer pools, one at a
 * time, until `mainSolved` settles. They only fill `solveStructure`'s memo — the ladder asks in its
 * own order and reads only what it asks — so the plan is the same with or without them. The
 * colocated-only fleet is also a baseline (one memo entry for both); the steps after it queue with
 * the baselines on the solver's second thread while the main program solves on the first.
 */
export function anticipateColocatedSteps(candidates: ReadonlyArray<{ role: string }>, solveStructure: (s: Structure) => Promise<Solved>, mainSolved: Promise<unknown>): void {
  if (!candidates.some((c) => c.role === 'colocated') || !candidates.some((c) => c.role !== 'colocated')) return;
  let done = false;
  const finished = () => {
    done = true;
  };
  mainSolved.then(finished, finished);
  const chain = async () => {
    const colocated = await solveStructure({ colocatedOnly: true });
    if (done || !('fleet' in colocated)) return;
    const shape = fleetShape(colocated.problem, colocated.fleet);
    if (shape.vendors.length !== 1 || shape.gpuTypes.length !== 1) return;
    for (let k = 1; k < shape.pools && !done; k++) await solveStructure({ colocatedOnly: true, maxPools: k });
  };
  // Nobody awaits the chain: what it finds is asked for again (and then awaited) by the ladder.
  chain().catch(() => undefined);
}

/**
 * Simplicity is worth money: a plan may add disaggregation, a vendor, a GPU type or a pool only
 * when that saves at least `planning.min_saving` (m). With C the cheapest fleet found, every
 * plan within C / (1 − m) is acceptable, and among those the planner prefers — in this order —
 * colocated to disaggregated, fewer vendors, fewer GPU types, fewer pools, each step keeping what
 * the steps before it chose; the plan is the cheapest of the simplest structure. So nothing it
 * leaves out could have saved m or more against it.
 */
export async function simplestPlan(spec: ServiceSpec, initial: Found, solveStructure: (s: Structure) => Promise<Solved>): Promise<Simplest> {
  const m = spec.planning.minSaving;
  let cheapest = initial;
  let tolerance = 0;
  const settle = () => {
    tolerance = cost(cheapest) / (1 - m) + 1e-9 * Math.max(1, cost(cheapest));
  };
  settle();
  // Pruning is exact only up to an instance per pool: a restriction solved on its own may come
  // out cheaper than the whole set, and is then the cheapest fleet found.
  const solve = async (structure: Structure): Promise<Solved> => {
    const solved = await solveStructure(structure);
    if ('fleet' in solved && cost(solved) < cost(cheapest) - 1e-9) {
      cheapest = solved;
      settle();
    }
    return solved;
  };
  const within = (s: Solved): s is Found => 'fleet' in s && cost(s) <= tolerance;
  const best = (options: Solved[]) => options.filter(within).sort((a, b) => cost(a) - cost(b))[0];
  let chosen: Found = cheapest;
  let structure: Structure = {};
  const limits: string[] = [];
  const shape = () => fleetShape(chosen.problem, chosen.fleet);

  if (shape().disaggregated && chosen.problem.candidates.some((c) => c.role === 'colocated')) {
    const colocated = await solve({ colocatedOnly: true });
    if (within(colocated)) {
      [chosen, structure] = [colocated, { colocatedOnly: true }];
      limits.push('colocated');
    }
  }
  if (shape().vendors.length > 1) {
    const vendors = [...new Set(chosen.problem.candidates.map((c) => c.gpu.vendor))].sort();
    const one = best(await Promise.all(vendors.map((vendor) => solve({ ...structure, vendor }))));
    if (one) {
      structure = { ...structure, vendor: one.problem.candidates[0].gpu.vendor };
      chosen = one;
      limits.push('one vendor');
    }
  }
  const typesUsed = shape().gpuTypes.length;
  if (typesUsed > 1) {
    const types = [...new Set(chosen.problem.candidates.map((c) => c.gpu.id))].sort();
    const single = best(await Promise.all(types.map((gpu) => solve({ ...structure, gpus: [gpu] }))));
    if (single) {
      structure = { ...structure, gpus: [single.problem.candidates[0].gpu.id] };
      chosen = single;
      limits.push('1 GPU type');
    } else {
      for (let k = 2; k < typesUsed; k++) {
        const fewer = await solve({ ...structure, maxGpuTypes: k });
        if (within(fewer)) {
          structure = { ...structure, maxGpuTypes: k };
          chosen = fewer;
          limits.push(`${k} GPU types`);
          break;
        }
      }
    }
  }
  const poolsUsed = shape().pools;
  for (let k = 1; k < poolsUsed; k++) {
    const fewer = await solve({ ...structure, maxPools: k });
    if (within(fewer)) {
      chosen = fewer;
      limits.push(`${k} ${k === 1 ? 'pool' : 'pools'}`);
      break;
    }
  }
  const first = fleetShape(cheapest.problem, cheapest.fleet);
  return {
    found: chosen,
    simplicity: {
      minSavingPercent: round6(m * 100),
      cheapest: {
        costPerHour: round6(cost(cheapest)),
        pools: first.pools,
        gpuTypes: first.gpuTypes.length,
        vendors: first.vendors.length,
        disaggregated: first.disaggregated,
      },
      limits,
      // To a millionth of a percent: two solves of the same fleet differ by float noise, not money.
      costAbovePercent: cost(cheapest) > 0 ? Number(Math.max(0, (cost(chosen) / cost(cheapest) - 1) * 100).toFixed(6)) : 0,
    },
  };
}
