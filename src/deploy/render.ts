import { kubernetesManifest, serviceUrls } from './kubernetes.js';
import { llmdProblems, llmdValues } from './llm-d.js';
import { launchPools } from './pools.js';
import { routingTable } from './routing-table.js';
import { launchScript } from './shell.js';
import type { DeployFile, DeployInput, DeployProblem } from './types.js';

/** Name of the routing table file every target writes. */
export const ROUTING_FILE = 'routing.json';

/** What a render produced: its files (the first is the main one), or the problems that stop it. */
export interface DeployResult {
  files: DeployFile[];
  problems: DeployProblem[];
}

/**
 * Renders a saved plan for a target: a launch script per engine, Kubernetes objects, or llm-d
 * Helm values, each with the routing table. Pure: the same input gives the same bytes.
 */
export function renderDeployment(input: DeployInput): DeployResult {
  const { pools, problems } = launchPools(input);
  const onKubernetes = input.target === 'k8s' || input.target === 'llm-d';
  if (onKubernetes) {
    for (const lp of pools) {
      if (!lp.gpu.resource) problems.push({ pool: lp.pool.id, message: `no Kubernetes GPU resource is known for ${lp.gpu.vendor} GPUs (add vendors.${lp.gpu.vendor}.resource with --deploy-config)` });
    }
  }
  if (input.target === 'llm-d') problems.push(...llmdProblems(pools));
  if (problems.length > 0) return { files: [], problems };
  const json = (table: unknown) => ({ name: ROUTING_FILE, text: `${JSON.stringify(table, null, 2)}\n` });
  switch (input.target) {
    case 'k8s': {
      const urls = serviceUrls(input, pools);
      const routing = routingTable(input.plan, pools, input.model.path, (lp) => urls.get(lp) ?? null);
      return { files: [kubernetesManifest(input, pools, routing, 'kubernetes.yaml'), json(routing)], problems };
    }
    case 'llm-d': {
      const routing = routingTable(input.plan, pools, input.model.path, () => null);
      return { files: [...llmdValues(input, pools), json(routing)], problems };
    }
    default: {
      const routing = routingTable(input.plan, pools, input.model.path, () => null);
      return { files: [launchScript(input, pools, routing, `launch-${input.target}.sh`), json(routing)], problems };
    }
  }
}
