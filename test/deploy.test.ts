import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { Service } from 'kubernetes-models/v1/Service';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDeployConfig } from '../src/deploy/deploy-config.js';
import { engineLaunch } from '../src/deploy/engine-launch.js';
import { deployInput } from '../src/deploy/input.js';
import type { DeployOptions } from '../src/deploy/input.js';
import { renderDeployment } from '../src/deploy/render.js';
import { launchPools } from '../src/deploy/pools.js';
import type { RoutingTable } from '../src/deploy/routing-table.js';
import type { DeployInput, DeployTarget } from '../src/deploy/types.js';
import type { Plan } from '../src/plan/plan.js';
import { ROOT, presets } from './helpers.js';
import { runPlanner } from './in-process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'planner-deploy-'));

/** Flags of an engine's real command line, from the lists in test/fixtures/engine-flags (source and version in each). */
function flagList(name: string): Set<string> {
  const text = readFileSync(join(ROOT, 'test/fixtures/engine-flags', `${name}.txt`), 'utf8');
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
}
const FLAGS = { vllm: flagList('vllm'), sglang: flagList('sglang'), trtllm: flagList('trtllm') };
const TRTLLM_OPTIONS = flagList('trtllm-extra-options');
const LLMD_VALUES = flagList('llm-d');

/** Plans to deploy: every example, plus prefill/decode and multi-node plans. */
const PLANS: Record<string, string[]> = {
  ...Object.fromEntries(
    readdirSync(join(ROOT, 'presets/examples')).filter((f) => f.endsWith('.yaml')).map((f) => [f.replace('.yaml', ''), [`presets/examples/${f}`]]),
  ),
  'chat-disaggregated': ['presets/examples/chat.yaml', '--set', 'planning.disaggregation=only'],
  'chat-nvidia-disaggregated': ['presets/examples/chat.yaml', '--set', 'planning.disaggregation=only', '--set', 'planning.gpus=[h100-sxm, h200]'],
  'multi-node': ['test/fixtures/deploy/multi-node.yaml'],
  // DeepSeek-V3 on H100 with an RDMA fabric: wide-EP prefill and decode pools with DP attention across 2 nodes.
  'moe-wide-ep': ['test/bench/deepseek-v3-h100.yaml', '--catalog', 'test/bench/rdma-fabric.yaml'],
  // A hybrid (Qwen3-Next) on SGLang, and on vLLM counting on its prefix cache (--enable-prefix-caching).
  hybrid: ['test/bench/fidelity/hybrid.yaml'],
  'hybrid-prefix-cache': ['test/bench/fidelity/hybrid.yaml', '--set', 'planning.engine=vllm', '--set', 'planning.prefix_cache=on', '--set', 'workload.reuse=50%', '--set', 'planning.prefix_routing=prefix-aware'],
};
const plans = new Map<string, { path: string; plan: Plan }>();

beforeAll(async () => {
  await Promise.all(
    Object.entries(PLANS).map(async ([name, args]) => {
      const path = join(dir, `${name}.json`);
      await run(process.execPath, [`${ROOT}bin/planner.js`, 'plan', ...args, '--no-verify', '--format', 'json', '--out', path], { cwd: ROOT });
      plans.set(name, { path, plan: JSON.parse(readFileSync(path, 'utf8')) as Plan });
    }),
  );
}, 120_000);

/** The CLI run in this process (test/in-process.ts). */
const planner = (args: string[]) => runPlanner(args);

const deployPresets = loadDeployConfig(presets().check, [{ path: 'presets/deploy.yaml', text: readFileSync(join(ROOT, 'presets/deploy.yaml'), 'utf8') }], 0).value!;

/** The files of one plan and target rendered by the core (as the CLI renders them), or its refusals. */
function render(name: string, target: DeployTarget, options: Partial<DeployOptions> = {}) {
  const { plan, path } = plans.get(name)!;
  const result = renderDeployment(deployInput(plan, path, { target, ...options }, presets(), deployPresets));
  const stderr = result.problems.map((p) => `${path}: ${p.pool ? `pool ${p.pool}: ` : ''}${p.message}`).join('\n');
  return { code: result.problems.length > 0 ? 2 : 0, stderr, files: Object.fromEntries(result.files.map((f) => [f.name, f.text])) };
}

/** The files `planner deploy` writes for one plan and target (run in this process). */
async function deploy(name: string, target: string, extra: string[] = []) {
  const outDir = join(dir, `${name}-${target}-${extra.join('_').replace(/[^\w]/g, '')}`);
  const result = await planner(['deploy', plans.get(name)!.path, '--target', target, '--out-dir', outDir, ...extra]);
  const files = result.code === 0 ? Object.fromEntries(readdirSync(outDir).map((f) => [f, readFileSync(join(outDir, f), 'utf8')])) : {};
  return { ...result, files, outDir };
}

const hasAmd = (plan: Plan) => plan.pools.some((p) => ['mi300x', 'mi325x', 'mi355x'].includes(p.gpu));

/** Checks the routing table against the plan: every route's weights sum to 1 over pools that exist. */
function checkRouting(table: RoutingTable, plan: Plan) {
  expect(table.routes.map((r) => r.id)).toEqual(plan.routes.map((r) => r.id));
  const pools = new Set(table.pools.map((p) => p.pool));
  expect([...pools].sort()).toEqual(plan.pools.map((p) => p.id).sort());
  for (const route of table.routes) {
    const total = route.colocated.reduce((s, w) => s + w.weight, 0) + route.disaggregated.reduce((s, d) => s + d.weight, 0);
    expect(total).toBeCloseTo(1, 4);
    for (const pair of route.disaggregated) {
      expect(pair.decode.length).toBeGreaterThan(0);
      expect(pair.decode.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 4);
    }
    for (const w of [...route.colocated, ...route.disaggregated.flatMap((d) => [...d.prefill, ...d.decode])]) expect(pools.has(w.pool)).toBe(true);
  }
  for (const p of table.pools) expect(p.replicas).toBe(plan.pools.find((q) => q.id === p.pool)!.count);
}

describe('planner deploy: launch scripts', () => {
  for (const engine of ['vllm', 'sglang', 'trtllm'] as const) {
    it(`renders every plan for ${engine}, with real flags only, or names the pool it cannot run`, async () => {
      for (const [name, { plan }] of plans) {
        const result = render(name, engine);
        // TensorRT-LLM cannot run AMD pools, instances across nodes, or FP8 made from a bf16 checkpoint.
        const refusal = engine !== 'trtllm' ? null : hasAmd(plan) ? /pool mi3\d\dx\/[^:]+: TensorRT-LLM runs on NVIDIA GPUs only/
          : name === 'multi-node' || name === 'moe-wide-ep' ? /spans 2 nodes; deploy renders TensorRT-LLM on one node only/
          : plan.precision.weights === 'fp8' ? /the plan sizes fp8 weights; TensorRT-LLM loads FP8 from a pre-quantised checkpoint/ : null;
        if (refusal) {
          expect(result.code, name).toBe(2);
          expect(result.stderr).toMatch(refusal);
          continue;
        }
        expect(result.code, `${name}: ${result.stderr}`).toBe(0);
        const script = result.files[`launch-${engine}.sh`]!;
        expect(spawnSync('bash', ['-n'], { input: script }).status, name).toBe(0);
        // Every pool has a function, and the script lists the pools and prints the routing table.
        const listed = spawnSync('bash', ['-s', 'pools'], { input: script, encoding: 'utf8' });
        expect(listed.stdout.trim().split('\n').map((l) => Number(l.split('\t')[1]))).toEqual(plan.pools.map((p) => p.count));
        const routing = spawnSync('bash', ['-s', 'routing'], { input: script, encoding: 'utf8' });
        expect(JSON.parse(routing.stdout)).toEqual(JSON.parse(result.files['routing.json']!));
        checkRouting(JSON.parse(routing.stdout) as RoutingTable, plan);
        // The engine's flags in the script's server commands are all real ones.
        // (vLLM's other nodes run `ray start`, whose flags are Ray's.)
        const servers = engine === 'vllm' ? script.replace(/_worker\(\) \{[\s\S]*?\n\}/g, '') : script;
        const flags = [...servers.matchAll(/^\s+(--[a-z][\w-]*)/gm)].map((m) => m[1]!);
        expect(flags.length).toBeGreaterThan(5);
        for (const flag of flags) expect(FLAGS[engine].has(flag), `${engine} ${flag}`).toBe(true);
        expect(script).toContain(`--${engine === 'vllm' ? 'tensor-parallel-size' : engine === 'sglang' ? 'tp-size' : 'tp_size'} ${plan.pools[0]!.tp}`);
        // Decode batches up to the sequence limit run under CUDA graphs, as the plan timed them
        // (the engines' defaults stop at 512, 32 to 512, and 128).
        const limits = [...script.matchAll(/--(?:max-num-seqs|max-running-requests|max_batch_size) (\d+)/g)].map((m) => Number(m[1]));
        const graphs = engine === 'trtllm'
          ? [...script.matchAll(/cuda_graph_config:\n\s+enable_padding: true\n\s+max_batch_size: (\d+)/g)].map((m) => Number(m[1]))
          : [...script.matchAll(engine === 'vllm' ? /--max-cudagraph-capture-size (\d+)/g : /--cuda-graph-max-bs (\d+)/g)].map((m) => Number(m[1]));
        const perRank = plan.pools.map((p) => p.launch.maxNumSeqs);
        expect(limits.length, name).toBeGreaterThanOrEqual(plan.pools.length);
        expect(new Set(graphs), name).toEqual(new Set(perRank));
        // SGLang's --max-running-requests is split over its DP attention ranks: the plan's per-rank limit times dp.
        if (engine === 'sglang') expect(new Set(limits), name).toEqual(new Set(plan.pools.map((p) => p.launch.maxNumSeqs * (p.dp ?? 1))));
        expect(graphs.length, name).toBe(limits.length);
      }
    });
  }

  it('writes TensorRT-LLM extra options with real keys, capping the KV cache at the plan\'s tokens', async () => {
    const { plan } = plans.get('chat-nvidia-disaggregated')!;
    const script = render('chat-nvidia-disaggregated', 'trtllm').files['launch-trtllm.sh']!;
    const docs = [...script.matchAll(/<<'PLANNER_EOF'\n([\s\S]*?)PLANNER_EOF/g)].map((m) => m[1]!).filter((t) => !t.trimStart().startsWith('{'));
    expect(docs.length).toBe(plan.pools.length);
    const keys = (obj: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(obj).flatMap(([k, v]) => [`${prefix}${k}`, ...(v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [])]);
    for (const doc of docs) for (const key of keys(parse(doc) as Record<string, unknown>)) expect(TRTLLM_OPTIONS.has(key), key).toBe(true);
    const tokens = docs.map((d) => (parse(d) as { kv_cache_config: { max_tokens: number } }).kv_cache_config.max_tokens);
    expect(tokens).toEqual(plan.pools.map((p) => p.launch.kvCacheTokens));
  });

  it('starts the other nodes of a multi-node instance and joins them to the first', async () => {
    const { plan } = plans.get('multi-node')!;
    expect(plan.pools.some((p) => p.gpusPerInstance > 8)).toBe(true);
    const vllm = render('multi-node', 'vllm').files['launch-vllm.sh']!;
    expect(vllm).toMatch(/_worker\(\) \{\n\s+exec ray start \\\n\s+--address="\$\{LEADER_ADDRESS:\?[^}]*\}":6379/);
    expect(vllm).toContain('--distributed-executor-backend ray');
    const sglang = render('multi-node', 'sglang').files['launch-sglang.sh']!;
    expect(sglang).toMatch(/--nnodes 2 \\\n\s+--node-rank "\$\{NODE_RANK/);
  });
});

describe('planner deploy: Kubernetes', () => {
  it('renders every plan as valid objects whose replicas and GPUs are the plan\'s', async () => {
    for (const [name, { plan }] of plans) {
      const result = render(name, 'k8s', { namespace: 'serving' });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      const docs = parseAllDocuments(result.files['kubernetes.yaml']!).map((d) => d.toJS() as Record<string, any>);
      let gpus = 0;
      let instances = 0;
      for (const obj of docs) {
        expect(obj.metadata.namespace).toBe('serving');
        if (obj.kind === 'Deployment') {
          new Deployment(obj).validate();
          const limits = obj.spec.template.spec.containers[0].resources.limits;
          gpus += obj.spec.replicas * Number(Object.values(limits)[0]);
          instances += obj.spec.replicas;
          expect(obj.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/health');
          expect(obj.spec.selector.matchLabels).toEqual(expect.objectContaining({ 'planner.dev/pool': obj.metadata.name }));
        } else if (obj.kind === 'LeaderWorkerSet') {
          expect(obj.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
          expect(Object.keys(obj.spec)).toEqual(['replicas', 'leaderWorkerTemplate']);
          expect(Object.keys(obj.spec.leaderWorkerTemplate).sort()).toEqual(['leaderTemplate', 'restartPolicy', 'size', 'workerTemplate']);
          for (const template of [obj.spec.leaderWorkerTemplate.leaderTemplate, obj.spec.leaderWorkerTemplate.workerTemplate]) new PodTemplateSpec(template).validate();
          const limits = obj.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].resources.limits;
          gpus += obj.spec.replicas * obj.spec.leaderWorkerTemplate.size * Number(Object.values(limits)[0]);
          instances += obj.spec.replicas;
        } else if (obj.kind === 'Service') {
          new Service(obj).validate();
        } else if (obj.kind === 'ConfigMap') {
          new ConfigMap(obj).validate();
        } else {
          throw new Error(`unexpected kind ${obj.kind}`);
        }
      }
      expect(gpus, name).toBe(plan.totals.gpus);
      expect(instances, name).toBe(plan.totals.instances);
      const routing = docs.find((d) => d.kind === 'ConfigMap' && d.data['routing.json']);
      const table = JSON.parse(routing!.data['routing.json']) as RoutingTable;
      checkRouting(table, plan);
      const services = new Set(docs.filter((d) => d.kind === 'Service').map((d) => `http://${d.metadata.name}.serving.svc:${d.spec.ports[0].port}`));
      for (const pool of table.pools) expect(services.has(pool.endpoint!)).toBe(true);
    }
  });

  it('selects the GPU type\'s nodes, asks its vendor\'s device plugin, and keeps node-local prefill/decode pairs on one node', async () => {
    const docs = parseAllDocuments(render('chat-disaggregated', 'k8s').files['kubernetes.yaml']!).map((d) => d.toJS() as Record<string, any>);
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    // The AMD pool the default catalog picks (MI300X, MI325X or MI355X), by its PCI device id.
    const mi300x = deployments.find((d) => /^mi3\d\dx\//.test(d.metadata.annotations['planner.dev/pool-id']))!;
    const amdGpu = (mi300x.metadata.annotations['planner.dev/pool-id'] as string).split('/')[0] as 'mi300x' | 'mi325x' | 'mi355x';
    expect(mi300x.spec.template.spec.nodeSelector).toEqual({ 'amd.com/gpu.device-id': { mi300x: '74a1', mi325x: '74a5', mi355x: '75a3' }[amdGpu] });
    expect(Object.keys(mi300x.spec.template.spec.containers[0].resources.limits)).toEqual(['amd.com/gpu']);
    // No spare in the plan: a new instance serves before an old one goes.
    expect(mi300x.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const spared = { ...plans.get('chat-disaggregated')!.plan, redundancy: 1 };
    const withSpare = renderDeployment(deployInput(spared, 'plan.json', { target: 'k8s' }, presets(), deployPresets));
    const rolled = parseAllDocuments(withSpare.files[0]!.text).map((d) => d.toJS() as Record<string, any>).filter((d) => d.kind === 'Deployment');
    for (const d of rolled) expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    const decode = deployments.filter((d) => d.metadata.labels['planner.dev/role'] === 'decode');
    expect(decode.length).toBeGreaterThan(0);
    for (const d of decode) {
      const term = d.spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      expect(term.labelSelector.matchLabels['planner.dev/pair-class']).toBe(d.metadata.labels['planner.dev/pair-class']);
      expect(d.spec.template.spec.containers[0].env).toContainEqual({ name: 'VLLM_NIXL_SIDE_CHANNEL_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    }
  });

  it('writes llm-d values with the chart\'s keys, one release per pool', async () => {
    for (const name of ['chat-disaggregated', 'chat']) {
      const result = render(name, 'llm-d');
      expect(result.code, result.stderr).toBe(0);
      const values = Object.keys(result.files).filter((f) => f.startsWith('values-'));
      expect(values.length).toBe(plans.get(name)!.plan.pools.length);
      const keys = (obj: unknown, prefix = ''): string[] =>
        obj && typeof obj === 'object' && !Array.isArray(obj)
          ? Object.entries(obj).flatMap(([k, v]) => [`${prefix}${k}`, ...keys(v, `${prefix}${k}.`)])
          : Array.isArray(obj) && obj.length > 0 && typeof obj[0] === 'object'
            ? obj.flatMap((item) => keys(item, prefix.replace(/\.$/, '[].')))
            : [];
      for (const file of values) {
        // A listed key, a mapping above one (modelArtifacts), or a free-form mapping below one (nodeSelector.<label>).
        const known = (key: string) => LLMD_VALUES.has(key) || [...LLMD_VALUES].some((k) => key.startsWith(`${k}.`) || k.startsWith(`${key}.`) || k.startsWith(`${key}[]`) || key.startsWith(`${k}[]`));
        for (const key of keys(parse(result.files[file]!))) expect(known(key), `${file}: ${key}`).toBe(true);
      }
    }
  });
});

describe('planner deploy: presets', () => {
  it('presets/deploy.yaml passes its schema and covers every preset GPU type and vendor', () => {
    const { check, catalog } = presets();
    const file = { path: 'presets/deploy.yaml', text: readFileSync(join(ROOT, 'presets/deploy.yaml'), 'utf8') };
    const loaded = loadDeployConfig(check, [file], 0);
    expect(loaded.issues).toEqual([]);
    for (const gpu of Object.values(catalog.gpus)) {
      expect(loaded.value!.nodeLabels.has(gpu.id), gpu.id).toBe(true);
      expect(loaded.value!.resources.has(gpu.vendor), gpu.vendor).toBe(true);
    }
  });

  it('takes an overlay for a GPU type of the user\'s own, and refuses one that breaks the schema', async () => {
    const overlay = join(dir, 'deploy-overlay.yaml');
    writeFileSync(overlay, 'gpus:\n  h200: { node_labels: { cloud.example.com/accelerator: h200-141g } }\nengines:\n  vllm: { images: { nvidia: registry.example.com/vllm:pinned } }\n');
    const result = await planner(['deploy', plans.get('chat-nvidia-disaggregated')!.path, '--target', 'k8s', '--deploy-config', overlay]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('cloud.example.com/accelerator: h200-141g');
    expect(result.stdout).toContain('image: registry.example.com/vllm:pinned');
    writeFileSync(overlay, 'engines:\n  vllm: { port: http }\n');
    const bad = await planner(['deploy', plans.get('chat')!.path, '--target', 'k8s', '--deploy-config', overlay]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('deploy-overlay.yaml:2');
  });
});

describe('planner deploy: refusals and safety', () => {
  it('writes its files with --out-dir (the script executable), or prints the main one on stdout', async () => {
    const written = await deploy('chat', 'vllm');
    expect(written.code, written.stderr).toBe(0);
    expect(Object.keys(written.files).sort()).toEqual(['launch-vllm.sh', 'routing.json']);
    expect(statSync(join(written.outDir, 'launch-vllm.sh')).mode & 0o111).not.toBe(0);
    expect(written.stderr).toContain('wrote ');
    const printed = await planner(['deploy', plans.get('chat')!.path, '--target', 'vllm']);
    expect(printed.stdout).toBe(written.files['launch-vllm.sh']);
    // The CLI prints what the core renders.
    expect(render('chat', 'vllm').files['launch-vllm.sh']).toBe(printed.stdout);
  });

  it('is deterministic: the same plan gives the same bytes', async () => {
    const a = await planner(['deploy', plans.get('chat-disaggregated')!.path, '--target', 'k8s']);
    const b = await planner(['deploy', plans.get('chat-disaggregated')!.path, '--target', 'k8s']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('refuses shapes that cannot exist and weights the checkpoint does not hold, naming the pool (exit 2)', async () => {
    const { plan } = plans.get('chat-nvidia-disaggregated')!;
    const tampered = structuredClone(plan);
    tampered.pools[0]!.tp = 3;
    tampered.pools[0]!.gpusPerInstance = 3;
    const path = join(dir, 'tampered.json');
    writeFileSync(path, JSON.stringify(tampered));
    const shape = await planner(['deploy', path, '--target', 'vllm']);
    expect(shape.code).toBe(2);
    expect(shape.stderr).toContain(`pool ${plan.pools[0]!.id}: tensor parallelism 3 does not divide the model's 64 attention heads`);
    const fp8 = structuredClone(plan);
    for (const pool of fp8.pools) pool.launch.weights = 'fp8';
    writeFileSync(path, JSON.stringify(fp8));
    expect((await planner(['deploy', path, '--target', 'vllm'])).stdout).toContain('--quantization fp8');
    const trt = await planner(['deploy', path, '--target', 'trtllm']);
    expect(trt.code).toBe(2);
    expect(trt.stderr).toMatch(/TensorRT-LLM loads FP8 from a pre-quantised checkpoint/);
    expect((await planner(['deploy', path, '--target', 'trtllm', '--model-path', 'nvidia/Llama-3.1-70B-Instruct-FP8'])).code).toBe(0);
    expect((await planner(['deploy', path, '--target', 'k8s', '--namespace', 'Bad_NS'])).code).toBe(2);
  });

  /** The wide-EP plan with every pool reshaped to one node of 8 H200s, written to `name`. */
  const reshapedMoePlan = (name: string, shape: { tp: number; dp: number; ep: number }) => {
    const plan = structuredClone(plans.get('moe-wide-ep')!.plan);
    for (const pool of plan.pools) Object.assign(pool, { gpu: 'h200', ...shape, gpusPerInstance: 8 });
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(plan));
    return path;
  };

  it('launches DP attention with the experts split over the ranks (ep 1) without expert parallelism', async () => {
    // The same model on H200s, one node per instance: tp 1 × dp 8 with every expert split 8 ways.
    const path = reshapedMoePlan('dp-ep1.json', { tp: 1, dp: 8, ep: 1 });
    const vllm = await planner(['deploy', path, '--target', 'vllm']);
    expect(vllm.code, vllm.stderr).toBe(0);
    expect(vllm.stdout).toMatch(/--tensor-parallel-size 1 \\\n\s*--data-parallel-size 8 /);
    expect(vllm.stdout).not.toMatch(/--enable-expert-parallel|--enable-dbo/);
    const sglang = await planner(['deploy', path, '--target', 'sglang']);
    expect(sglang.code, sglang.stderr).toBe(0);
    expect(sglang.stdout).toMatch(/--tp-size 8 \\\n\s*--dp-size 8 \\\n\s*--enable-dp-attention /);
    // Every rank may run the plan's max_num_seqs, with graphs for all of them.
    const plan = JSON.parse(readFileSync(path, 'utf8')) as Plan;
    expect(sglang.stdout).toContain(`--max-running-requests ${plan.pools[0]!.launch.maxNumSeqs * 8} `);
    expect(sglang.stdout).toContain(`--cuda-graph-max-bs ${plan.pools[0]!.launch.maxNumSeqs} `);
    expect(sglang.stdout).not.toMatch(/--ep-size|--moe-a2a-backend/);
  });

  it('launches EP inside a TP group (dp 1) without the all-to-all backend or batch overlap', async () => {
    // One node of H200s per instance: tp 8 with whole experts spread over the 8 GPUs.
    const path = reshapedMoePlan('tp-ep.json', { tp: 8, dp: 1, ep: 8 });
    const vllm = await planner(['deploy', path, '--target', 'vllm']);
    expect(vllm.code, vllm.stderr).toBe(0);
    expect(vllm.stdout).toMatch(/--tensor-parallel-size 8 /);
    expect(vllm.stdout).toMatch(/--enable-expert-parallel/);
    expect(vllm.stdout).not.toMatch(/--enable-dbo|--data-parallel-size/);
    const sglang = await planner(['deploy', path, '--target', 'sglang']);
    expect(sglang.code, sglang.stderr).toBe(0);
    expect(sglang.stdout).toMatch(/--ep-size 8/);
    expect(sglang.stdout).not.toMatch(/--moe-a2a-backend|--enable-two-batch-overlap|--enable-dp-attention/);
  });

  it('keeps hostile names in comments and data, never in the commands', async () => {
    const plan = structuredClone(plans.get('chat')!.plan);
    plan.name = 'x\n rm -rf / #\u001b]0;title\u0007';
    const path = join(dir, 'hostile.json');
    writeFileSync(path, JSON.stringify(plan));
    for (const target of ['vllm', 'sglang', 'k8s']) {
      const result = await planner(['deploy', path, '--target', target]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(/^\s*rm -rf/m);
      expect(result.stdout).not.toContain('\u001b');
      if (target !== 'k8s') expect(spawnSync('bash', ['-n'], { input: result.stdout }).status).toBe(0);
      else for (const doc of parseAllDocuments(result.stdout)) expect(doc.errors).toEqual([]);
    }
  });

  it('every flag it can emit for a pool is a real flag of the engine', () => {
    // The structural view: every server command of every pool of every plan, for each engine.
    for (const { plan } of plans.values()) {
      for (const engine of ['vllm', 'sglang', 'trtllm'] as const) {
        // Every GPU as NVIDIA, so TensorRT-LLM's commands are built for every pool too.
        const gpus = new Map(plan.pools.map((p) => [p.gpu, { id: p.gpu, name: p.gpu, vendor: 'nvidia', gpusPerNode: presets().catalog.gpus[p.gpu]!.gpusPerNode, nodeLabels: {} }]));
        const engineInfo = { port: 8000, healthPath: '/health', images: { nvidia: 'image' } };
        const input: DeployInput = { plan, planFile: 'plan.json', target: engine, engine, engineInfo, model: { path: 'model', origin: 'user', moe: false }, gpus };
        const { pools, problems } = launchPools(input);
        expect(problems.filter((p) => !p.message.includes('one node only'))).toEqual([]);
        for (const lp of pools) {
          const launch = engineLaunch(lp, input);
          const servers = [launch.leader.at(-1)!, ...(engine === 'sglang' && launch.worker ? [launch.worker.at(-1)!] : [])];
          for (const word of servers.flat()) if (word.startsWith('--')) expect(FLAGS[engine].has(word.split('=')[0]!), `${engine} ${word}`).toBe(true);
        }
      }
    }
  });
});
