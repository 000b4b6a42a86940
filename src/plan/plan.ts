/**
 * The Plan: what `planner plan` computed, in the shape its JSON output has (version 1,
 * described by schemas/plan.schema.json). Every report format renders this one object.
 */
import type { GpuEvidence } from '../input/types.js';

/** Version of the plan JSON; a breaking change bumps it. */
export const PLAN_VERSION = 2;

/** Latency predictions at the SLO percentiles (milliseconds; null where not applicable). */
export interface PlanLatency {
  ttftMs: number | null;
  tpotMs: number | null;
  e2eMs: number | null;
}

/** A slice of the workload: requests of one representative size. */
export interface PlanSlice {
  id: string;
  class: string;
  inputTokens: number;
  outputTokens: number;
  /** Sizes the slice stands for. */
  inputRange: [number, number];
  outputRange: [number, number];
  /** The route it travels by (its class and prompt-length range). */
  route: string;
  ratePerSecond: number;
  slo: { ttftMs: number | null; tpotMs: number | null; e2eMs: number | null; percentile: number };
  predicted: PlanLatency;
}

/**
 * A route: what a router sees of a request at arrival — its class and prompt length — and where
 * it sends it. The answer length is a distribution inside the route, never a routing key.
 */
export interface PlanRoute {
  id: string;
  class: string;
  /** Prompt lengths, inclusive; a class's routes tile its prompt sizes. */
  inputTokens: [number, number];
  /** The longest answer of the class (what the pools must hold besides the prompt). */
  maxOutputTokens: number;
  ratePerSecond: number;
  /** The slices (answer lengths) it carries. */
  slices: string[];
  /**
   * Pools and the share of the route's requests each takes: the colocated and prefill pools'
   * shares sum to 1, so do the colocated and decode pools'.
   */
  shares: Array<{ pool: string; share: number }>;
}

/** How the instances of a pool must be launched for the plan to hold (engine settings). */
export interface PoolLaunch {
  /** Longest request (prompt + answer; prompt + 1 on a prefill pool) the routes send it. */
  maxModelLen: number;
  /** Tokens of context the KV cache of one instance (of one attention rank, with DP attention) holds at these settings (≥ maxModelLen). */
  kvCacheTokens: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  gpuMemoryUtilization: number;
  weights: string;
  kvCacheDtype: string;
}

/** A pool: identical instances of one GPU type, parallelism and role. */
export interface PlanPool {
  id: string;
  gpu: string;
  role: 'colocated' | 'prefill' | 'decode';
  /** Instances in the pool. */
  count: number;
  tp: number;
  pp: number;
  /** Expert-parallel degree (1: experts split across the tensor-parallel group); absent in older plans: 1. */
  ep?: number;
  /** Attention data-parallel ranks per instance, each on tp GPUs with its own batch and KV cache; absent: 1. */
  dp?: number;
  /** tp × dp × pp. */
  gpusPerInstance: number;
  gpus: number;
  costPerHour: number;
  powerKw: number;
  /** Slices it serves, with the share of each slice routed to it. */
  slices: Array<{ slice: string; share: number; ratePerSecond: number }>;
  /** Fraction of the pool's SLO capacity the routed traffic uses. */
  utilization: number;
  /** What stops one instance from taking more: ttft, tpot, e2e, memory or queueing. */
  binding: string;
  predicted: PlanLatency;
  launch: PoolLaunch;
  /** Prefill and decode pools hand KV over only within the same class (a vendor, a GPU type); null: any, or colocated. */
  pairClass: string | null;
}

/** Machines of one size the plan rents whole; their GPUs hold the instances of the type's pools. */
export interface PlanMachine {
  gpu: string;
  gpusPerMachine: number;
  count: number;
  /** The offering's name for the size (e.g. g6.12xlarge), where the catalog gives one. */
  name: string | null;
  costPerHour: number;
}

/** A simpler plan computed for comparison. */
export interface PlanBaseline {
  name: string;
  kind: 'single-gpu-type' | 'colocated-only';
  gpu: string | null;
  feasible: boolean;
  costPerHour: number | null;
  /** How much the chosen plan saves against it, in percent of its cost. */
  savingPercent: number | null;
  /** The baseline's pools (ep and dp only where above 1). */
  pools: Array<{ gpu: string; role: string; count: number; tp: number; pp: number; ep?: number; dp?: number }>;
  reason: string | null;
}

/**
 * How the plan was kept simple: the cheapest fleet found, and the limits the plan keeps to
 * because a richer fleet would save less than `planning.min_saving` against it.
 */
export interface PlanSimplicity {
  minSavingPercent: number;
  cheapest: { costPerHour: number; pools: number; gpuTypes: number; vendors: number; disaggregated: boolean };
  /** In the order they were chosen: "colocated", "one vendor", "1 GPU type", "2 pools". */
  limits: string[];
  /** What the plan costs over the cheapest fleet found, in percent (less than min saving / (1 − min saving)). */
  costAbovePercent: number;
}

/** How planning checked the plan by simulation (on by default; off with --no-verify). */
export interface PlanVerification {
  /** Every class meets every SLO at its percentile in the simulation of this plan. */
  holds: boolean;
  /** Plans simulated (1: the first plan held). */
  rounds: number;
  arrivals: 'poisson' | 'bursty' | 'trace';
  durationSeconds: number;
  seed: number;
  /** Simulated attainment of each class's SLOs by this plan. */
  slos: Array<{ class: string; metric: 'ttft' | 'tpot' | 'e2e'; targetMs: number; percentile: number; attainmentPercent: number | null; requests: number; holds: boolean }>;
  /** Per pool: the analytic prediction against the simulated latency, at the plan's percentile. */
  pools: Array<{ pool: string; ttftMs: { predicted: number | null; simulated: number | null }; tpotMs: { predicted: number | null; simulated: number | null } }>;
  /** Capacities (a candidate's, for a slice) lowered so the simulation holds, and by what factor. */
  derated: Array<{ candidate: string; slice: string; factor: number }>;
  /** Why the plan could not be made to hold (null when it holds). */
  reason: string | null;
}

/** One block of hours of a plan over a load profile: its rate and the fleet bought for it, per pool. */
export interface PlanScheduleBlock {
  /** Hour of the period (0–23, or 0–167 for a week from Monday 00:00) the block starts at. */
  startHour: number;
  hours: number;
  /** Share of the peak rate. */
  fraction: number;
  ratePerSecond: number;
  /** What the block's fleet costs per hour (its committed instances included). */
  costPerHour: number;
  pools: Array<{ pool: string; committed: number; onDemand: number; spot: number }>;
}

/** How a plan over a load profile buys its GPUs, and what that saves against the static peak-sized plan. */
export interface PlanPurchase {
  /** Hours the profile covers (24: a day; 168: a week). */
  periodHours: number;
  /** Hours in the month the $/month figures are for (365 × 24 / 12). */
  hoursPerMonth: number;
  fromTrace: boolean;
  options: string[];
  minInstances: number;
  storageBandwidthBytesPerSecond: number;
  costPerMonth: number;
  averageCostPerHour: number;
  /** The static plan: the peak fleet on demand every hour. */
  staticCostPerMonth: number;
  savingPerMonth: number;
  savingPercent: number;
  /** optimal / work-limit / time-limit: the MILP's; fallback: no verified schedule, the peak fleet every hour. */
  solver: 'optimal' | 'work-limit' | 'time-limit' | 'fallback';
  /** Per pool: an instance's price each way it can be bought (null: not offered or not allowed), and its scale-up lead time. */
  pools: Array<{ pool: string; gpu: string; onDemandPerHour: number | null; committedPerHour: number | null; spotPerHour: number | null; scaleUpSeconds: number; spotAllowed: boolean }>;
  /** What the verification covers. */
  verification: string;
}

/** The speculative decoding a plan assumed: the spec's setting and what it gives. */
export interface PlanSpeculative {
  method: 'mtp' | 'eagle' | 'draft' | 'ngram';
  /** Draft tokens per step (k). */
  tokens: number;
  /** Per-token acceptance probability α. */
  acceptance: number;
  /** Expected tokens per verification step: (1 − α^(k+1)) / (1 − α). */
  tokensPerStep: number;
  /** Which of the two the spec gave (both are the user's measurement, never assumed). */
  given: 'acceptance' | 'accepted_length';
  /** The draft model (method draft), as the spec names it; else null. */
  draftModel: string | null;
}

/**
 * The prompt reuse a plan counts on (present only where the spec declares some and the engine's
 * prefix cache is on): what each class repeats, what share of its prompt tokens the plan takes as
 * found cached, and the routing that assumes.
 */
export interface PlanPrefixCache {
  /** random: any load balancer; prefix-aware: a conversation's turns return to the instance holding its history. */
  routing: 'random' | 'prefix-aware';
  classes: Array<{
    class: string;
    /** Shared blocks in prompt order (a block is found only with the ones before it). */
    prefixes: Array<{ tokens: number; hitRate: number; distinct: number }>;
    /** Earlier turns of the conversation; `counted`: the plan takes them as found (prefix-aware routing), else not. */
    history: { share: number; followUps: number; hitRate: number; counted: boolean } | null;
    /** Of the class's prompt tokens, the share (percent) the plan takes as found cached: never prefilled. */
    cachedPercent: number;
    /** KV tokens each instance keeps cached for the class's shared blocks (every distinct path once). */
    workingSetTokens: number;
  }>;
  /** Pools whose instances cannot keep the working set and help more without it: planned as finding nothing cached. */
  poolsWithoutCache: string[];
  /** Present (true) when a colocated decode step is taken to read a prefix all its sequences share once (planning.shared_prefix_attention). */
  sharedPrefixAttention?: true;
}

/** The cheapest plan that meets the SLOs. */
export interface Plan {
  version: typeof PLAN_VERSION;
  name: string | null;
  model: string;
  /** The Hugging Face id the spec named the model by (null: a preset id, config.json or inline model; absent in older plans). */
  checkpoint?: string | null;
  /** Present (true) for a hybrid model (linear-attention or Mamba layers), whatever it was named by: planner deploy launches its prefix cache only where the plan counts on it. */
  hybrid?: true;
  precision: { weights: string; kvCache: string };
  /** Speculative decoding the plan assumed (absent: none). */
  speculative?: PlanSpeculative;
  engine: string;
  loadFactor: number;
  /** Instances every pool can lose and still meet its SLOs. */
  redundancy: number;
  workload: { ratePerSecond: number; slices: PlanSlice[]; prefixCache?: PlanPrefixCache };
  pools: PlanPool[];
  /** Machines to rent for offerings rented by the machine (empty where GPUs are rented one by one). */
  machines: PlanMachine[];
  /** Where the router sends each class and prompt-length range. */
  routes: PlanRoute[];
  totalCostPerHour: number;
  totals: {
    costPerHour: number;
    costPerMonth: number;
    costPerMillionTokens: number;
    costPerMillionOutputTokens: number;
    gpus: number;
    instances: number;
    powerKw: number;
  };
  /** The worst prediction over all slices, at their SLO percentiles. */
  predicted: PlanLatency & { percentile: number };
  /**
   * Per GPU type whose pools the performance model sizes: what its factors rest on (the catalog's
   * `evidence`). Absent in plans saved before it existed.
   */
  gpuEvidence?: Record<string, GpuEvidence>;
  baselines: PlanBaseline[];
  simplicity: PlanSimplicity;
  binding: { constraint: string; detail: string };
  solver: {
    /** work-limit: stopped at the solver's node limit (deterministic); time-limit: at the wall-clock guard. */
    status: 'optimal' | 'work-limit' | 'time-limit';
    /** How far the cost may be above the optimum: (cost − lowerBoundCostPerHour) / cost, in %; optimal leaves at most 0.1%. */
    gapPercent: number;
    lowerBoundCostPerHour: number;
    candidates: number;
    candidatesAfterPruning: number;
  };
  /** Present with `plan --verify`: the simulation's verdict on this plan. */
  verification?: PlanVerification;
  /** Present with a load profile: the fleet per block of hours (the pools above are the peak's). */
  schedule?: PlanScheduleBlock[];
  /** Present with a load profile: how the schedule buys its GPUs and what it saves (totals.costPerMonth is its cost). */
  purchase?: PlanPurchase;
}

/** Hours in a month for $/month figures (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
