import { stringify } from 'yaml';
import type { Plan } from '../plan/plan.js';
import { planMarkdown } from './plan-markdown.js';
import { planText } from './plan-text.js';

/** Output formats of a plan. */
export const PLAN_FORMATS = ['table', 'json', 'yaml', 'markdown'] as const;
/** One of the plan output formats. */
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** Renders one Plan object in any format (the same data behind every one). */
export function renderPlan(plan: Plan, format: PlanFormat, paintHeader?: (t: string) => string): string {
  switch (format) {
    case 'json':
      return JSON.stringify(plan, null, 2);
    case 'yaml':
      return stringify(plan, { lineWidth: 0 }).trimEnd();
    case 'markdown':
      return planMarkdown(plan);
    default:
      return planText(plan, paintHeader);
  }
}
