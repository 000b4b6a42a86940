import type { Deployment } from '../perf/deployment.js';

/** How one instance splits the model: tensor, pipeline, expert and attention-data parallelism. */
export interface ParallelShape {
  tp: number;
  pp: number;
  ep: number;
  dp: number;
}

/**
 * Fewest routed experts for which the planner searches expert and attention-data parallelism:
 * the fine-grained MoE models served that way (DeepSeek-V3 256, Qwen3 128, gpt-oss 32/128, Llama 4
 * Scout 16); coarse ones (Mixtral's 8) run tensor-parallel, and their plans stay as they were.
 */
export const MIN_EXPERTS_FOR_EP = 16;

/** Widest expert-parallel group the planner tries (GPUs of one instance), unless one NVLink domain is wider (GB200 NVL72). */
export const MAX_WIDE_EP = 64;

/** Expert-parallel group sizes a wide-EP instance of a GPU type may take: powers of two up to the cap, and the whole node. */
function wideGroups(gpusPerNode: number): number[] {
  const sizes = [2, 4, 8, 16, 32, 64].filter((g) => g <= Math.max(MAX_WIDE_EP, gpusPerNode));
  return [...new Set([...sizes, gpusPerNode])].filter((g) => g <= Math.max(MAX_WIDE_EP, gpusPerNode)).sort((a, b) => a - b);
}

/**
 * The instance shapes to try on one GPU type. Every model: each tensor-parallel degree × each
 * pipeline degree (ep = dp = 1). A mixture-of-experts model also: experts spread over its
 * tensor-parallel group (ep = tp, how vLLM's --enable-expert-parallel runs a TP instance), and
 * wide expert parallelism with DP attention — one attention rank per GPU (tp 1), the experts
 * over all of them (ep = dp = the group), or tensor-parallel attention inside a node with the
 * experts over several nodes; one stage, within a node or across nodes — as SGLang and vLLM
 * serve DeepSeek-V3 and Qwen3 MoE; and DP attention inside a node with every expert split over
 * its GPUs (ep 1: vLLM's default with DP, SGLang's DP attention without --ep-size). Dense models (and MoE models with fewer than
 * {@link MIN_EXPERTS_FOR_EP} experts) get no new shapes.
 */
export function parallelShapes(model: Deployment['model'], gpusPerNode: number, tensorParallel: number[], pipelineDegrees: number[]): ParallelShape[] {
  const shapes: ParallelShape[] = [];
  for (const pp of pipelineDegrees) for (const tp of tensorParallel) shapes.push({ tp, pp, ep: 1, dp: 1 });
  const moe = model.moe;
  if (!moe || moe.experts < MIN_EXPERTS_FOR_EP) return shapes;
  for (const pp of pipelineDegrees) {
    for (const tp of tensorParallel) if (tp > 1 && moe.experts % tp === 0) shapes.push({ tp, pp, ep: tp, dp: 1 });
  }
  // Attention tensor-parallel inside a node, experts over several nodes: the widest tp the spec allows within a node.
  const nodeTp = Math.max(0, ...tensorParallel.filter((tp) => tp > 1 && tp <= gpusPerNode));
  for (const group of wideGroups(gpusPerNode)) {
    if (group > moe.experts) continue;
    shapes.push({ tp: 1, pp: 1, ep: group, dp: group });
    // The same ranks with every expert split over all of them: no all-to-all, no expert imbalance.
    if (group <= gpusPerNode) shapes.push({ tp: 1, pp: 1, ep: 1, dp: group });
    if (nodeTp > 0 && group > nodeTp && group % nodeTp === 0) shapes.push({ tp: nodeTp, pp: 1, ep: group, dp: group / nodeTp });
  }
  return shapes;
}

/** The id fragment of a shape: tp and pp always, ep and dp where above 1 (so dense candidates keep their ids). */
export function shapeLabel(s: ParallelShape): string {
  return `tp${s.tp}${s.dp > 1 ? `/dp${s.dp}` : ''}${s.ep > 1 ? `/ep${s.ep}` : ''}/pp${s.pp}`;
}
