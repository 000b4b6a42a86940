import type { InputIssue } from '../input/issues.js';
import type { SchemaChecker } from '../input/schema-check.js';
import { parseYamlSource } from '../input/yaml-source.js';
import { planLimitIssues } from './plan-limits.js';
import { PLAN_VERSION } from './plan.js';
import type { Plan } from './plan.js';

/** Reads a saved plan (the JSON of `planner plan`), checking its version, its schema and its limits (planLimitIssues). */
export function parsePlan(check: SchemaChecker, file: string, text: string): { value?: Plan; issues: InputIssue[] } {
  const source = parseYamlSource(file, text);
  if (source.issues.length > 0) return { issues: source.issues };
  const version = (source.data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== PLAN_VERSION) {
    return { issues: [source.issueAt(['version'], `plan version ${version}: this planner reads version ${PLAN_VERSION} (re-run planner plan to produce one)`)] };
  }
  const issues = check('plan', source);
  if (issues.length > 0) return { issues };
  const limits = planLimitIssues(source.data as Plan, source);
  return limits.length > 0 ? { issues: limits } : { value: source.data as Plan, issues: [] };
}
