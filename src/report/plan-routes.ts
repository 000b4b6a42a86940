import type { Plan, PlanPool, PlanRoute } from '../plan/plan.js';
import { plainText } from './escape.js';
import type { Escape } from './escape.js';
import { formatUsd, sig } from './format.js';
import { grouped } from '../text/digits.js';
import { shapeText } from '../plan/moe-shape.js';

export { shapeText } from '../plan/moe-shape.js';

/** "#2" — a pool's number in the plan's tables (by its id). */
export function poolNumber(plan: Plan, poolId: string): string {
  return `#${plan.pools.findIndex((p) => p.id === poolId) + 1}`;
}

/** "1,080–8,000" — a token range. */
export function tokenRange([lo, hi]: [number, number]): string {
  return lo === hi ? grouped(lo) : `${grouped(lo)}–${grouped(hi)}`;
}

const percent = (share: number) => `${Math.max(1, Math.round(share * 100))}%`;

/** The routes a pool takes, with the share of each it gets: "r1 12%, r2, r4 39%" (ids through `esc`). */
export function poolRoutesText(plan: Plan, pool: PlanPool, esc: Escape = plainText): string {
  return plan.routes
    .flatMap((r) => {
      const share = r.shares.find((s) => s.pool === pool.id)?.share;
      return share === undefined ? [] : [share >= 0.9995 ? esc(r.id) : `${esc(r.id)} ${percent(share)}`];
    })
    .join(', ');
}

/** A route in words: "chat, prompts 435–1,079 tokens (2.5 req/s) → #2 61%, #3 39%" (prefill → decode pools named; names through `esc`). */
export function routeText(plan: Plan, route: PlanRoute, classCount: number, esc: Escape = plainText): string {
  const role = (id: string) => plan.pools.find((p) => p.id === id)?.role;
  const side = (roles: string[]) =>
    route.shares
      .filter((s) => roles.includes(role(s.pool) ?? ''))
      .map((s) => (s.share >= 0.9995 ? poolNumber(plan, s.pool) : `${poolNumber(plan, s.pool)} ${percent(s.share)}`));
  const first = side(['colocated', 'prefill']).join(', ');
  const decode = side(['decode']);
  const who = classCount > 1 || route.class !== 'default' ? `${esc(route.class)}, prompts` : 'prompts';
  return `${esc(route.id)}  ${who} ${tokenRange(route.inputTokens)} tokens (${sig(route.ratePerSecond)} req/s) → ${first}${decode.length > 0 ? `; decode → ${decode.join(', ')}` : ''}`;
}

/** One line per route (names through `esc`). */
export function routeLines(plan: Plan, esc: Escape = plainText): string[] {
  const classes = new Set(plan.routes.map((r) => r.class)).size;
  return plan.routes.map((r) => routeText(plan, r, classes, esc));
}

/** How each pool must be launched: "#1 mi300x tp4 colocated: max model len 10,000, KV cache 1.2M tokens, …" (names through `esc`). */
export function launchLines(plan: Plan, esc: Escape = plainText): string[] {
  return plan.pools.map((p, i) => {
    const l = p.launch;
    const shape = `${esc(p.gpu)} ${shapeText(p)} ${esc(p.role)}`;
    return `#${i + 1} ${shape}: max model len ${grouped(l.maxModelLen)}, KV cache ${grouped(l.kvCacheTokens)} tokens per ${(p.dp ?? 1) > 1 ? 'DP rank' : 'instance'}, max ${grouped(l.maxNumSeqs)} sequences, ${grouped(l.maxNumBatchedTokens)} batched tokens, GPU memory utilization ${l.gpuMemoryUtilization}, ${esc(l.weights)} weights, ${esc(l.kvCacheDtype)} KV cache`;
  });
}

/**
 * Pools that must share a machine: node-local prefill and decode pools (their KV moves over the
 * node's interconnect, not between instances), one line per node (names through `esc`).
 */
export function placementLines(plan: Plan, esc: Escape = plainText): string[] {
  const nodes = new Map<string, PlanPool[]>();
  for (const p of plan.pools) if (p.pairClass?.endsWith('@node')) nodes.set(p.pairClass, [...(nodes.get(p.pairClass) ?? []), p]);
  return [...nodes.values()].map((pools) => {
    const gpus = pools.reduce((sum, p) => sum + p.gpus, 0);
    const members = pools.map((p) => `${poolNumber(plan, p.id)} (${p.count} × ${shapeText(p)} ${esc(p.role)})`).join(' and ');
    return `${members} share one ${esc(pools[0].gpu)} machine (${gpus} GPUs): prefill hands its KV to decode over the machine's GPU interconnect`;
  });
}

/** What to rent where an offering is rented by the machine: "2 × l4 4-GPU (g6.12xlarge) $9.20/h; 1 of 8 GPUs idle" (names through `esc`). */
export function machineLines(plan: Plan, esc: Escape = plainText): string[] {
  const byGpu = new Map<string, Plan['machines']>();
  for (const m of plan.machines) byGpu.set(m.gpu, [...(byGpu.get(m.gpu) ?? []), m]);
  return [...byGpu].map(([gpu, machines]) => {
    const rented = machines.reduce((sum, m) => sum + m.count * m.gpusPerMachine, 0);
    const used = plan.pools.filter((p) => p.gpu === gpu).reduce((sum, p) => sum + p.gpus, 0);
    const list = machines.map((m) => `${m.count} × ${m.gpusPerMachine}-GPU${m.name ? ` ${esc(m.name)}` : ''} (${formatUsd(m.costPerHour)}/h)`).join(' + ');
    return `${esc(gpu)} is rented by the machine: ${list}${rented > used ? `; ${rented - used} of ${rented} GPUs idle` : ''}`;
  });
}
