import type { Plan, PlanRoute } from '../plan/plan.js';
import type { LaunchPool } from './pools.js';

/** The request header that names a request's class (its absence means the default class). */
export const CLASS_HEADER = 'x-planner-class';

/** A pool and the share of a route's requests (or of a pairing's) it takes. */
export interface WeightedPool {
  pool: string;
  weight: number;
}

/** Prefill pools and the decode pools they hand KV to, for one pairing class. */
export interface PairedPools {
  pairClass: string;
  /** same-node: a request's prefill and decode instances must share a node (KV over NVLink/xGMI). */
  pairing: 'same-node' | 'network';
  weight: number;
  prefill: WeightedPool[];
  decode: WeightedPool[];
}

/** One route of the table: which requests (class, prompt length) go where. */
export interface RoutingRoute {
  id: string;
  class: string;
  /** Prompt length in the model's tokens (chat template applied), inclusive. */
  promptTokens: { min: number; max: number };
  maxOutputTokens: number;
  ratePerSecond: number;
  colocated: WeightedPool[];
  disaggregated: PairedPools[];
}

/** The routing table a gateway loads: routes by request class and prompt length, pools by name. */
export interface RoutingTable {
  version: 1;
  plan: string | null;
  model: string;
  classHeader: string;
  /** The class of a request without the header (the only class, when the plan has one). */
  defaultClass: string | null;
  /** Inside a pool: send each request to the instance with the fewest outstanding requests. */
  balance: 'least-outstanding-requests';
  pools: Array<{ pool: string; name: string; role: string; replicas: number; gpu: string; endpoint: string | null }>;
  routes: RoutingRoute[];
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Shares normalised to sum to 1 (the plan's shares are fractions of the whole route). */
function weighted(shares: Array<{ pool: string; share: number }>): WeightedPool[] {
  const total = shares.reduce((sum, s) => sum + s.share, 0);
  return shares.map((s) => ({ pool: s.pool, weight: total > 0 ? round(s.share / total) : 0 }));
}

/** One route's shares split into colocated pools and prefill→decode pairings. */
function routeTargets(route: PlanRoute, byId: Map<string, LaunchPool>): Pick<RoutingRoute, 'colocated' | 'disaggregated'> {
  const shares = route.shares.filter((s) => byId.has(s.pool) && s.share > 0);
  const role = (id: string) => byId.get(id)!.pool.role;
  const colocated = shares.filter((s) => role(s.pool) === 'colocated');
  const classes = [...new Set(shares.filter((s) => role(s.pool) !== 'colocated').map((s) => byId.get(s.pool)!.pool.pairClass ?? 'any'))].sort();
  const disaggregated = classes.map((pairClass): PairedPools => {
    const inClass = shares.filter((s) => role(s.pool) !== 'colocated' && (byId.get(s.pool)!.pool.pairClass ?? 'any') === pairClass);
    const prefill = inClass.filter((s) => role(s.pool) === 'prefill');
    return {
      pairClass,
      pairing: pairClass.endsWith('@node') ? 'same-node' : 'network',
      weight: round(prefill.reduce((sum, s) => sum + s.share, 0)),
      prefill: weighted(prefill),
      decode: weighted(inClass.filter((s) => role(s.pool) === 'decode')),
    };
  });
  // Colocated weights and pairing weights are fractions of the whole route (they sum to 1).
  return { colocated: colocated.map((s) => ({ pool: s.pool, weight: round(s.share) })), disaggregated };
}

/**
 * The plan's routes as a gateway needs them: per class and prompt-length range, the colocated
 * pools and the prefill→decode pairings with the weight of each. `endpoint` names where a
 * pool is reached (a Service URL), where the target knows it.
 */
export function routingTable(plan: Plan, pools: LaunchPool[], model: string, endpoint: (pool: LaunchPool) => string | null): RoutingTable {
  const byId = new Map(pools.map((p) => [p.pool.id, p]));
  const classes = [...new Set(plan.routes.map((r) => r.class))];
  return {
    version: 1,
    plan: plan.name,
    model,
    classHeader: CLASS_HEADER,
    defaultClass: classes.length === 1 ? classes[0]! : null,
    balance: 'least-outstanding-requests',
    pools: pools.map((p) => ({ pool: p.pool.id, name: p.name, role: p.pool.role, replicas: p.pool.count, gpu: p.pool.gpu, endpoint: endpoint(p) })),
    routes: plan.routes.map((route) => ({
      id: route.id,
      class: route.class,
      promptTokens: { min: route.inputTokens[0], max: route.inputTokens[1] },
      maxOutputTokens: route.maxOutputTokens,
      ratePerSecond: route.ratePerSecond,
      ...routeTargets(route, byId),
    })),
  };
}
