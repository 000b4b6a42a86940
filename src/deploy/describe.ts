import type { Plan } from '../plan/plan.js';
import type { LaunchPool } from './pools.js';
import type { DeployEngine } from './types.js';

/** Engine names as operators write them. */
export const ENGINE_NAMES: Record<DeployEngine, string> = { vllm: 'vLLM', sglang: 'SGLang', trtllm: 'TensorRT-LLM' };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A pool in a line: replicas, GPUs per instance and type, role, nodes per instance. */
export function poolSummary(lp: LaunchPool): string {
  const { pool } = lp;
  const nodes = lp.nodes > 1 ? `, ${lp.nodes} nodes of ${lp.gpusPerPod} GPUs each` : '';
  return `${plural(pool.count, 'replica')} × ${plural(pool.gpusPerInstance, 'GPU')} ${lp.gpu.name} (TP ${pool.tp}, PP ${pool.pp}${nodes}), ${pool.role}`;
}

/** The routes a pool serves, with the share of each it takes: `r1 (34%), r2`. */
export function poolRoutes(plan: Plan, poolId: string): string {
  const parts: string[] = [];
  for (const route of plan.routes) {
    const share = route.shares.filter((s) => s.pool === poolId).reduce((sum, s) => sum + s.share, 0);
    if (share <= 0) continue;
    parts.push(share >= 0.9995 ? route.id : `${route.id} (${Math.round(share * 100)}%)`);
  }
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** The plan in a line: model, precision, instances, GPUs, cost. */
export function planSummary(plan: Plan): string {
  const cost = Number.isFinite(plan.totals.costPerHour) ? `$${plan.totals.costPerHour.toFixed(2)}/h` : 'cost unknown';
  return `${plan.model}, ${plan.precision.weights} weights, ${plan.precision.kvCache} KV cache: ${plural(plan.totals.instances, 'instance')} on ${plural(plan.totals.gpus, 'GPU')}, ${cost}`;
}

/**
 * What the plan counts on from the prefix cache, in a line (undefined for a plan without prompt
 * reuse): the engine's cache on (every rendering launches it so), and prefix-aware routing where
 * the plan assumes it — the gateway must keep a conversation on one instance.
 */
export function prefixCacheSummary(plan: Plan): string | undefined {
  const pc = plan.workload.prefixCache;
  if (!pc) return undefined;
  const cached = pc.classes.map((c) => `${c.class} ${Math.round(c.cachedPercent)}%`).join(', ');
  const routing = pc.routing === 'prefix-aware'
    ? 'and prefix-aware routing: the gateway must send a conversation\'s turns to the instance that served its last one (session affinity on a session header, or a cache-aware scorer such as llm-d\'s prefix-cache scorer) — the least-outstanding balance of routing.json alone does not'
    : 'with any load balancer (it assumes random routing)';
  return `It counts on the engine's prefix cache (prompt tokens taken as cached: ${cached}) ${routing}.`;
}

/** What the plan's verification said, in a line (sized for the plan's engine profile). */
export function verificationSummary(plan: Plan, engine: DeployEngine): string {
  const v = plan.verification;
  const checked = !v ? 'was not checked by simulation (planned with --no-verify)' : v.holds ? `held every SLO in simulation (${plural(v.rounds, 'round')}, seed ${v.seed})` : `did NOT hold its SLOs in simulation: ${v.reason ?? 'see the plan'}`;
  const sized = plan.engine === engine ? '' : `; sized with the ${plan.engine} engine profile, launched on ${ENGINE_NAMES[engine]} (re-plan with planning.engine: ${engine} to size for it)`;
  return `${checked}${sized}`;
}
