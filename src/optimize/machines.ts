import type { GpuSpec } from '../input/types.js';

/** A machine size an offering is rented in: its GPUs and its price. */
export interface MachineShape {
  gpus: number;
  usdPerHour: number;
  /** The offering's name for it (an instance type). */
  name?: string;
}

/** The machine sizes an offering is rented in, smallest first; undefined when GPUs are rented one by one (pods of any size). */
export function machineShapes(gpu: GpuSpec): MachineShape[] | undefined {
  const machines = gpu.price.machines;
  return machines && machines.length > 0 ? [...machines].sort((a, b) => a.gpus - b.gpus || a.usdPerHour - b.usdPerHour) : undefined;
}

/** GPUs of an instance of `gpus` GPUs as machines see it: a multi-machine instance takes whole largest machines. */
export function packedSize(machines: MachineShape[], gpus: number): number {
  return Math.min(gpus, machines[machines.length - 1].gpus);
}

/**
 * What one instance of `gpus` GPUs costs an hour: the per-GPU price times its GPUs, or — for an
 * offering rented by the machine — its share of the cheapest machine it packs into (fully
 * packed; a multi-machine instance pays its whole machines).
 */
export function instanceCostPerHour(gpu: GpuSpec, gpus: number): number {
  const machines = machineShapes(gpu);
  if (!machines) return gpus * gpu.price.usdPerHour;
  const largest = machines[machines.length - 1];
  if (gpus >= largest.gpus) return Math.ceil(gpus / largest.gpus) * largest.usdPerHour;
  return Math.min(...machines.filter((m) => m.gpus >= gpus).map((m) => m.usdPerHour / Math.floor(m.gpus / gpus)));
}

/**
 * The cheapest machines that hold instances of the given sizes (GPUs each; sizes that divide the
 * machine sizes, as powers of two do). An instance goes whole onto one machine at least its
 * size, so for every instance size g the machines of at least g GPUs must hold all instances of
 * at least g GPUs — for sizes that divide each other that is also enough — and no more GPUs than
 * `maxGpus` (an availability limit) may be rented. A bounded search over the counts, largest
 * machines first (fleets rent few machines of a type); all zeros when nothing fits the limit.
 */
export function cheapestMachines(machines: MachineShape[], instanceSizes: number[], maxGpus = Infinity): number[] {
  // A multi-machine instance takes whole largest machines: it counts at the largest size, with all its GPUs.
  const items = instanceSizes.filter((g) => g > 0).map((g) => ({ size: packedSize(machines, g), gpus: g }));
  const demand = (g: number) => items.filter((x) => x.size >= g).reduce((sum, x) => sum + x.gpus, 0);
  const total = demand(1);
  const order = machines.map((_, k) => k).reverse();
  let best: { cost: number; counts: number[] } | undefined;
  const counts = machines.map(() => 0);
  const search = (level: number, capacity: number, cost: number) => {
    if ((best && cost >= best.cost) || capacity > maxGpus) return;
    if (level === order.length) {
      if (capacity >= total) best = { cost, counts: [...counts] };
      return;
    }
    const k = order[level];
    const size = machines[k].gpus;
    const below = level + 1 < order.length ? machines[order[level + 1]].gpus : 0;
    // Instances larger than the next smaller machine fit only on machines of this size or larger.
    const must = demand(below + 1);
    const least = Math.max(0, Math.ceil((must - capacity) / size));
    const most = Math.max(least, Math.ceil((total - capacity) / size));
    for (let m = least; m <= most; m++) {
      counts[k] = m;
      search(level + 1, capacity + m * size, cost + m * machines[k].usdPerHour);
    }
    counts[k] = 0;
  };
  search(0, 0, 0);
  return best?.counts ?? machines.map(() => 0);
}
