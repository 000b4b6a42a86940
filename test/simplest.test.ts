import { describe, expect, it } from 'vitest';
import { anticipateColocatedSteps } from '../src/planning/simplest.js';
import type { Solved, Structure } from '../src/planning/structures.js';

/** A solved fleet of `pools` colocated pools on the given GPU types (only what fleetShape reads). */
function solvedWith(pools: number, gpus: Array<{ id: string; vendor: string }>): Solved {
  const candidates = Array.from({ length: pools }, (_, i) => ({ role: 'colocated', gpu: gpus[i % gpus.length] }));
  return { problem: { candidates }, fleet: { counts: candidates.map(() => 1), costPerHour: 10 } } as unknown as Solved;
}

/** A structure solver that records what it is asked and answers each after a tick. */
function recorder(answer: (s: Structure) => Solved) {
  const asked: Structure[] = [];
  const solve = async (s: Structure) => {
    asked.push(s);
    await new Promise((resolve) => setTimeout(resolve, 1));
    return answer(s);
  };
  return { asked, solve };
}

const h100 = { id: 'h100-sxm', vendor: 'nvidia' };
const roles = [{ role: 'colocated' }, { role: 'prefill' }, { role: 'decode' }];
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("the simplicity ladder's steps started beside the main solve", () => {
  it('asks for the colocated-only fleet, then for it with fewer pools, one at a time, while the main solve runs', async () => {
    const { asked, solve } = recorder(() => solvedWith(4, [h100]));
    anticipateColocatedSteps(roles, solve, new Promise(() => undefined));
    await tick();
    expect(asked).toEqual([{ colocatedOnly: true }, { colocatedOnly: true, maxPools: 1 }, { colocatedOnly: true, maxPools: 2 }, { colocatedOnly: true, maxPools: 3 }]);
  });

  it('stops once the main solve is done, and asks nothing when the ladder would go elsewhere', async () => {
    let finish!: () => void;
    const main = new Promise<void>((resolve) => (finish = resolve));
    const slow = recorder(() => solvedWith(4, [h100]));
    anticipateColocatedSteps(roles, slow.solve, main);
    finish();
    await tick();
    expect(slow.asked).toEqual([{ colocatedOnly: true }]);
    // Two GPU types: the ladder would first ask for one of them, not for fewer pools.
    const mixed = recorder(() => solvedWith(4, [h100, { id: 'h200', vendor: 'nvidia' }]));
    anticipateColocatedSteps(roles, mixed.solve, new Promise(() => undefined));
    await tick();
    expect(mixed.asked).toEqual([{ colocatedOnly: true }]);
    // Colocated candidates only: there is no colocated step.
    const colocated = recorder(() => solvedWith(4, [h100]));
    anticipateColocatedSteps([{ role: 'colocated' }], colocated.solve, new Promise(() => undefined));
    await tick();
    expect(colocated.asked).toEqual([]);
  });
});
