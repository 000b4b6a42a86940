/**
 * The normalised inputs every later stage works on: plain data, SI units inside
 * (seconds, bytes, bytes/s, FLOP/s, watts, requests/s), USD per hour where a name says so.
 */

/** Weight precisions a spec may ask for. */
export type WeightDtype = 'bf16' | 'fp16' | 'fp8' | 'int8' | 'int4' | 'fp4';
/** KV-cache precisions a spec may ask for. */
export type KvDtype = 'bf16' | 'fp16' | 'fp8';
/** Dtypes a GPU's tensor cores may run natively. */
export type ComputeDtype = 'fp16' | 'bf16' | 'fp8' | 'int8' | 'int4' | 'fp4';

/** Mixture-of-experts layout of a model. */
export interface MoeArch {
  experts: number;
  activeExperts: number;
  expertFfnSize: number;
  sharedExperts: number;
  sharedExpertFfnSize: number;
  /** Leading layers that use a dense MLP of `ffnSize` instead of experts. */
  denseLayers: number;
}

/** Multi-head latent attention (DeepSeek-V2/V3) ranks. */
export interface MlaArch {
  qLoraRank?: number;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
}

/**
 * Linear-attention layers (a recurrent state per sequence instead of a KV cache): Gated DeltaNet
 * (Qwen3-Next, Qwen3.5) or Mamba-2 (Granite 4.0-H), which share one shape — queries and keys of
 * `keyHeads` × `keyHeadDim` (Mamba-2: its C and B, `n_groups` × `d_state`), values and the output
 * gate of `valueHeads` × `valueHeadDim` (Mamba-2: its heads × head_dim), a state of keyHeadDim ×
 * valueHeadDim per value head, and a causal convolution of `convKernel` taps over q, k and v.
 */
export interface LinearAttentionArch {
  kind: 'gated-deltanet' | 'mamba2';
  /** Layers (of ModelArch.layers) with this mixer instead of softmax attention. */
  layers: number;
  keyHeads: number;
  valueHeads: number;
  keyHeadDim: number;
  valueHeadDim: number;
  convKernel: number;
  /** Precision of the recurrent state (the convolution's stays in 16 bits): vLLM keeps the model's dtype unless the config asks for fp32 (Qwen3.5's mamba_ssm_dtype, Nemotron-H). */
  stateDtype: 'bf16' | 'fp32';
}

/** A transformer's architecture, enough to count its parameters, FLOPs and bytes. */
export interface ModelArch {
  id: string;
  name: string;
  family?: string;
  aliases: string[];
  source?: string;
  publishedParams?: number;
  nativePrecision: WeightDtype;
  layers: number;
  hiddenSize: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ffnSize: number;
  vocabSize: number;
  tiedEmbeddings: boolean;
  attention: 'mha' | 'gqa' | 'mqa' | 'mla';
  mlp: 'gated' | 'plain';
  bias: boolean;
  /** The query projection also yields a sigmoid gate on the attention output (Qwen3-Next, Qwen3.5). */
  attentionOutputGate?: boolean;
  maxContextTokens?: number;
  /** Windowed attention of `sizeTokens`; every `fullEvery`-th layer keeps full attention (0: none does). */
  slidingWindow?: { sizeTokens: number; fullEvery: number };
  /** Layers that carry an MLP (dense or MoE); absent: all. Nemotron-H's Mamba and attention layers have none. */
  mlpLayers?: number;
  /** Linear-attention layers in place of some softmax-attention ones (hybrid models); the window applies to the others. */
  linearAttention?: LinearAttentionArch;
  moe?: MoeArch;
  mla?: MlaArch;
  /** Multi-token-prediction modules the checkpoint ships beside its layers (DeepSeek-V3: 1); absent: none. */
  mtpLayers?: number;
}

/** Performance-model factors of one GPU type (see the catalog schema). */
export interface GpuEfficiency {
  compute: Partial<Record<ComputeDtype, number>>;
  memory: number;
  communication: number;
  commLatencySeconds: number;
  kernelOverheadSeconds: number;
  memoryUtilization: number;
  runtimeReserveBytes: number;
  /** Fraction of the dense-GEMM efficiency grouped MoE GEMMs reach. */
  moe: number;
  /** Fraction of the compute efficiency weight-only-quantised GEMMs reach (dequantising on the fly). */
  dequant: number;
  /**
   * Exponent n of the smooth roof: an operator takes ‖(floor, compute, memory)‖ₙ, so near the
   * ridge point it reaches neither roof (n → ∞ is the plain max).
   */
  rooflineKnee: number;
  /** Shortest GPU time of one kernel of each kind, however little work it has. */
  kernelFloorSeconds: { gemm: number; prefillAttention: number; decodeAttention: number; elementwise: number };
  /**
   * Prefill attention: fraction of a compute unit's dense 16-bit peak a tile step reaches;
   * decode attention: fraction of peak bandwidth streaming the KV cache.
   */
  attention: { prefill: number; decode: number };
  /** Fraction of peak bandwidth elementwise kernels (norms, activations, RoPE) reach. */
  elementwise: number;
  /** Latency of a point-to-point send between pipeline stages (a copy at the link's full speed). */
  sendLatencySeconds: number;
}

/** The network between instances of an offering (0 bytes/s: none known). */
export interface GpuNetwork {
  bandwidth: number;
  per: 'gpu' | 'instance';
  fabric: 'rdma' | 'tcp';
  source?: string;
}

/** A price of a purchase option besides on-demand, with where it comes from. */
export interface PurchasePrice {
  usdPerHour: number;
  source?: string;
  date?: string;
}

/** One GPU type of the catalog. */
export interface GpuSpec {
  id: string;
  name: string;
  vendor: string;
  architecture?: string;
  aliases: string[];
  memoryBytes: number;
  memoryBandwidth: number;
  /** Dense peak FLOP/s (OP/s for integers) per native dtype. */
  peakFlops: Partial<Record<ComputeDtype, number>>;
  interconnect: { kind: 'nvlink' | 'nvlink-bridge' | 'pcie' | 'infinity-fabric'; bandwidth: number; domainSize: number };
  pcie: { generation?: number; bandwidth: number };
  gpusPerNode: number;
  /** What links separate instances: bandwidth (bytes/s) per GPU or per instance, over an RDMA fabric or TCP only. */
  network: GpuNetwork;
  tdpWatts: number;
  /** Streaming multiprocessors (NVIDIA) or compute units (AMD) that attention tiles are scheduled over. */
  computeUnits?: number;
  /** Per GPU-hour; `machines` where the offering is rented only by the machine (sizes and prices per machine-hour). */
  /** estimate: the price is a guess, so plans use the type only where a spec names it. */
  price: {
    usdPerHour: number;
    estimate?: boolean;
    machines?: Array<{ gpus: number; usdPerHour: number; name?: string }>;
    source?: string;
    date?: string;
    /** Per GPU-hour, paid for every hour of the term whether used or not (absent: cannot be bought committed). */
    committed?: PurchasePrice & { term?: string };
    /** Per GPU-hour, interruptible (absent: no spot offering). */
    spot?: PurchasePrice;
  };
  source?: string;
  notes?: string;
  efficiency: GpuEfficiency;
  /** What the efficiency factors rest on (catalog `evidence`; `microbenchmarks` unless an entry says otherwise). */
  evidence: GpuEvidence;
  /** What that evidence is, in a phrase (catalog `evidence_note`). */
  evidenceNote?: string;
}

/**
 * What a GPU type's performance factors were fitted on: end-to-end serving measurements,
 * operator-level (kernel) timings, or only published GEMM/STREAM/NCCL microbenchmarks (error unknown).
 */
export type GpuEvidence = 'end-to-end' | 'operators' | 'microbenchmarks';

/** How a serving engine batches work and what it costs per iteration. */
export interface EngineProfile {
  id: string;
  name: string;
  source?: string;
  /** Most tokens (prefill + decode) one iteration processes. */
  maxBatchedTokens: number;
  /** Most sequences running at once. */
  maxSequences: number;
  /** mixed: prefill chunks share iterations with decodes; prefill-first: decodes wait for prefills. */
  scheduling: 'mixed' | 'prefill-first';
  stepOverheadSeconds: number;
  /** Extra latency per collective, per peer in the group. */
  collectiveOverheadSeconds: number;
  /**
   * KV room a running sequence holds: `incremental` pages grow as it decodes (vLLM, SGLang: on
   * average prompt + half the answer); `whole-request` reserves prompt + the whole answer at
   * admission (TensorRT-LLM's default guaranteed-no-evict scheduler).
   */
  kvReservation: 'incremental' | 'whole-request';
  /** One-shot all-reduce kernels for small messages inside an NVLink domain (vLLM's custom all-reduce). */
  customAllreduce?: { maxBytes: number; latencySeconds: number };
  /** Host-side cost per request before its first token. */
  requestOverheadSeconds: number;
  /** Host-side cost per layer of an iteration that carries prompt tokens. */
  prefillLayerOverheadSeconds: number;
  /**
   * Fraction of the running batch whose requests return together in a closed loop of mixed
   * iterations (0 for prefill-first engines, whose loops move in waves). Fitted on one benchmark
   * client's runs: how synchronised its clients stay, more than a property of the engine.
   */
  prefillClustering: number;
  /** Compute and memory efficiency of this engine's kernels relative to the GPU factors (vLLM = 1). */
  computeScale: number;
  memoryScale: number;
  /**
   * What an FP8 release's MoE layer quantises before the expert up-projection: the hidden states
   * once per token (vLLM, SGLang) or each routed copy after expansion (TensorRT-LLM's CUTLASS MoE).
   */
  moeFp8Input: 'tokens' | 'routed';
  /** The busiest GPU's routed tokens over the mean in an expert-parallel MoE layer (absent: perf's default). */
  moeImbalance?: number;
  /** Fraction of an expert-parallel step's all-to-all time its dual micro-batch overlap hides behind compute (absent: 0). */
  alltoallOverlap?: number;
  /**
   * Attention-DP balancing (TensorRT-LLM attention_dp_config with enable_balance): a rank's new
   * prompt waits up to `timeoutIters` iterations for every other rank to hold one, then up to
   * `batchingWaitIters` more; absent: no balancing (see perf/attention-dp-balance.ts).
   */
  attentionDpBalance?: { timeoutIters: number; batchingWaitIters: number };
  /**
   * How the engine keeps a hybrid model's linear-attention states (absent: each running sequence
   * takes its state from the KV pool, vLLM's hybrid allocator): `reservedShare` of the cache
   * memory set aside for as many states as it holds, which cap the running sequences (SGLang's
   * mamba pool; TensorRT-LLM's state per batch slot); `stateDtype` the recurrent state's
   * precision whatever the model's (SGLang's --mamba-ssm-dtype); `prefixCache`: it caches such a
   * model's prefixes by default (SGLang's MambaRadixCache; absent: not, as vLLM does not);
   * `alignedBlocks`: the states share the KV pool's pages, whose blocks grow until one holds a
   * layer's state (vLLM's hybrid allocator).
   */
  linearState?: { reservedShare?: number; stateDtype?: 'bf16' | 'fp32'; prefixCache?: boolean; alignedBlocks?: boolean };
  /**
   * The largest decode batch (per attention-DP rank, in `cudaGraphCounts`) the engine runs under
   * a CUDA graph by default: the first tier whose `memoryBelowBytes` the GPU's memory is under
   * (`batchAtTp4` where tp × dp is 4 or more); 0 runs without graphs. Absent, or no tier for the
   * GPU: every batch runs under one (perf/cuda-graphs.ts).
   */
  cudaGraphMaxBatch?: CudaGraphTier[];
  /** What the ceiling counts: sequences (SGLang, TensorRT-LLM), or their query tokens (vLLM's capture sizes); absent: sequences. */
  cudaGraphCounts?: 'sequences' | 'tokens';
  /** Host time to issue one kernel outside a CUDA graph (absent: 0). */
  eagerLaunchSeconds?: number;
  /** GPU vendors the engine runs on (absent: any). */
  vendors?: string[];
}

/** One tier of an engine's default CUDA-graph ceiling (see EngineProfile.cudaGraphMaxBatch). */
export interface CudaGraphTier {
  /** GPUs with less memory than this (Infinity: any). */
  memoryBelowBytes: number;
  batch: number;
  batchAtTp4: number;
}

/** A measured capacity: requests/s one instance shape sustains at one request size. */
export interface MeasuredCapacity {
  /** Model name as written (resolved against the presets when a spec uses it). */
  model?: string;
  gpu: string;
  tp: number;
  pp: number;
  role: 'colocated' | 'prefill' | 'decode';
  inputTokens: number;
  outputTokens: number;
  maxRatePerSecond: number;
  /** Where it was written, for messages. */
  where: { file: string; line?: number; col?: number };
}

/** The catalog: GPU types, serving-engine profiles, and measured capacities. */
export interface Catalog {
  gpus: Record<string, GpuSpec>;
  engines: Record<string, EngineProfile>;
  measuredCapacity: MeasuredCapacity[];
}

/** A request-size distribution, in tokens. */
export type SizeDistribution =
  | { kind: 'fixed'; tokens: number }
  | { kind: 'histogram'; bins: Array<{ min: number; max: number; weight: number }> }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'normal'; mean: number; stddev: number; min: number; max: number }
  | { kind: 'lognormal'; median: number; sigma: number; min: number; max: number }
  | { kind: 'exponential'; mean: number; min: number; max: number };

/** A latency target that must hold at a percentile (e.g. p90 TTFT ≤ 0.5 s). */
export interface LatencyTarget {
  maxSeconds: number;
  percentile: number;
}

/** Latency targets of a request class; an absent one is unconstrained. */
export interface SloTargets {
  ttft?: LatencyTarget;
  tpot?: LatencyTarget;
  e2e?: LatencyTarget;
}

/** Multi-turn reuse as a trace's sessions measure it: the share of requests that follow an earlier turn, and of their prompt tokens that are earlier turns. */
export interface MeasuredHistory {
  followUps: number;
  share: number;
}

/** A cell of a joint size distribution (from a trace): sizes that come together, and their share. */
export interface JointSize {
  inputTokens: number;
  outputTokens: number;
  weight: number;
  inputRange: [number, number];
  outputRange: [number, number];
  /** Where the trace has session ids: the reuse of earlier turns among these requests. */
  history?: MeasuredHistory;
}

/** A prompt prefix many requests share: a system prompt, few-shot examples, retrieved documents. */
export interface SharedPrefix {
  tokens: number;
  /** Share of the class's requests that start with this block (and every block before it) and find it cached. */
  hitRate: number;
  /** Different blocks of this kind after each block before it (e.g. 20 popular documents): each is cached once per instance. */
  distinct: number;
}

/**
 * What of a class's prompts an engine's prefix cache can skip: shared prefix blocks (held once
 * per instance, shared by the sequences that use them) and, in multi-turn chat, the earlier turns
 * of the same conversation (each conversation's own).
 */
export interface PromptReuse {
  /** In prompt order: a block is found cached only with every block before it (hit rates never rise). */
  prefixes: SharedPrefix[];
  /**
   * Multi-turn chat: the share of a follow-up turn's prompt that is earlier turns of the same
   * conversation, the share of requests that are follow-ups (1: every prompt carries `share` of
   * history), and the share of follow-ups that find their history cached. `bySize`: measured
   * from a trace per request size (each slice carries its own; short prompts are often first turns).
   */
  history?: { share: number; followUps: number; hitRate: number; bySize?: boolean };
}

/** A class of requests: its rate, size distributions and SLOs. */
export interface RequestClass {
  name: string;
  ratePerSecond: number;
  input: SizeDistribution;
  output: SizeDistribution;
  /** Sizes as they occur together (a trace's joint histogram); slicing uses it when present. */
  joint?: JointSize[];
  slo: SloTargets;
  /** Prompt reuse the prefix cache exploits (absent: none, or the cache is off, or every hit rate is 0). */
  reuse?: PromptReuse;
}

/** A trace a spec plans from: where it is, how to read it, and what it says. */
export interface TraceSource {
  /** As written in the spec, and resolved against the spec's folder. */
  file: string;
  path: string;
  format: 'auto' | 'burstgpt' | 'azure' | 'csv' | 'jsonl' | 'mooncake';
  columns?: { timestamp?: string; input_tokens?: string; output_tokens?: string; session_id?: string; turn?: string };
  timeUnitSeconds: number;
  /** The trace's span (first to last request) and its own rates. */
  durationSeconds: number;
  meanRatePerSecond: number;
  peakRatePerSecond: number;
  /**
   * How much faster than recorded to replay the trace: 1 (as recorded) when the plan targets the
   * trace's peak or mean rate; the given rate over the trace's mean when the spec scales it.
   */
  replaySpeed: number;
}

/** Where prefill and decode run: together (colocated), apart, or either. */
export type Disaggregation = 'auto' | 'off' | 'only';

/** Which decode pools a prefill pool may hand its KV cache to. */
export type DisaggregationPairs = 'same-vendor' | 'same-gpu' | 'any';

/**
 * How the router places requests relative to the prefix caches: `random` (any load balancer) or
 * `prefix-aware` (a conversation's turns return to the instance that holds its history).
 */
export type PrefixRouting = 'random' | 'prefix-aware';

/** Choices and limits for the optimizer. */
export interface PlanningOptions {
  /** GPU types the plan may use (all of the catalog when the spec names none). */
  gpus: string[];
  /** Most GPUs per type. */
  availability: Record<string, number>;
  tensorParallel: number[];
  /** Pipeline degrees; undefined means "1, or more when the model does not fit a node". */
  pipelineParallel?: number[];
  disaggregation: Disaggregation;
  disaggregationPairs: DisaggregationPairs;
  /** Instances every pool can lose and still carry its load within the SLOs. */
  redundancy: number;
  /** Least saving (a fraction) for which a plan adds disaggregation, a vendor, a GPU type or a pool. */
  minSaving: number;
  /** Most pools and GPU types a plan may have (unbounded where absent). */
  maxPools?: number;
  maxGpuTypes?: number;
  /** Serving-engine profile (catalog id). */
  engine: string;
  loadFactor: number;
  maxSlices: number;
  powerCapWatts?: number;
  solverTimeLimitSeconds: number;
  /** MILP solver backend. */
  solver: 'highs' | 'javascript-lp-solver';
  /** Measured capacities of this model (the catalog's and the spec's), which replace the model for their GPU types. */
  measuredCapacity: MeasuredCapacity[];
  /** The engine's prefix cache (on unless the spec turns it off; without prompt reuse it changes nothing). */
  prefixCache: boolean;
  /** A decode step reads a prefix common to all its sequences once (vLLM V1 cascade attention). */
  sharedPrefixAttention: boolean;
  prefixRouting: PrefixRouting;
}

/** Cost thresholds a plan must stay within. */
export interface Budget {
  maxCostPerHourUsd?: number;
  maxIncreasePercent?: number;
}

/** How a speculative decoder proposes tokens: MTP modules, an EAGLE head, a draft model, or prompt lookup (n-gram). */
export type SpeculativeMethod = 'mtp' | 'eagle' | 'draft' | 'ngram';

/**
 * Speculative decoding as a spec asks for it: each decode step proposes `tokens` (k) draft tokens
 * and verifies them in one forward pass of the target. `acceptance` is the per-token acceptance
 * probability α (each draft token is accepted with α, independently, until the first rejection),
 * so a step yields (1 − α^(k+1)) / (1 − α) tokens on average (Leviathan et al. 2023).
 */
export interface SpeculativeDecoding {
  method: SpeculativeMethod;
  tokens: number;
  /** Per-token acceptance probability α, in [0, 1). */
  acceptance: number;
  /** Which of the two the spec gave (the other is derived): α, or the mean tokens per step. */
  given: 'acceptance' | 'accepted_length';
  /** method draft: the draft model, and the name the spec gave it by. */
  draftModel?: ModelArch;
  draftModelName?: string;
}

/** A fully resolved service spec. */
export interface ServiceSpec {
  name?: string;
  model: ModelArch;
  /** The Hugging Face id the spec named the model by (`org/name`), if it did. */
  checkpoint?: string;
  precision: { weights: WeightDtype; kvCache: KvDtype };
  /** Speculative decoding the fleet runs (absent: none). */
  speculative?: SpeculativeDecoding;
  totalRatePerSecond: number;
  classes: RequestClass[];
  /** Coefficient of variation of the gaps between arrivals (1: Poisson). */
  arrivalCv: number;
  /** The trace the workload comes from, if any. */
  trace?: TraceSource;
  /** The load over a day or a week, with the purchase options and scaling limits it is planned with (absent: one static fleet). */
  profile?: LoadProfile;
  planning: PlanningOptions;
  budget: Budget;
}

/** Ways to buy GPU hours: committed (paid every hour, cheaper), on-demand, spot (interruptible). */
export type PurchaseOption = 'committed' | 'on_demand' | 'spot';

/** The rate over a day (24 hours) or a week (168), as fractions of the peak rate, and how the fleet follows it. */
export interface LoadProfile {
  /** Per hour from hour 0: the share of the peak rate (the largest is 1). */
  hourlyFractions: number[];
  /** The fractions came from the trace's timestamps. */
  fromTrace: boolean;
  /** Purchase options the schedule may use (where the catalog prices them). */
  purchase: PurchaseOption[];
  /** Instances every pool keeps in every hour. */
  minInstances: number;
  /** Bytes/s an instance loads its weights at (sets the scale-up lead time). */
  storageBandwidth: number;
}
