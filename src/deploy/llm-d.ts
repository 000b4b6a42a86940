import { plainText } from '../report/escape.js';
import { stringify } from 'yaml';
import { planSummary, poolRoutes, poolSummary, prefixCacheSummary, verificationSummary } from './describe.js';
import { imageFor } from './pools.js';
import type { LaunchPool } from './pools.js';
import type { DeployFile, DeployInput, DeployProblem } from './types.js';
import { vllmLaunch } from './vllm.js';

/** The llm-d ModelService chart the values are written for. */
export const LLM_D_CHART = { name: 'llm-d-modelservice', version: 'v0.4.0', repo: 'github.com/llm-d-incubation/llm-d-modelservice' } as const;
/** Port decode pods' vLLM listens on behind the chart's routing sidecar (routing.proxy.targetPort). */
const PROXY_TARGET_PORT = 8200;

/** Flags the chart's `vllmServe` model command adds by itself (the model, port, TP, served name). */
const CHART_FLAGS = new Set(['--host', '--port', '--tensor-parallel-size', '--served-model-name']);

/** The pools llm-d cannot render: it runs vLLM on one node per instance here. */
export function llmdProblems(pools: LaunchPool[]): DeployProblem[] {
  return pools
    .filter((lp) => lp.nodes > 1)
    .map((lp) => ({ pool: lp.pool.id, message: `an instance spans ${lp.nodes} nodes by pipeline stages; the llm-d chart spreads nodes as data-parallel groups (deploy it with --target k8s)` }));
}

/** The `vllm serve` flags of a pool less those the chart adds. */
function chartArgs(lp: LaunchPool, input: DeployInput): string[] {
  const serve = vllmLaunch(lp, input).leader.at(-1)!;
  const args: string[] = [];
  // Words after `vllm serve MODEL`: flags and their values.
  const words = serve.slice(3);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const takesValue = i + 1 < words.length && !words[i + 1]!.startsWith('--');
    if (CHART_FLAGS.has(word)) {
      if (takesValue) i++;
      continue;
    }
    args.push(word);
    if (takesValue) args.push(words[++i]!);
  }
  return args;
}

/** The model as the chart names it: a URI (hf://org/name, pvc://claim/path) or a Hugging Face id. */
function modelUri(path: string): string {
  return path.includes('://') ? path : `hf://${path}`;
}

/** The values of one pool's release: a decode (or colocated) or a prefill section of the chart. */
function poolValues(lp: LaunchPool, input: DeployInput): Record<string, unknown> {
  const proxied = lp.pool.role === 'decode';
  const port = proxied ? PROXY_TARGET_PORT : input.engineInfo.port;
  const probe = (extra: Record<string, unknown>) => ({ httpGet: { path: input.engineInfo.healthPath, port }, ...extra });
  const section = {
    create: true,
    replicas: lp.pool.count,
    nodeSelector: { ...lp.gpu.nodeLabels },
    parallelism: { tensor: lp.pool.tp, data: 1 },
    containers: [
      {
        name: 'vllm',
        image: imageFor(input, lp.gpu.vendor)!,
        modelCommand: 'vllmServe',
        args: chartArgs(lp, input),
        ports: [{ containerPort: port, name: 'http', protocol: 'TCP' }],
        resources: { limits: { [lp.gpu.resource!]: String(lp.gpusPerPod) }, requests: { [lp.gpu.resource!]: String(lp.gpusPerPod) } },
        mountModelVolume: true,
        startupProbe: probe({ periodSeconds: 10, failureThreshold: 180 }),
        readinessProbe: probe({ periodSeconds: 10 }),
      },
    ],
  };
  const sectionName = lp.pool.role === 'prefill' ? 'prefill' : 'decode';
  return {
    multinode: false,
    modelArtifacts: { uri: modelUri(input.model.path), name: input.model.path },
    accelerator: { type: lp.gpu.vendor },
    routing: { servicePort: input.engineInfo.port, proxy: { enabled: proxied, ...(proxied ? { targetPort: PROXY_TARGET_PORT, connector: 'nixlv2' } : {}) } },
    [sectionName]: section,
    [sectionName === 'prefill' ? 'decode' : 'prefill']: { create: false },
  };
}

/**
 * Helm values for llm-d's ModelService chart, one release per pool (prefill pools fill the
 * chart's prefill section, decode and colocated pools its decode section), with a header that
 * says how to install them.
 */
export function llmdValues(input: DeployInput, pools: LaunchPool[]): DeployFile[] {
  return pools.map((lp) => {
    const release = lp.name;
    const header = [
      `# llm-d ModelService values for pool ${lp.pool.id} of the plan ${input.plan.name ? `"${input.plan.name}" ` : ''}(${input.planFile}), written by planner deploy.`,
      `# ${poolSummary(lp)}; serves routes ${poolRoutes(input.plan, lp.pool.id)}.`,
      `# The plan: ${planSummary(input.plan)}. It ${verificationSummary(input.plan, input.engine)}.`,
      ...(prefixCacheSummary(input.plan) ? [`# ${prefixCacheSummary(input.plan)}`] : []),
      `# Chart: ${LLM_D_CHART.name} ${LLM_D_CHART.version} (${LLM_D_CHART.repo}).`,
      `# Install: helm install ${release} llm-d-modelservice/llm-d-modelservice -f values-${release}.yaml`,
      '# The gateway, InferencePool and endpoint picker are installed once for the model (llm-d guides); routing.json holds the plan\'s routes.',
    ].map(plainText).join('\n');
    return { name: `values-${release}.yaml`, text: `${header}\n${stringify(poolValues(lp, input), { lineWidth: 0, aliasDuplicateObjects: false })}` };
  });
}
