/**
 * What `planner deploy` renders from: a saved plan plus the facts the plan does not carry (the
 * GPUs' vendors and node sizes, the checkpoint to load, the engine's image and port).
 */
import type { Plan } from '../plan/plan.js';
import type { WeightDtype } from '../input/types.js';

/** What `planner deploy --target` can render. */
export const DEPLOY_TARGETS = ['vllm', 'sglang', 'trtllm', 'k8s', 'llm-d'] as const;
/** One deploy target. */
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

/** The engines deploy writes launch commands for. */
export const DEPLOY_ENGINES = ['vllm', 'sglang', 'trtllm'] as const;
/** One engine deploy writes launch commands for. */
export type DeployEngine = (typeof DEPLOY_ENGINES)[number];

/** An engine's container images (per GPU vendor), port and health endpoint. */
export interface EngineDeployInfo {
  port: number;
  healthPath: string;
  images: Record<string, string>;
}

/** A GPU type as deployment sees it. */
export interface DeployGpu {
  id: string;
  name: string;
  vendor: string;
  gpusPerNode: number;
  /** Kubernetes extended resource of its device plugin (nvidia.com/gpu), if known. */
  resource?: string;
  /** Labels of the nodes that have it (the pods' node selector). */
  nodeLabels: Record<string, string>;
}

/** The checkpoint the instances load. */
export interface DeployModel {
  /** Hugging Face id or local path given to the engine. */
  path: string;
  /** Where the path came from: --model-path, the spec's model name, or the preset's id. */
  origin: 'user' | 'spec' | 'preset';
  /** Precision of the checkpoint's weights, where its name or preset tells (undefined: unknown). */
  precision?: WeightDtype;
  /** The model's layers and attention heads, where a preset gives them (to check that a pool's shape can exist). */
  layers?: number;
  heads?: number;
  kvHeads?: number;
  /** Mixture of experts (vLLM/SGLang place experts by TP unless told otherwise). */
  moe: boolean;
  /** Linear-attention (Mamba, Gated DeltaNet) layers, where a preset says so: vLLM caches such a model's prefixes only when told. */
  hybrid?: boolean;
}

/** The plan's speculative decoding as deploy launches it. */
export interface DeploySpeculative {
  method: 'mtp' | 'eagle' | 'draft' | 'ngram';
  /** Draft tokens per step (k). */
  tokens: number;
  /** The EAGLE head or draft model to load (null: none given; MTP and n-gram take none). */
  draftPath: string | null;
}

/** Everything a render needs. */
export interface DeployInput {
  plan: Plan;
  /** The plan file as the user named it (for headers and messages). */
  planFile: string;
  target: DeployTarget;
  /** The engine whose commands are rendered (the target's, or --engine for k8s). */
  engine: DeployEngine;
  engineInfo: EngineDeployInfo;
  model: DeployModel;
  gpus: Map<string, DeployGpu>;
  /** --image: one image for every pool instead of the per-vendor defaults. */
  image?: string;
  /** --namespace for the Kubernetes objects (omitted: kubectl's current namespace). */
  namespace?: string;
  /** The plan's speculative decoding (absent: none). */
  speculative?: DeploySpeculative;
  /** Attention-DP balancing the plan's engine profile counts on (absent: none); TensorRT-LLM DP pools launch with it. */
  attentionDpBalance?: { timeoutIters: number; batchingWaitIters: number };
}

/** One output file: its name inside --out-dir and its bytes. */
export interface DeployFile {
  name: string;
  text: string;
}

/** A pool the target cannot launch as planned, and why. */
export interface DeployProblem {
  pool: string | null;
  message: string;
}
