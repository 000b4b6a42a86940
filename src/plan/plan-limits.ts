import { MAX_FLEET_GPUS } from '../optimize/explain.js';
import type { InputIssue } from '../input/issues.js';
import type { DocPath, YamlSource } from '../input/yaml-source.js';
import { pathText } from '../input/yaml-source.js';
import type { Plan } from './plan.js';
import { grouped } from '../text/digits.js';

/** Most GPUs one instance of a saved plan may span (tp × dp × pp): a GB200 NVL72 rack, wider than the planner's 64-GPU candidates elsewhere. */
export const MAX_INSTANCE_GPUS = 72;
/** Most a saved plan's costs may be, in $/hour (a planned fleet is at most a million GPUs at well under $1,000/h each). */
export const MAX_PLAN_COST_PER_HOUR = 1e9;
/** Largest magnitude any other number in a saved plan may have (rates, latencies, token counts). */
const MAX_PLAN_NUMBER = 1e15;

/** Paths of every number in plain data that is not finite or is larger than `limit` (YAML allows .inf and .nan). */
function wildNumbers(data: unknown, limit: number): DocPath[] {
  const found: DocPath[] = [];
  const stack: Array<[unknown, DocPath]> = [[data, []]];
  while (stack.length > 0 && found.length < 10) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'number' && !(Math.abs(value) <= limit)) found.push(path);
    else if (Array.isArray(value)) value.forEach((v, i) => stack.push([v, [...path, i]]));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) stack.push([v, [...path, k]]);
  }
  return found;
}

/**
 * What makes a schema-valid saved plan one planner will not act on: numbers that are not finite
 * or absurdly large, instance counts and GPUs past the fleet limit, instance shapes past
 * {@link MAX_INSTANCE_GPUS} GPUs, costs past {@link MAX_PLAN_COST_PER_HOUR} — each at its field,
 * naming the pool. (Whether a shape fits the model and the catalog's GPUs is checked where both are
 * known: simulate's planMismatches.)
 */
export function planLimitIssues(plan: Plan, source: YamlSource): InputIssue[] {
  const issues: InputIssue[] = [];
  const at = (path: DocPath, message: string) => issues.push(source.issueAt(path, `${pathText(path)}: ${message}`));
  for (const path of wildNumbers(plan, MAX_PLAN_NUMBER)) at(path, `must be a finite number of at most ${MAX_PLAN_NUMBER.toExponential()} in magnitude (a saved plan has been edited?)`);
  if (issues.length > 0) return issues;
  const cost = (path: DocPath, value: number | null | undefined) => {
    if (typeof value === 'number' && value > MAX_PLAN_COST_PER_HOUR) at(path, `$${value.toExponential(2)}/h is over the $${grouped(MAX_PLAN_COST_PER_HOUR)}/h limit of a saved plan`);
  };
  let gpus = 0;
  plan.pools.forEach((pool, i) => {
    const name = `(pool ${pool.id})`;
    if (pool.count > MAX_FLEET_GPUS) at(['pools', i, 'count'], `${name} ${pool.count} instances is over the limit of ${grouped(MAX_FLEET_GPUS)}`);
    for (const key of ['tp', 'pp'] as const) {
      if (pool[key] > MAX_INSTANCE_GPUS) at(['pools', i, key], `${name} ${pool[key]} is over the ${MAX_INSTANCE_GPUS} GPUs an instance may span`);
    }
    const dp = pool.dp ?? 1;
    const shape = `tp ${pool.tp} × ${dp > 1 ? `dp ${dp} × ` : ''}pp ${pool.pp}`;
    if (dp > MAX_INSTANCE_GPUS || (pool.ep ?? 1) > MAX_INSTANCE_GPUS) at(['pools', i], `${name} dp ${dp} / ep ${pool.ep} is over the ${MAX_INSTANCE_GPUS} GPUs an instance may span`);
    else if (pool.tp * dp * pool.pp > MAX_INSTANCE_GPUS) at(['pools', i], `${name} ${shape} is over the ${MAX_INSTANCE_GPUS} GPUs an instance may span`);
    else if (pool.gpusPerInstance !== pool.tp * dp * pool.pp) at(['pools', i, 'gpusPerInstance'], `${name} is ${pool.gpusPerInstance}, but ${shape} is ${pool.tp * dp * pool.pp}`);
    cost(['pools', i, 'costPerHour'], pool.costPerHour);
    gpus += pool.count * pool.tp * dp * pool.pp;
  });
  if (gpus > MAX_FLEET_GPUS) at(['pools'], `${grouped(gpus)} GPUs in all is over the fleet limit of ${grouped(MAX_FLEET_GPUS)}`);
  cost(['totalCostPerHour'], plan.totalCostPerHour);
  cost(['totals', 'costPerHour'], plan.totals.costPerHour);
  plan.machines.forEach((m, i) => cost(['machines', i, 'costPerHour'], m.costPerHour));
  plan.baselines.forEach((b, i) => cost(['baselines', i, 'costPerHour'], b.costPerHour));
  return issues;
}
