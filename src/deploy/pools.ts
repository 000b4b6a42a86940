import type { PlanPool } from '../plan/plan.js';
import { drafterProblems, speculativeProblems } from './speculative.js';
import type { DeployGpu, DeployInput, DeployProblem } from './types.js';

/** A pool with what launching it takes: its object name, nodes per instance, quantisation. */
export interface LaunchPool {
  pool: PlanPool;
  /** DNS-1123 name of the pool's objects and shell function (unique within the plan). */
  name: string;
  gpu: DeployGpu;
  /** Nodes one instance spans (1 unless its GPUs outnumber a node's). */
  nodes: number;
  /** GPUs each node (each pod) of an instance gives it. */
  gpusPerPod: number;
  /** Online quantisation the engine must apply to the checkpoint's weights (vLLM/SGLang `--quantization`). */
  quantization: 'fp8' | null;
  /** The KV cache is stored in fp8. */
  kvFp8: boolean;
}

/** The image a pool's pods run: --image, else the engine's image for the GPU's vendor. */
export function imageFor(input: DeployInput, vendor: string): string | undefined {
  const images = input.engineInfo.images;
  return input.image ?? (Object.hasOwn(images, vendor) ? images[vendor] : undefined);
}

/** Longest object name Kubernetes takes for a Service (DNS-1035 label), less room for suffixes. */
const MAX_NAME = 52;

/** A DNS-1123 label from a pool id: `mi300x/tp4/pp1/prefill@node` → `mi300x-tp4-pp1-prefill-node`. */
export function poolName(id: string): string {
  const slug = id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const name = /^[a-z]/.test(slug) ? slug : `pool-${slug}`;
  return name.slice(0, MAX_NAME).replace(/-+$/, '') || 'pool';
}

/**
 * The plan's pools as the target launches them, or the problems that stop it: a GPU type the
 * catalog does not know, a shape the model or the node cannot have, weights the checkpoint
 * does not hold and the engine cannot make, an engine that does not run on the GPU's vendor.
 */
export function launchPools(input: DeployInput): { pools: LaunchPool[]; problems: DeployProblem[] } {
  const problems: DeployProblem[] = [];
  const pools: LaunchPool[] = [];
  const names = new Set<string>();
  if (input.speculative) for (const message of drafterProblems(input.speculative)) problems.push({ pool: null, message });
  for (const pool of input.plan.pools) {
    const problem = (message: string) => problems.push({ pool: pool.id, message });
    const gpu = input.gpus.get(pool.gpu);
    if (!gpu) {
      problem(`GPU type ${pool.gpu} is not in the catalog (give the overlay that defines it with --catalog)`);
      continue;
    }
    const before = problems.length;
    checkShape(pool, gpu, input, problem);
    const quantization = weightsConversion(pool, input, problem);
    if (input.engine === 'trtllm' && gpu.vendor !== 'nvidia') problem(`TensorRT-LLM runs on NVIDIA GPUs only; ${gpu.name} is ${gpu.vendor} (deploy it with --target vllm or sglang)`);
    else if (!imageFor(input, gpu.vendor)) problem(`no ${input.engine} image for ${gpu.vendor} GPUs is known; give one with --image`);
    const nodes = Math.max(1, Math.ceil(pool.gpusPerInstance / gpu.gpusPerNode));
    if (input.engine === 'trtllm' && nodes > 1) problem(`an instance spans ${nodes} nodes; deploy renders TensorRT-LLM on one node only (its multi-node launch goes through MPI): use --target vllm or sglang`);
    if (input.speculative) for (const message of speculativeProblems(input.speculative, input.engine, pool)) problem(message);
    if (problems.length > before) continue;
    let name = poolName(pool.id);
    for (let i = 2; names.has(name); i++) name = `${poolName(pool.id).slice(0, MAX_NAME - 3)}-${i}`;
    names.add(name);
    pools.push({
      pool,
      name,
      gpu,
      nodes,
      gpusPerPod: nodes > 1 ? gpu.gpusPerNode : pool.gpusPerInstance,
      quantization,
      kvFp8: pool.launch.kvCacheDtype === 'fp8',
    });
  }
  return { pools, problems };
}

/** Shapes that cannot exist: the model's heads or layers do not split so, or the node does not. */
function checkShape(pool: PlanPool, gpu: DeployGpu, input: DeployInput, problem: (m: string) => void): void {
  const { heads, kvHeads, layers } = input.model;
  if (!Number.isInteger(pool.count) || pool.count < 1) problem(`count ${pool.count} is not a whole number of instances`);
  if (!Number.isInteger(pool.tp) || pool.tp < 1) problem(`tensor parallelism ${pool.tp} is not a whole number`);
  else if (heads !== undefined && heads % pool.tp !== 0) problem(`tensor parallelism ${pool.tp} does not divide the model's ${heads} attention heads`);
  else if (kvHeads !== undefined && kvHeads % pool.tp !== 0 && pool.tp % kvHeads !== 0) problem(`tensor parallelism ${pool.tp} neither divides nor is a multiple of the model's ${kvHeads} KV heads`);
  if (!Number.isInteger(pool.pp) || pool.pp < 1 || (layers !== undefined && pool.pp > layers)) problem(`pipeline parallelism ${pool.pp} does not split the model's ${layers ?? 'unknown number of'} layers`);
  const launch = pool.launch;
  for (const key of ['maxModelLen', 'maxNumSeqs', 'maxNumBatchedTokens', 'kvCacheTokens'] as const) {
    if (!Number.isInteger(launch[key]) || launch[key] < 1) problem(`launch.${key} ${launch[key]} is not a whole number ≥ 1`);
  }
  if (!(launch.gpuMemoryUtilization > 0 && launch.gpuMemoryUtilization <= 1)) problem(`launch.gpuMemoryUtilization ${launch.gpuMemoryUtilization} is not a fraction in (0, 1]`);
  const dp = pool.dp ?? 1;
  if (pool.gpusPerInstance !== pool.tp * dp * pool.pp) problem(`gpusPerInstance ${pool.gpusPerInstance} is not TP × DP × PP = ${pool.tp * dp * pool.pp}`);
  if (pool.gpusPerInstance > gpu.gpusPerNode && pool.gpusPerInstance % gpu.gpusPerNode !== 0) {
    problem(`an instance of ${pool.gpusPerInstance} GPUs does not fill whole ${gpu.gpusPerNode}-GPU nodes`);
  }
  if (pool.gpusPerInstance > gpu.gpusPerNode && pool.tp > gpu.gpusPerNode) {
    problem(`tensor parallelism ${pool.tp} spans nodes of ${gpu.gpusPerNode} GPUs (deploy splits instances across nodes by pipeline stage)`);
  }
}

/**
 * The online quantisation an engine applies so the checkpoint's weights become the plan's, or
 * a problem where it cannot: 4-bit weights and TensorRT-LLM's FP8 come from pre-quantised
 * checkpoints. An unknown checkpoint precision (a local path) is taken to be the plan's.
 */
function weightsConversion(pool: PlanPool, input: DeployInput, problem: (m: string) => void): 'fp8' | null {
  const planned = pool.launch.weights;
  const held = input.model.precision;
  if (held === undefined || held === planned) return null;
  const wide = held === 'bf16' || held === 'fp16';
  // bf16 and fp16 take the same memory; the engine keeps the checkpoint's.
  if (wide && (planned === 'bf16' || planned === 'fp16')) return null;
  if (planned === 'fp8' && wide && input.engine !== 'trtllm') return 'fp8';
  const hint = input.model.origin === 'user' ? 'check --model-path' : 'give a checkpoint that holds them with --model-path';
  if (planned === 'fp8' && wide) problem(`the plan sizes fp8 weights; TensorRT-LLM loads FP8 from a pre-quantised checkpoint and ${input.model.path} holds ${held} (${hint})`);
  else problem(`the plan sizes ${planned} weights and ${input.model.path} holds ${held} (${hint}, or re-plan with precision.weights: ${held})`);
  return null;
}
