import { plainText } from '../report/escape.js';
import { stringify } from 'yaml';
import { ENGINE_NAMES, planSummary, poolRoutes, poolSummary, prefixCacheSummary, verificationSummary } from './describe.js';
import { engineLaunch } from './engine-launch.js';
import { wordParts } from './launch.js';
import type { EngineLaunch, Word } from './launch.js';
import { imageFor, poolName } from './pools.js';
import type { LaunchPool } from './pools.js';
import type { RoutingTable } from './routing-table.js';
import { shellQuote } from './shell.js';
import { speculativeSummary } from './speculative.js';
import type { DeployFile, DeployInput } from './types.js';

/** A Kubernetes object as plain data. */
export type K8sObject = Record<string, unknown>;

/** Where a pod finds the files its command reads (a ConfigMap mounted read-only). */
const FILES_MOUNT = '/etc/planner';
/** Label that names a pool's pods. */
const POOL_LABEL = 'planner.dev/pool';
/** Seconds a pod may take to download and load the model before it counts as failed (30 min). */
const STARTUP_SECONDS = 1800;

/** How a pod's command refers to the node variables (LeaderWorkerSet injects LWS_*). */
const K8S_VARS = { NODE_RANK: '$(LWS_WORKER_INDEX)', LEADER_ADDRESS: '$(LWS_LEADER_ADDRESS)', FILES_DIR: FILES_MOUNT } as const;

/** A word with its node variables as Kubernetes expands them in args. */
function k8sWord(word: Word, quote: boolean): string {
  return wordParts(word).map((part) => (typeof part === 'string' ? (quote ? shellQuote(part) : part) : K8S_VARS[part.var])).join('');
}

/** A container's command and args: the command itself, or `sh -c` where several run in turn. */
function containerCommand(commands: Word[][]): { command: string[]; args: string[] } {
  if (commands.length === 1) {
    const [program, ...rest] = commands[0]!;
    return { command: [k8sWord(program!, false)], args: rest.map((w) => k8sWord(w, false)) };
  }
  const script = commands.map((cmd, i) => `${i === commands.length - 1 ? 'exec ' : ''}${cmd.map((w) => k8sWord(w, true)).join(' ')}`).join(' && ');
  return { command: ['/bin/sh', '-c'], args: [script] };
}

/** Names of one plan's objects: the plan's name before each pool's, within 63 characters. */
function objectNames(input: DeployInput, pools: LaunchPool[]): Map<LaunchPool, string> {
  const prefix = input.plan.name ? poolName(input.plan.name).slice(0, 20).replace(/-+$/, '') : 'planner';
  const names = new Map<LaunchPool, string>();
  const used = new Set<string>();
  for (const lp of pools) {
    let name = `${prefix}-${lp.name}`.slice(0, 60).replace(/-+$/, '');
    for (let i = 2; used.has(name); i++) name = `${name.slice(0, 57)}-${i}`;
    used.add(name);
    names.set(lp, name);
  }
  return names;
}

/** The pod spec of one node of an instance of a pool. */
function podSpec(lp: LaunchPool, input: DeployInput, commands: Word[][], launch: EngineLaunch, configMap: string | null, serves: boolean): K8sObject {
  const image = imageFor(input, lp.gpu.vendor)!;
  const resource = lp.gpu.resource!;
  const probe = (extra: K8sObject) => ({ httpGet: { path: input.engineInfo.healthPath, port: 'http' }, ...extra });
  const container: K8sObject = {
    name: 'engine',
    image,
    ...containerCommand(commands),
    ...(serves ? { ports: [{ name: 'http', containerPort: input.engineInfo.port }] } : {}),
    env: [
      { name: 'HF_HOME', value: '/models' },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token', optional: true } } },
      ...Object.entries(launch.env).map(([name, value]) => ({ name, value })),
      // vLLM's NIXL connector announces this address to the pods it exchanges KV with.
      ...(input.engine === 'vllm' && lp.pool.role !== 'colocated' ? [{ name: 'VLLM_NIXL_SIDE_CHANNEL_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] : []),
    ],
    resources: { limits: { [resource]: String(lp.gpusPerPod) } },
    ...(serves
      ? {
          startupProbe: probe({ periodSeconds: 10, failureThreshold: STARTUP_SECONDS / 10 }),
          readinessProbe: probe({ periodSeconds: 10, failureThreshold: 3 }),
          livenessProbe: probe({ periodSeconds: 30, failureThreshold: 3, timeoutSeconds: 10 }),
        }
      : {}),
    volumeMounts: [
      { name: 'shm', mountPath: '/dev/shm' },
      { name: 'models', mountPath: '/models' },
      ...(configMap ? [{ name: 'files', mountPath: FILES_MOUNT, readOnly: true }] : []),
    ],
  };
  return {
    nodeSelector: { ...lp.gpu.nodeLabels },
    ...(lp.pool.role === 'decode' && lp.pool.pairClass?.endsWith('@node') ? { affinity: sameNodeAffinity(lp) } : {}),
    containers: [container],
    volumes: [
      // Tensor-parallel workers exchange tensors through shared memory; the default 64 MiB is too small.
      { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } },
      // Model weights download here; replace it with a PersistentVolumeClaim to keep them across restarts.
      { name: 'models', emptyDir: {} },
      ...(configMap ? [{ name: 'files', configMap: { name: configMap } }] : []),
    ],
  };
}

/**
 * How a pool's instances are replaced. A plan with a spare per pool (planning.redundancy ≥ 1)
 * holds its SLOs with one instance down: replace one at a time in place. Without one, a new
 * instance must be serving before an old one goes (which needs a spare set of GPUs during the
 * rollout).
 */
function rolloutStrategy(input: DeployInput): K8sObject {
  const spare = input.plan.redundancy >= 1;
  return { type: 'RollingUpdate', rollingUpdate: spare ? { maxSurge: 0, maxUnavailable: 1 } : { maxSurge: 1, maxUnavailable: 0 } };
}

/** Label of the pods of a prefill/decode pairing class that must share a node. */
const pairLabel = (pairClass: string) => poolName(pairClass);

/** A decode pod of a node-local pairing goes where a prefill pod of its class runs (KV over NVLink/xGMI). */
function sameNodeAffinity(lp: LaunchPool): K8sObject {
  return {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { 'planner.dev/pair-class': pairLabel(lp.pool.pairClass!), 'planner.dev/role': 'prefill' } }, topologyKey: 'kubernetes.io/hostname' },
      ],
    },
  };
}

/** Labels of a pool's pods. */
function podLabels(lp: LaunchPool, name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/managed-by': 'planner',
    [POOL_LABEL]: name,
    'planner.dev/role': lp.pool.role,
    ...(lp.pool.pairClass ? { 'planner.dev/pair-class': pairLabel(lp.pool.pairClass) } : {}),
  };
}

/** Metadata of an object: its name, the namespace when given, labels and annotations. */
function metadata(input: DeployInput, name: string, labels: Record<string, string>, annotations?: Record<string, string>): K8sObject {
  return { name, ...(input.namespace ? { namespace: input.namespace } : {}), labels, ...(annotations ? { annotations } : {}) };
}

/** The workload object of a pool: a Deployment, or a LeaderWorkerSet when an instance spans nodes. */
function poolWorkload(lp: LaunchPool, input: DeployInput, name: string): K8sObject[] {
  const launch = engineLaunch(lp, input);
  const labels = podLabels(lp, name);
  const configMap = launch.files.length > 0 ? `${name}-files`.slice(0, 63) : null;
  const annotations = {
    'planner.dev/pool-id': lp.pool.id,
    'planner.dev/summary': poolSummary(lp),
    'planner.dev/routes': poolRoutes(input.plan, lp.pool.id),
  };
  const objects: K8sObject[] = [];
  if (configMap) {
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(input, configMap, labels), data: Object.fromEntries(launch.files.map((f) => [f.name, f.text])) });
  }
  if (lp.nodes === 1) {
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(input, name, labels, annotations),
      spec: {
        replicas: lp.pool.count,
        selector: { matchLabels: { [POOL_LABEL]: name } },
        strategy: rolloutStrategy(input),
        template: { metadata: { labels }, spec: podSpec(lp, input, launch.leader, launch, configMap, true) },
      },
    });
  } else {
    objects.push({
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: metadata(input, name, labels, annotations),
      spec: {
        replicas: lp.pool.count,
        leaderWorkerTemplate: {
          size: lp.nodes,
          restartPolicy: 'RecreateGroupOnPodRestart',
          leaderTemplate: { metadata: { labels }, spec: podSpec(lp, input, launch.leader, launch, configMap, true) },
          workerTemplate: { metadata: { labels }, spec: podSpec(lp, input, launch.worker!, launch, configMap, false) },
        },
      },
    });
  }
  const selector = lp.nodes === 1 ? { [POOL_LABEL]: name } : { [POOL_LABEL]: name, 'leaderworkerset.sigs.k8s.io/worker-index': '0' };
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(input, name, labels, { 'planner.dev/pool-id': lp.pool.id }),
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: input.engineInfo.port, targetPort: 'http' }] },
  });
  return objects;
}

/** The Service URL of each pool, as the routing table names it. */
export function serviceUrls(input: DeployInput, pools: LaunchPool[]): Map<LaunchPool, string> {
  const names = objectNames(input, pools);
  const domain = input.namespace ? `.${input.namespace}.svc` : '';
  return new Map(pools.map((lp) => [lp, `http://${names.get(lp)}${domain}:${input.engineInfo.port}`]));
}

/** Every object of the plan: per pool its workload and Service, and the routing table's ConfigMap. */
export function kubernetesObjects(input: DeployInput, pools: LaunchPool[], routing: RoutingTable): K8sObject[] {
  const names = objectNames(input, pools);
  const objects = pools.flatMap((lp) => poolWorkload(lp, input, names.get(lp)!));
  const prefix = input.plan.name ? poolName(input.plan.name).slice(0, 40).replace(/-+$/, '') : 'planner';
  objects.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(input, `${prefix}-routing`, { 'app.kubernetes.io/managed-by': 'planner' }),
    data: { 'routing.json': `${JSON.stringify(routing, null, 2)}\n` },
  });
  return objects;
}

/** The objects as one multi-document YAML file, with a header saying what it holds. */
export function kubernetesManifest(input: DeployInput, pools: LaunchPool[], routing: RoutingTable, fileName: string): DeployFile {
  const header = [
    `# Kubernetes objects for the plan ${input.plan.name ? `"${input.plan.name}" ` : ''}(${input.planFile}), written by planner deploy.`,
    `# Write them again rather than edit them: planner deploy ${input.planFile} --target ${input.target}`,
    `# The plan: ${planSummary(input.plan)}.`,
    `# It ${verificationSummary(input.plan, input.engine)}.`,
    ...(prefixCacheSummary(input.plan) ? [`# ${prefixCacheSummary(input.plan)}`] : []),
    `# Engine: ${ENGINE_NAMES[input.engine]}; model: ${input.model.path} (a Secret hf-token with key token is used where it exists).`,
    ...(input.speculative ? [`# Drafting: ${speculativeSummary(input.speculative)}.`] : []),
    ...(pools.some((lp) => lp.nodes > 1) ? ['# Multi-node instances are LeaderWorkerSets: install LeaderWorkerSet (kubernetes-sigs/lws) first.'] : []),
    `# Apply: kubectl apply -f ${fileName}`,
  ].map(plainText).join('\n');
  const docs = kubernetesObjects(input, pools, routing).map((obj) => stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false }));
  return { name: fileName, text: `${header}\n---\n${docs.join('---\n')}` };
}
