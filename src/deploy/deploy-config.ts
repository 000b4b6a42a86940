import { deepMerge } from '../input/catalog.js';
import { checkFile } from '../input/load.js';
import type { Loaded, TextFile } from '../input/load.js';
import type { SchemaChecker } from '../input/schema-check.js';
import type { YamlSource } from '../input/yaml-source.js';
import { DEPLOY_ENGINES } from './types.js';
import type { DeployEngine, EngineDeployInfo } from './types.js';

/** presets/deploy.yaml with its overlays merged: engine images and ports, GPU resources and node labels. */
export interface DeployConfig {
  engines: Map<DeployEngine, EngineDeployInfo>;
  /** Kubernetes extended resource per GPU vendor. */
  resources: Map<string, string>;
  /** Node labels per GPU type id. */
  nodeLabels: Map<string, Record<string, string>>;
}

interface RawDeployConfig {
  engines?: Partial<Record<DeployEngine, { port?: number; health?: string; images?: Record<string, string> }>>;
  vendors?: Record<string, { resource: string }>;
  gpus?: Record<string, { node_labels: Record<string, string | number> }>;
}

/**
 * Loads the deploy presets, then the user's overlays (`--deploy-config`, schema-checked; the
 * first `trusted` files are planner's own). An engine without a port or health path is refused.
 */
export function loadDeployConfig(check: SchemaChecker, files: Array<TextFile | YamlSource>, trusted = 1): Loaded<DeployConfig> {
  const checked = files.map((file, i) => checkFile(i < trusted ? undefined : check, 'deploy', file));
  const issues = checked.flatMap((c) => c.issues);
  if (issues.length > 0) return { issues };
  const raw = checked.reduce<RawDeployConfig>((merged, c) => deepMerge(merged, c.value!.data), {});
  const engines = new Map<DeployEngine, EngineDeployInfo>();
  for (const id of DEPLOY_ENGINES) {
    const entry = raw.engines && Object.hasOwn(raw.engines, id) ? raw.engines[id] : undefined;
    if (!entry?.port || !entry.health) {
      const last = files[files.length - 1]!;
      issues.push({ file: 'text' in last ? last.path : last.file, message: `engines.${id}: needs a port and a health path` });
      continue;
    }
    engines.set(id, { port: entry.port, healthPath: entry.health, images: { ...entry.images } });
  }
  const resources = new Map(Object.entries(raw.vendors ?? {}).map(([vendor, v]) => [vendor, v.resource]));
  const nodeLabels = new Map(
    Object.entries(raw.gpus ?? {}).map(([gpu, g]) => [gpu, Object.fromEntries(Object.entries(g.node_labels).map(([k, v]) => [k, String(v)]))]),
  );
  return issues.length > 0 ? { issues } : { value: { engines, resources, nodeLabels }, issues: [] };
}
